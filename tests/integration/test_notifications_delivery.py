"""Reminders through the real Redis broker and real worker processes: never twice, never lost.

Figures (people, duplicates, messages in flight at a kill) are printed; run with -s to see them.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from apps.notifications import services, tasks
from apps.notifications.models import Delivery, DeliveryKind

from .conftest import redis_client, wait_for
from .test_notifications_support import (  # noqa: F401 - the *_fixture names register fixtures
    LINE_BACKEND,
    OUTBOX_BACKEND,
    add_people,
    kill_redis_clients_of_this_db,
    ledger_states,
    notif_world_fixture,
    settle,
    worker_factory_fixture,
)

pytestmark = pytest.mark.integration


def _assert_each_reminded_once(worker, org, people: int) -> int:
    """Every due person got exactly one reminder; returns the number of duplicate messages."""
    sent = worker.sent()
    ledger = set(str(p) for p in Delivery.objects.filter(organization=org).values_list("public_id", flat=True))
    assert len(ledger) == people
    assert set(sent) == ledger, f"{len(ledger - set(sent))} people never got their reminder"
    return len(sent) - len(set(sent))


def test_double_scan_sends_exactly_one_reminder_per_due_person(worker_factory, notif_world):
    worker = worker_factory()
    add_people(notif_world, 300)

    first = services.scan(kinds=["reminders"])[0]
    second = services.scan(kinds=["reminders"])[0]

    assert (first.created, second.created) == (300, 0)
    settle(notif_world, 300, timeout=90)
    time.sleep(1)
    duplicates = _assert_each_reminded_once(worker, notif_world, 300)
    print(f"\n[double scan, sequential] 300 due, {len(worker.sent())} sent, {duplicates} duplicates")
    assert duplicates == 0


def test_concurrent_scans_and_beats_send_exactly_one_reminder_per_due_person(worker_factory, notif_world):
    worker = worker_factory()
    add_people(notif_world, 400)
    barrier = threading.Barrier(3)
    created = []

    def scan_in_thread():
        barrier.wait()
        try:
            created.append(services.scan(kinds=["reminders"])[0].created)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    barrier.wait()
    # …and two beats' scan tasks on the worker at the same moment.
    for _ in range(2):
        tasks.scan.apply_async((["reminders"],), queue=worker.queue)
    for thread in threads:
        thread.join(timeout=60)

    settle(notif_world, 400, timeout=120)
    time.sleep(2)
    duplicates = _assert_each_reminded_once(worker, notif_world, 400)
    print(
        f"\n[double scan, concurrent] 2 scans + 2 scan tasks: rows created by the threads {created}, {duplicates} duplicates"
    )
    assert sum(created) <= 400
    assert duplicates == 0
    assert Delivery.objects.filter(organization=notif_world, kind=DeliveryKind.REMINDER).count() == 400


def test_a_rolled_back_transaction_enqueues_nothing(worker_factory, notif_world, monkeypatch):
    worker = worker_factory()
    add_people(notif_world, 50)
    published = []
    real = tasks.send_batch.apply_async
    monkeypatch.setattr(tasks.send_batch, "apply_async", lambda *a, **kw: published.append(a) or real(*a, **kw))

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        result = services.scan(kinds=["reminders"])[0]
        assert result.created == 50
        raise Abort

    assert published == []
    assert redis_client().llen(worker.queue) == 0
    time.sleep(2)
    assert worker.sent() == []
    assert not Delivery.objects.exists()

    # The same scan committed does publish (the spy is live).
    services.scan(kinds=["reminders"])
    assert len(published) == 1
    settle(notif_world, 50, timeout=60)


def test_kill_9_of_a_worker_child_mid_fan_out_loses_nothing_and_duplicates_nothing(worker_factory, notif_world):
    """The transactional outbox sink commits with the ledger, so even the message in flight is exactly-once."""
    people = 2000
    worker = worker_factory(backend=OUTBOX_BACKEND)
    add_people(notif_world, people)

    services.scan(kinds=["reminders"])
    wait_for(lambda: len(worker.sent()) >= 300, timeout=90, message="the fan-out to get going")
    killed = worker.kill_child()
    at_kill = len(worker.sent())
    in_flight = ledger_states(notif_world).get("sending", 0)
    sweeps = settle(notif_world, people, timeout=150)
    time.sleep(1)
    duplicates = _assert_each_reminded_once(worker, notif_world, people)
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log() or "exited with" in worker.log()
    print(
        f"\n[kill -9 child pid {killed}] {people} due, {at_kill} sent before the kill, {in_flight} claimed in flight, "
        f"sweeper re-queued {sweeps['reclaimed']} stale claims, {duplicates} duplicates"
    )
    assert duplicates == 0


def test_kill_9_of_the_whole_worker_then_restart_loses_nothing(worker_factory, notif_world):
    """A file sink is outside the database transaction, like SMTP: duplicates ≤ messages in flight at the kill."""
    people = 1200
    worker = worker_factory(backend=LINE_BACKEND)
    add_people(notif_world, people)

    services.scan(kinds=["reminders"])
    wait_for(lambda: len(worker.sent()) >= 300, timeout=90, message="the fan-out to get going")
    worker.kill_all()
    states_at_kill = ledger_states(notif_world)
    in_flight = states_at_kill.get("sending", 0)  # claimed, never marked: sent or not, nobody knows
    at_kill = len(worker.sent())
    worker.start()  # a new worker on the same queue
    sweeps = settle(notif_world, people, timeout=150)
    time.sleep(1)
    duplicates = _assert_each_reminded_once(worker, notif_world, people)
    print(
        f"\n[kill -9 whole worker] {people} due, {at_kill} sent before the kill, ledger at the kill {states_at_kill}, "
        f"sweeper re-queued {sweeps['reclaimed']} stale claims and re-enqueued {sweeps['requeued']} lost messages, "
        f"{duplicates} duplicates"
    )
    assert duplicates <= in_flight


def test_redis_connections_killed_mid_fan_out_loses_nothing(worker_factory, notif_world):
    """CLIENT KILL of every connection to this test's Redis database (the shared server stays up for others)."""
    people = 1200
    worker = worker_factory(backend=OUTBOX_BACKEND)
    add_people(notif_world, people)

    services.scan(kinds=["reminders"])
    wait_for(lambda: len(worker.sent()) >= 300, timeout=90, message="the fan-out to get going")
    killed = kill_redis_clients_of_this_db()
    time.sleep(0.5)
    killed += kill_redis_clients_of_this_db()
    at_kill = len(worker.sent())
    sweeps = settle(notif_world, people, timeout=150)
    time.sleep(1)
    duplicates = _assert_each_reminded_once(worker, notif_world, people)
    assert worker.process.poll() is None, "the worker should survive a broker connection loss"
    print(
        f"\n[Redis CLIENT KILL x2] {killed} connections killed, {at_kill} sent before, "
        f"sweeper re-queued {sweeps['reclaimed']} / re-enqueued {sweeps['requeued']}, {duplicates} duplicates"
    )
    assert duplicates == 0
