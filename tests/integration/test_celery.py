"""Celery end to end: tasks travel through the real Redis broker to a real worker process."""

import re
import socket
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Invitation
from apps.accounts.tasks import send_invitation_email
from apps.core.models import BeatTick
from goalsite.celery import app

from .conftest import queue_is_drained, wait_for

TASK_TIMEOUT = 20


def _sent_at(invitation_id: int):
    return Invitation.objects.filter(pk=invitation_id).values_list("sent_at", flat=True).first()


@pytest.fixture
def published(monkeypatch) -> list[tuple]:
    """The args of every send_invitation_email message published (and still really sent)."""
    calls: list[tuple] = []
    real_apply_async = send_invitation_email.apply_async

    def spy(args=None, kwargs=None, **options):
        calls.append(tuple(args or ()))
        return real_apply_async(args, kwargs, **options)

    monkeypatch.setattr(send_invitation_email, "apply_async", spy)
    return calls


def _plain_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _task_outcome(worker, task_id: str) -> str | None:
    """The return value the worker logged for ``task_id``, once it has finished."""
    match = re.search(rf"\[{re.escape(task_id)}\] succeeded in [\d.]+s: (\S+)", worker.log())
    return match.group(1) if match else None


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_the_worker_after_commit(worker, org_admin):
    with transaction.atomic():
        invitation = services.invitation_create(actor=org_admin, email="Newcomer@Example.com", full_name="Nia Newcomer")
        assert invitation.sent_at is None

    wait_for(lambda: _sent_at(invitation.pk), timeout=TASK_TIMEOUT, message="the worker to set sent_at")
    messages = wait_for(worker.sent_mail, timeout=TASK_TIMEOUT, message="the invitation email file")

    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "newcomer@example.com"
    assert message["Subject"] == "You're invited to Northwind Trading on Goalsite"
    body = _plain_body(message)
    invitation.refresh_from_db()
    url = services.invitation_url(invitation)
    assert "/join/" in url
    assert url in body
    assert "Nadia Admin invited you to join Northwind Trading" in body
    assert url in message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_invitation_enqueues_nothing(worker, org_admin, redis_test_db, published):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.invitation_create(actor=org_admin, email="ghost@example.com")
        raise Abort

    assert published == []
    assert redis_test_db.llen("celery") == 0
    time.sleep(2)
    assert worker.sent_mail() == []
    assert not Invitation.objects.filter(email="ghost@example.com").exists()


@pytest.mark.django_db(transaction=True)
def test_committed_invitation_is_published_to_redis(worker, org_admin, published):
    """The counterpart of the rollback test: the same spy does see a committed invitation."""
    with transaction.atomic():
        invitation = services.invitation_create(actor=org_admin, email="real@example.com")
        assert published == []  # not before commit

    assert published == [(invitation.pk,)]
    wait_for(worker.sent_mail, timeout=TASK_TIMEOUT, message="the invitation email file")


@pytest.mark.django_db(transaction=True)
def test_beat_tick_sent_through_the_broker_is_recorded(worker):
    assert not BeatTick.objects.exists()

    app.send_task("core.beat_tick")

    tick = wait_for(
        lambda: BeatTick.objects.filter(name="beat").first(), timeout=TASK_TIMEOUT, message="a BeatTick row"
    )
    assert tick.count == 1
    assert timezone.now() - tick.ticked_at < timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_once_when_the_task_runs_twice(worker, org_admin, redis_test_db):
    # Created directly, so the only messages are the two published below.
    invitation = Invitation.objects.create(
        organization=org_admin.organization,
        email="twice@example.com",
        invited_by=org_admin,
        expires_at=timezone.now() + timedelta(days=7),
    )

    first = send_invitation_email.delay(invitation.pk)
    second = send_invitation_email.delay(invitation.pk)

    outcomes = wait_for(
        lambda: (
            all(_task_outcome(worker, r.id) for r in (first, second))
            and sorted(_task_outcome(worker, r.id) for r in (first, second))
        ),
        timeout=TASK_TIMEOUT,
        message="both send_invitation_email tasks to finish",
    )
    assert outcomes == ["False", "True"]
    wait_for(lambda: queue_is_drained(redis_test_db), timeout=TASK_TIMEOUT, message="the queue to drain")
    messages = worker.sent_mail()
    assert [m["To"] for m in messages] == ["twice@example.com"]
    assert _sent_at(invitation.pk) is not None


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_healthz_reports_database_and_real_broker_ok(client, redis_test_db):
    response = client.get("/healthz")

    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"] == {"ok": True, "detail": "postgresql"}
    assert report["broker"]["ok"] is True
    assert report["broker"]["detail"] == "redis"


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, redis_test_db, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{_closed_port()}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "error"
    assert report["database"]["ok"] is True
    assert report["broker"]["ok"] is False
    assert "onnection" in report["broker"]["detail"]
