"""Sending over real SMTP (a local aiosmtpd server): several connections at once, exactly once each,
failed recipients taken back and retried; and the cheap MIME build against Django's own."""

import socket
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives

from apps.notifications import services
from apps.notifications.mail import NotificationEmail
from apps.notifications.models import Delivery, DeliveryState, Notification
from tests.factories import MembershipFactory

MONDAY_10_UTC = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


class Recorder:
    """Accepts every message, except for recipients in ``refuse`` (550 at RCPT)."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.sessions: set[int] = set()
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope.original_content or envelope.content)
            self.sessions.add(id(session))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield recorder
    controller.stop()


@pytest.fixture
def many_reminders(world, no_enqueue):
    MembershipFactory.create_batch(57, organization=world.org_a)
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ids = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0].delivery_ids
    assert len(ids) >= 60
    return ids


def _delivery_header(raw: bytes) -> str:
    return message_from_bytes(raw, policy=policy.default)["X-Goalsite-Delivery"]


def test_a_batch_goes_out_over_several_smtp_connections_each_message_exactly_once(
    many_reminders, smtp_server, settings
):
    settings.NOTIFICATIONS_SMTP_THREADS = 3
    settings.NOTIFICATIONS_CLAIM_GROUP = 7
    with time_machine.travel(MONDAY_10_UTC, tick=True):
        result = services.deliver_batch(delivery_ids=many_reminders)
        again = services.deliver_batch(delivery_ids=many_reminders)  # a redelivered task sends nothing

    assert result.sent == len(many_reminders) and result.retried == result.failed == 0
    assert again.sent == 0 and again.not_claimed == len(many_reminders)
    sent_ids = [_delivery_header(raw) for raw in smtp_server.messages]
    expected = {str(p) for p in Delivery.objects.filter(pk__in=many_reminders).values_list("public_id", flat=True)}
    assert len(sent_ids) == len(set(sent_ids)) == len(expected)
    assert set(sent_ids) == expected
    assert 1 < len(smtp_server.sessions) <= 3  # overlapping conversations, never more than the setting
    assert Delivery.objects.filter(pk__in=many_reminders, state=DeliveryState.SENT).count() == len(many_reminders)
    assert Notification.objects.filter(delivery_id__in=many_reminders).count() == len(many_reminders)


def test_a_refused_recipient_is_taken_back_and_retried_while_the_rest_of_its_group_is_sent(
    many_reminders, smtp_server, settings
):
    settings.NOTIFICATIONS_SMTP_THREADS = 3
    settings.NOTIFICATIONS_CLAIM_GROUP = 10
    refused = Delivery.objects.filter(pk__in=many_reminders[3:5]).select_related("recipient__user")
    refused_ids = {d.pk for d in refused}
    smtp_server.refuse = {d.recipient.user.email for d in refused}
    with time_machine.travel(MONDAY_10_UTC, tick=True):
        result = services.deliver_batch(delivery_ids=many_reminders)

    assert result.retried == 2 and result.sent == len(many_reminders) - 2
    for row in Delivery.objects.filter(pk__in=refused_ids):
        assert row.state == DeliveryState.QUEUED and row.next_attempt_at is not None
        assert "550" in row.last_error or "Recipients" in row.last_error
    assert not Notification.objects.filter(delivery_id__in=refused_ids).exists()  # the in-app side went back too
    others = set(many_reminders) - refused_ids
    assert Delivery.objects.filter(pk__in=others, state=DeliveryState.SENT).count() == len(others)
    assert len(smtp_server.messages) == len(others)


def _django_and_ours(**kwargs):
    theirs = EmailMultiAlternatives(**kwargs)
    ours = NotificationEmail(**kwargs)
    for email in (theirs, ours):
        email.attach_alternative("<p>Hello &amp; welcome — <a href='https://x.example/a'>go</a></p>", "text/html")
    return theirs, ours


def test_the_cheap_build_parses_to_the_same_message_as_djangos():
    kwargs = {
        "subject": "Zoë’s week: 3 goals moved",
        "body": "Hello Zoë,\n\nYour week — 40 %.\n\nhttps://x.example/checkins/week/\n",
        "from_email": "Goalsite <noreply@x.example>",
        "to": ["zoe@x.example"],
        "headers": {"List-Unsubscribe": "<https://x.example/unsubscribe/" + "t" * 120 + "/one-click/>"},
    }
    theirs, ours = _django_and_ours(**kwargs)
    a = message_from_bytes(theirs.message().as_bytes(), policy=policy.default)
    b = message_from_bytes(ours.message().as_bytes(), policy=policy.default)
    for header in ("Subject", "From", "To", "List-Unsubscribe"):
        assert str(a[header]) == str(b[header]), header
    assert b["Date"] and b["Message-ID"]
    assert b.get_content_type() == "multipart/alternative"
    assert b.get_body(("plain",)).get_content() == a.get_body(("plain",)).get_content()
    assert b.get_body(("html",)).get_content() == a.get_body(("html",)).get_content()
    assert not b.defects and not any(part.defects for part in b.walk())


def test_the_cheap_build_ends_lines_with_crlf_for_smtp_and_keeps_long_lines_legal():
    _, ours = _django_and_ours(subject="Week", body=("word " * 400) + "\n", to=["a@x.example"])
    raw = ours.message(policy=policy.SMTP).as_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == ("word " * 400) + "\n"


def test_the_cheap_build_refuses_header_injection():
    _, ours = _django_and_ours(subject="Hi\r\nBcc: victim@x.example", body="x", to=["a@x.example"])
    with pytest.raises(ValueError):
        ours.message()


def test_an_unusual_address_takes_djangos_own_path():
    _, ours = _django_and_ours(subject="Hi", body="x", to=["zoë@bücher.example"])
    message = ours.message()
    assert message.policy.utf8 is False and "xn--bcher-kva.example" in message["To"]
