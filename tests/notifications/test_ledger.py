"""The delivery ledger: claim before send, retries with backoff, the sweeper, a rollback enqueues nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryKind, DeliveryState, Notification

from .conftest import deliver_all

MONDAY_10_UTC = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def reminders(world, no_enqueue):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        result = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0]
    return result.delivery_ids


def test_a_second_claim_of_the_same_row_gets_nothing(reminders):
    first = services.claim(delivery_id=reminders[0])
    second = services.claim(delivery_id=reminders[0])
    assert first is not None
    assert second is None
    row = Delivery.objects.get(pk=reminders[0])
    assert row.state == DeliveryState.SENDING and row.claim_token == first and row.attempts == 1


def test_deliver_sends_once_and_writes_one_in_app_notification(reminders, outbox):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        assert services.deliver(delivery_id=reminders[0]) == "sent"
        assert services.deliver(delivery_id=reminders[0]) == "not_claimed"
    assert len(outbox) == 1
    assert Notification.objects.filter(delivery_id=reminders[0]).count() == 1
    row = Delivery.objects.get(pk=reminders[0])
    assert row.state == DeliveryState.SENT and row.sent_at is not None


def test_a_holder_whose_claim_was_swept_does_not_send(reminders, outbox):
    token = services.claim(delivery_id=reminders[0])
    assert token is not None
    # The sweeper takes the stale claim back and someone else claims it.
    services.sweep(now=timezone.now() + timedelta(hours=1), claim_timeout=0, requeue_after=0)
    assert services.claim(delivery_id=reminders[0]) is not None
    marked = Delivery.objects.filter(pk=reminders[0], claim_token=token, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT
    )
    assert marked == 0  # the old token no longer marks anything: the old holder cannot send


def test_failed_send_is_retried_with_exponential_backoff_then_marked_failed(
    reminders, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE = 10
    settings.NOTIFICATIONS_RETRY_CAP = 25
    retries = []
    monkeypatch.setattr(services, "enqueue", lambda ids, countdown=None: retries.append(countdown))

    def broken(*args, **kwargs):
        raise OSError("SMTP server said no")

    monkeypatch.setattr("apps.notifications.content.send", broken)
    delivery_id = reminders[0]
    outcomes, delays = [], []
    now = MONDAY_10_UTC
    for _ in range(3):
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            outcomes.append(services.deliver(delivery_id=delivery_id))
        row = Delivery.objects.get(pk=delivery_id)
        if row.next_attempt_at and row.state == DeliveryState.QUEUED:
            delays.append(round((row.next_attempt_at - now).total_seconds()))
            now = row.next_attempt_at
    assert outcomes == ["retried", "retried", "failed"]
    assert delays == [10, 20]  # 10 s, 20 s, (40 s capped at 25 s would be next)
    assert retries == [10, 20]
    row = Delivery.objects.get(pk=delivery_id)
    assert row.state == DeliveryState.FAILED and row.attempts == 3
    assert "SMTP server said no" in row.last_error
    assert not Notification.objects.filter(delivery_id=delivery_id).exists()  # rolled back with the mark


def test_backoff_is_capped():
    assert [services._backoff(n) for n in range(1, 7)] == [60, 120, 240, 480, 900, 900]


def test_a_retry_that_arrives_early_does_not_claim(reminders):
    Delivery.objects.filter(pk=reminders[0]).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert services.claim(delivery_id=reminders[0]) is None


def test_sweeper_requeues_stale_claims_and_reenqueues_lost_messages(reminders, no_enqueue):
    stale, fresh, lost = reminders[0], reminders[1], reminders[2]
    long_ago = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk=stale).update(state=DeliveryState.SENDING, claimed_at=long_ago)
    Delivery.objects.filter(pk=fresh).update(state=DeliveryState.SENDING, claimed_at=timezone.now())
    Delivery.objects.filter(pk=lost).update(enqueued_at=long_ago)
    Delivery.objects.exclude(pk__in=[stale, fresh, lost]).update(enqueued_at=timezone.now())
    no_enqueue.clear()

    with transaction.atomic():
        result = services.sweep()

    assert result.reclaimed == 1
    assert result.requeued == 2  # the reclaimed one and the one whose message was lost
    assert Delivery.objects.get(pk=stale).state == DeliveryState.QUEUED
    assert Delivery.objects.get(pk=fresh).state == DeliveryState.SENDING
    assert Delivery.objects.get(pk=lost).enqueued_at > long_ago


def test_sweeper_fails_a_claim_that_used_up_its_attempts(reminders, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    Delivery.objects.filter(pk=reminders[0]).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now() - timedelta(hours=1), attempts=2
    )
    assert services.sweep().expired_failed == 1
    assert Delivery.objects.get(pk=reminders[0]).state == DeliveryState.FAILED


def test_a_rolled_back_scan_enqueues_nothing(world, django_capture_on_commit_callbacks, monkeypatch):
    published = []
    monkeypatch.setattr(services, "enqueue", lambda ids, countdown=None: published.append(ids))

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort), transaction.atomic():
        with time_machine.travel(MONDAY_10_UTC, tick=False):
            services.scan(kinds=["reminders"], organization_id=world.org_a.pk)
        raise Abort
    assert callbacks == []
    assert published == []
    assert not Delivery.objects.exists()


def test_a_committed_scan_enqueues_its_rows_in_chunks_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.NOTIFICATIONS_BATCH_SIZE = 3
    sent = []
    from apps.notifications import tasks

    monkeypatch.setattr(tasks.send_batch, "apply_async", lambda args, **kw: sent.append(list(args[0])))
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(MONDAY_10_UTC, tick=False):
            result = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0]
        assert sent == []
    assert [len(chunk) for chunk in sent] == [3, 1]
    assert sorted(i for chunk in sent for i in chunk) == sorted(result.delivery_ids)


def test_admin_retry_requeues_a_failed_send(world, reminders, no_enqueue):
    Delivery.objects.filter(pk=reminders[0]).update(state=DeliveryState.FAILED, attempts=5)
    delivery = Delivery.objects.get(pk=reminders[0])
    services.delivery_retry(actor=world.admin, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 0


def test_only_an_admin_may_retry(world, reminders):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.delivery_retry(actor=world.member, delivery=Delivery.objects.get(pk=reminders[0]))


def test_unique_key_is_per_person_kind_and_period(world):
    Delivery.objects.create(organization=world.org_a, recipient=world.member, kind=DeliveryKind.REMINDER, period="p")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            organization=world.org_a, recipient=world.member, kind=DeliveryKind.REMINDER, period="p"
        )
    Delivery.objects.create(
        organization=world.org_a, recipient=world.member, kind=DeliveryKind.MANAGER_DIGEST, period="p"
    )


def test_batch_counts_outcomes(reminders, outbox):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        result = deliver_all(reminders + reminders[:1])
    assert (result.sent, result.not_claimed) == (4, 0)
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        assert deliver_all(reminders).not_claimed == 4
