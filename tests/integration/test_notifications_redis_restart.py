"""Redis restarted during a fan-out: nothing lost after recovery (issue 6).

The shared Redis cannot be restarted under other people's feet, so this test starts a
private ``redis-server`` on a free port, points a real notifications worker *and* this
process's Celery publisher at it, and ``kill -9``s it mid fan-out. It comes back empty
(no RDB, no AOF): every queued and unacknowledged task message is gone, and only the
ledger remembers what is owed. The sweeper (run here like beat would) re-queues the
stale claims and re-enqueues the rows whose message was lost.

Figures are printed; run with -s to see them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import kombu.pools
import pytest
import redis

from apps.notifications import services

from .conftest import ARTIFACTS, redis_client, wait_for
from .test_notifications_delivery import _assert_each_reminded_once
from .test_notifications_support import (  # noqa: F401 - the *_fixture names register fixtures
    OUTBOX_BACKEND,
    NotifWorker,
    add_people,
    ledger_states,
    make_worker,
    notif_world_fixture,
    settle,
)

pytestmark = pytest.mark.integration

REDIS_START_TIMEOUT = 10.0
DOWN_FOR = 1.5  # seconds the server stays dead before it is started again on the same port


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """A throw-away ``redis-server`` nobody else uses, so killing it disturbs no one."""

    port: int
    workdir: Path
    log_path: Path
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_connect_timeout=1, socket_timeout=5)

    def start(self) -> RedisServer:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.workdir), "--logfile", "",
        ]  # fmt: skip
        with self.log_path.open("a") as log_file:
            self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited with {self.process.returncode}:\n{self.log()[-2000:]}")
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"redis-server did not answer PING within {REDIS_START_TIMEOUT:.0f}s:\n{self.log()[-2000:]}"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        """kill -9: no SHUTDOWN, no save, every connection dropped at once."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("This test needs the redis-server binary on PATH.")
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    server = RedisServer(port=port, workdir=tmp_path, log_path=ARTIFACTS / f"redis-restart-{port}.log")
    try:
        yield server.start()
    finally:
        server.kill()


def _drop_broker_pools(app) -> None:
    """Forget the app's broker connections, so the next publish connects to ``conf.broker_url`` afresh."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # Kombu keeps producer pools in a global registry keyed by connection: closing one in place
    # (force_close_all) would hand the *closed* pool back to the next publish to the same broker
    # ("Acquire on closed pool"). reset() closes them and empties the registry.
    kombu.pools.reset()


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """This process's Celery app publishes (tasks, control) to ``url`` for the duration; restored afterwards."""
    from goalsite.celery import app

    private = urlsplit(url)

    previous = app.conf.broker_url
    _drop_broker_pools(app)
    app.conf.broker_url = url
    try:
        target = app.connection_for_write()
        assert (target.hostname, target.port) == (private.hostname, private.port), target.as_uri()
        yield
    finally:
        _drop_broker_pools(app)
        app.conf.broker_url = previous


@pytest.fixture
def restart_worker(notif_world, private_redis, settings, tmp_path) -> Iterator[NotifWorker]:
    """A notifications worker on the private Redis (its broker and its cache), this process publishing there too."""
    worker = make_worker(backend=OUTBOX_BACKEND, tmp_path=tmp_path)
    worker.env["REDIS_URL"] = private_redis.url  # make_worker took the shared server's URL
    settings.NOTIFICATIONS_QUEUE = worker.queue
    with publishing_to(private_redis.url):
        try:
            yield worker.start()
        finally:
            worker.stop()


def _messages_for(client: redis.Redis, queue: str) -> int:
    """Task messages of ``queue`` waiting in the list plus those a worker holds unacknowledged."""
    return client.llen(queue) + client.hlen("unacked")


def test_redis_restarted_mid_fan_out_loses_nothing(restart_worker, private_redis, notif_world):
    from goalsite.celery import app

    people = 1500
    worker = restart_worker
    add_people(notif_world, people)

    services.scan(kinds=["reminders"])
    on_private = _messages_for(private_redis.client(), worker.queue)
    assert on_private >= 1, "the scan's send tasks did not reach the private Redis"
    assert redis_client().llen(worker.queue) == 0, "the scan published to the shared Redis"

    wait_for(lambda: len(worker.sent()) >= 300, timeout=60, message="the fan-out to get going")
    private_redis.kill()
    killed_at = time.monotonic()
    at_kill = len(worker.sent())
    states_at_kill = ledger_states(notif_world)
    time.sleep(DOWN_FOR)
    private_redis.start()
    down_for = time.monotonic() - killed_at
    left_after_restart = _messages_for(private_redis.client(), worker.queue)

    sweeps = settle(notif_world, people, timeout=60, requeue_after=10)
    time.sleep(1)
    duplicates = _assert_each_reminded_once(worker, notif_world, people)

    assert worker.process.poll() is None, f"the worker died with the broker:\n{worker.log()[-3000:]}"
    node = worker.queue + "-0@"
    # A fresh connection: control commands, unlike task publishing, do not retry on the pool's dead sockets.
    with app.connection_for_write() as conn:
        replies = app.control.ping(timeout=2.0, connection=conn)
    assert any(name.startswith(node) for reply in replies for name in reply), (
        f"the worker did not reconnect to the restarted Redis (ping replies {replies})"
    )
    connects = worker.log().count("Connected to redis://")
    assert connects >= 2, "the worker never logged its reconnection"
    assert private_redis.starts == 2
    print(
        f"\n[Redis restart] {people} due, {on_private} task messages on the private Redis after the scan, "
        f"{at_kill} sent before the kill -9, ledger at the kill {states_at_kill}, server down {down_for:.1f}s and "
        f"back with {left_after_restart} messages, sweeper re-queued {sweeps['reclaimed']} stale claims and "
        f"re-enqueued {sweeps['requeued']} deliveries whose message was lost, {duplicates} duplicates, "
        f"worker reconnected ({connects} broker connections in its log)"
    )
    assert left_after_restart == 0
    assert duplicates == 0
