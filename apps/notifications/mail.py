"""The MIME message of a notification email, built cheaply.

Django's ``EmailMessage.message()`` uses the modern ``email`` policy, which parses
every header into a tree and refolds it again when the message is flattened: for
a short reminder that is most of the cost of sending it (about 2 ms of the 3 ms
a message took to build and flatten). Our notification emails are simple
(an ASCII recipient address, a plain and an HTML part, a few ASCII headers), so
``NotificationEmail`` builds the same message with the ``compat32`` classes,
which write ASCII headers as they are. Anything unusual (a non-ASCII address, an
attachment) takes Django's own path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, make_msgid

from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = None  # 8bit, unless a line is too long for SMTP (then quoted-printable)
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_MAX_LINE = 998  # RFC 5322 line length limit, in octets


class _Policy(Compat32):
    """compat32, except that an ASCII header that fits a line is written as it is (no ``Header``, no folding)."""

    def _fold(self, name, value, sanitize):
        short = isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= _MAX_LINE
        if short and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_POLICY = _Policy()


def _part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=_POLICY)
    if not text.endswith("\n"):
        text += "\n"  # as the modern API writes it: the part ends with a line break before the boundary
    data = text.encode("utf-8")
    long_lines = any(len(line) > _MAX_LINE for line in data.splitlines())
    part.set_payload(text, charset=_UTF8_QP if long_lines else _UTF8)
    return part


def _header(value: str) -> str | Header:
    if "\n" in value or "\r" in value:
        raise ValueError("a header value cannot contain a line break")
    return value if value.isascii() else Header(value, "utf-8")


class NotificationEmail(EmailMultiAlternatives):
    def _simple(self) -> bool:
        addresses = [self.from_email, *self.to, *self.cc, *self.reply_to]
        return (
            not self.attachments
            and all(mimetype.startswith("text/") for _, mimetype in self.alternatives)
            and all(str(a).isascii() for a in addresses)
            and not {k.lower() for k in self.extra_headers}
            & {"from", "to", "cc", "reply-to", "bcc", "date", "message-id"}
        )

    def message(self, *, policy=None):
        if not self._simple():
            return super().message() if policy is None else super().message(policy=policy)
        if self.alternatives:
            msg = MIMEMultipart("alternative", policy=_POLICY)
            msg.attach(_part(str(self.body), self.content_subtype))
            for content, mimetype in self.alternatives:
                msg.attach(_part(str(content), mimetype.split("/", 1)[1]))
        else:
            msg = _part(str(self.body), self.content_subtype)
        msg["Subject"] = _header(str(self.subject))
        msg["From"] = _header(str(self.from_email))
        if self.to:
            msg["To"] = _header(", ".join(str(a) for a in self.to))
        if self.cc:
            msg["Cc"] = _header(", ".join(str(a) for a in self.cc))
        if self.reply_to:
            msg["Reply-To"] = _header(", ".join(str(a) for a in self.reply_to))
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=DNS_NAME)
        for name, value in self.extra_headers.items():
            msg[name] = _header(str(value))
        if policy is not None and policy.linesep != _POLICY.linesep:
            msg.policy = _POLICY.clone(linesep=policy.linesep)  # SMTP wants CRLF line ends
        return msg
