"""Shared helpers for the notifications integration tests (no tests here).

Each test gets its own real ``celery worker`` process (prefork, two children) on
the test database and the test Redis database, consuming a queue of its own
(``NOTIFICATIONS_QUEUE``), so killing it never disturbs the session worker of
tests/integration/conftest.py or anybody else's tasks. Mail is counted by one of
the backends in apps/notifications/testing.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from .conftest import ARTIFACTS, REPO_ROOT, _database_url, redis_client, redis_url, wait_for

WORKER_START_TIMEOUT = 60.0
LINE_BACKEND = "apps.notifications.testing.LineFileBackend"
OUTBOX_BACKEND = "apps.notifications.testing.OutboxTableBackend"


@dataclass
class NotifWorker:
    queue: str
    backend: str
    mail_file: Path
    log_path: Path
    env: dict
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def process(self) -> subprocess.Popen:
        return self.processes[-1]

    def start(self) -> NotifWorker:
        from goalsite.celery import app

        name = f"{self.queue}-{len(self.processes)}"
        command = [
            sys.executable, "-m", "celery", "-A", "goalsite", "worker", "--pool=prefork", "--concurrency=2",
            "-Q", self.queue, "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        log_file = self.log_path.open("a")
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"The notifications worker exited with {process.returncode}:\n{self.log()[-4000:]}")
            replies = app.control.ping(timeout=1.0)
            if any(node.startswith(f"{name}@") for reply in replies for node in reply):
                return self
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The notifications worker did not answer within {WORKER_START_TIMEOUT:.0f}s:\n{self.log()[-4000:]}"
                )

    def children(self) -> list[int]:
        pid = self.process.pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def kill_child(self) -> int:
        """kill -9 the pool process that sent the latest message (so it is busy mid-batch)."""
        children = wait_for(self.children, timeout=10, message="the worker's pool processes")
        victim = children[0]
        if self.backend == OUTBOX_BACKEND:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid FROM goalsite_test_outbox ORDER BY id DESC LIMIT 1")
                row = cursor.fetchone()
            if row and row[0] in children:
                victim = row[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_all(self) -> None:
        """kill -9 the worker and its pool processes at once (its process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- what was sent ------------------------------------------------------------------

    def sent(self) -> list[str]:
        """The delivery public id of every message the backend took, one entry per message."""
        if self.backend == OUTBOX_BACKEND:
            with connection.cursor() as cursor:
                cursor.execute("SELECT delivery FROM goalsite_test_outbox")
                return [row[0] for row in cursor.fetchall()]
        if not self.mail_file.exists():
            return []
        return [json.loads(line)["delivery"] for line in self.mail_file.read_text().splitlines() if line.strip()]


def purge_queue(queue: str) -> None:
    """Drop this test's queue and any message of it a killed worker left unacknowledged.

    The session worker's tests check that Redis holds no unacked message at all, so a
    hard-killed worker's leftovers must not outlive the test.
    """
    client = redis_client()
    client.delete(queue)
    for tag, raw in client.hgetall("unacked").items():
        try:
            _payload, _exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def kill_redis_clients_of_this_db() -> int:
    """CLIENT KILL every connection to *this* Redis database (not the server's other databases' clients)."""
    client = redis_client()
    me = client.client_id()
    db_index = int(client.connection_pool.connection_kwargs.get("db", 0))
    killed = 0
    for info in client.client_list():
        if int(info.get("db", -1)) == db_index and int(info["id"]) != me and info.get("flags") != "S":
            try:
                killed += client.execute_command("CLIENT", "KILL", "ID", info["id"])
            except Exception:  # it may have gone on its own
                continue
    return killed


def make_worker(*, backend: str, tmp_path: Path, claim_timeout: int = 3) -> NotifWorker:
    assert connection.settings_dict["NAME"].startswith("test_"), "refusing to point a worker at a non-test database"
    queue = f"notif-itest-{uuid.uuid4().hex[:8]}"
    ARTIFACTS.mkdir(exist_ok=True)
    mail_file = tmp_path / "mail.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": redis_url(),
        "EMAIL_BACKEND": backend,
        "GOALSITE_TEST_MAIL_FILE": str(mail_file),
        "NOTIFICATIONS_QUEUE": queue,
        "NOTIFICATIONS_CLAIM_TIMEOUT": str(claim_timeout),
        "DJANGO_SETTINGS_MODULE": "goalsite.settings",
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("CELERY_BROKER_URL", None)
    return NotifWorker(queue=queue, backend=backend, mail_file=mail_file, log_path=ARTIFACTS / f"{queue}.log", env=env)


@pytest.fixture(name="notif_world")
def notif_world_fixture(transactional_db, _services_reachable, redis_test_db, settings):
    """An organization whose reminders are due whenever the test runs (Monday 00:00, everyone in UTC)."""
    from apps.accounts.models import Organization
    from apps.notifications.models import ReminderPolicy
    from apps.notifications.testing import outbox_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = Organization.objects.create(name="Load Test Ltd", slug=f"load-{uuid.uuid4().hex[:6]}")
    from datetime import time as clock

    ReminderPolicy.objects.create(organization=org, weekday=0, local_time=clock(0, 0))
    outbox_create()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE goalsite_test_outbox")
    return org


def add_people(org, count: int, prefix: str = "p") -> list[int]:
    from apps.accounts.models import Membership, User

    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i}@{org.slug}.example",
                full_name=f"Person {prefix}{i:05d}",
                time_zone="UTC",
                password="!",
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    members = Membership.objects.bulk_create([Membership(organization=org, user=u) for u in users], batch_size=1000)
    return [m.pk for m in members]


@pytest.fixture(name="worker_factory")
def worker_factory_fixture(notif_world, settings, tmp_path):
    """Start notifications workers for this test; each is stopped (and its queue purged) afterwards."""
    made: list[NotifWorker] = []

    def start(*, backend: str = OUTBOX_BACKEND, claim_timeout: int = 3) -> NotifWorker:
        worker = make_worker(backend=backend, tmp_path=tmp_path, claim_timeout=claim_timeout)
        settings.NOTIFICATIONS_QUEUE = worker.queue  # this process publishes to the worker's own queue
        made.append(worker)
        return worker.start()

    yield start
    for worker in made:
        worker.stop()
        purge_queue(worker.queue)


def ledger_states(org) -> dict[str, int]:
    from django.db.models import Count

    from apps.notifications.models import Delivery

    rows = Delivery.objects.filter(organization=org).values("state").annotate(n=Count("id")).order_by()
    return {row["state"]: row["n"] for row in rows}


def settle(org, expected: int, *, timeout: float, claim_timeout: int = 3, requeue_after: int = 20) -> dict:
    """Wait until every delivery is sent, running the sweeper like beat would (every few seconds)."""
    from apps.notifications import services

    deadline = time.monotonic() + timeout
    sweeps = {"reclaimed": 0, "requeued": 0}
    last_sweep = time.monotonic()
    while True:
        states = ledger_states(org)
        if states.get("sent", 0) == expected:
            return sweeps
        if time.monotonic() > deadline:
            pytest.fail(f"Not everything was sent within {timeout:.0f}s: {states}")
        if time.monotonic() - last_sweep > 3:
            result = services.sweep(claim_timeout=claim_timeout, requeue_after=requeue_after)
            sweeps["reclaimed"] += result.reclaimed
            sweeps["requeued"] += result.requeued
            last_sweep = time.monotonic()
        time.sleep(0.25)
