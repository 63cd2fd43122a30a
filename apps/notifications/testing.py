"""Email backends for tests and benchmarks that count what was sent, across processes.

* ``LineFileBackend`` appends one JSON line per message to ``GOALSITE_TEST_MAIL_FILE``
  (one ``write`` on an O_APPEND descriptor, so lines from concurrent worker
  processes never interleave). Like SMTP, it is not part of the database
  transaction: a worker killed between this write and the commit of the
  ledger's "sent" mark produces one duplicate after the sweeper — exactly the
  "message in flight" that no mail transport can take back.
* ``OutboxTableBackend`` inserts one row per message into a plain table on the
  default database connection, inside the sender's transaction: a sink that
  commits atomically with the ledger (the transactional-outbox pattern), so a
  crash anywhere leaves either both or neither.
"""

import json
import os

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

OUTBOX_TABLE = "goalsite_test_outbox"


def _summary(message) -> dict:
    return {
        "to": list(message.to),
        "subject": message.subject,
        "delivery": message.extra_headers.get("X-Goalsite-Delivery", ""),
        "kind": message.extra_headers.get("X-Goalsite-Kind", ""),
        "pid": os.getpid(),
    }


class LineFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        path = os.environ["GOALSITE_TEST_MAIL_FILE"]
        count = 0
        for message in email_messages:
            message.message()  # render the MIME message, as a real backend would
            line = (json.dumps(_summary(message)) + "\n").encode()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
            count += 1
        return count


def outbox_create() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {OUTBOX_TABLE} "
            "(id bigserial PRIMARY KEY, delivery varchar(64) NOT NULL, recipient varchar(254) NOT NULL, "
            "kind varchar(40) NOT NULL, pid integer NOT NULL)"
        )


class OutboxTableBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = 0
        with connection.cursor() as cursor:
            for message in email_messages:
                message.message()
                summary = _summary(message)
                cursor.execute(
                    f"INSERT INTO {OUTBOX_TABLE} (delivery, recipient, kind, pid) VALUES (%s, %s, %s, %s)",  # noqa: S608
                    [summary["delivery"], ",".join(summary["to"]), summary["kind"], summary["pid"]],
                )
                count += 1
        return count
