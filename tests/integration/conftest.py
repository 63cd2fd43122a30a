"""Integration tests: the real PostgreSQL, the real Redis broker and a real Celery worker process.

Nothing here is skipped when a service is missing: an unreachable PostgreSQL or Redis
fails the run, because a green suite must mean the Celery path was exercised.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest

INTEGRATION_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEGRATION_DIR.parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
WORKER_START_TIMEOUT = 30.0


def pytest_collection_modifyitems(config, items):
    for item in items:
        if INTEGRATION_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.integration)


def redis_url() -> str:
    from django.conf import settings

    return settings.REDIS_URL


def redis_client():
    import redis

    return redis.Redis.from_url(redis_url(), socket_connect_timeout=3, socket_timeout=5)


def wait_for(predicate, *, timeout: float, interval: float = 0.1, message: str):
    """Poll ``predicate`` until it returns something truthy; fail with ``message`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f}s: {message}")
        time.sleep(interval)


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture(scope="session")
def _services_reachable() -> None:
    """Fail (never skip) when PostgreSQL or Redis is down, before the test database is made."""
    import psycopg
    from django.conf import settings
    from django.db import connection

    url = redis_url()
    if not url.startswith(("redis://", "rediss://")):
        pytest.fail(f"Integration tests need REDIS_URL pointing at a Redis server, got {url!r}.")
    try:
        if not redis_client().ping():
            pytest.fail(f"Redis at {url} did not answer PING.")
    except Exception as error:
        pytest.fail(f"Redis at {url} is unreachable: {type(error).__name__}: {error}")

    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        pytest.fail(f"Integration tests need DATABASE_URL pointing at PostgreSQL, got the {connection.vendor} backend.")
    try:
        with psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as error:
        pytest.fail(f"PostgreSQL at {db.get('HOST')}:{db.get('PORT')} is unreachable: {type(error).__name__}: {error}")


@pytest.fixture(scope="session")
def redis_test_db(_services_reachable):
    """The Redis database the tests and the worker share, emptied once per session."""
    client = redis_client()
    db_index = client.connection_pool.connection_kwargs.get("db", 0)
    if int(db_index) == 0:
        pytest.fail("Refusing to FLUSHDB Redis database 0: point REDIS_URL at a database reserved for tests.")
    client.flushdb()
    return client


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sent_mail(self) -> list[EmailMessage]:
        """Every message the worker's file-based email backend wrote, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(message_from_string(chunk, policy=policy.default))
        return messages

    def clear_mail(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()


@pytest.fixture(scope="session")
def celery_worker(
    _services_reachable, redis_test_db, django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[Worker]:
    """A real ``celery -A goalsite worker`` on the test database and the test Redis database."""
    from django.db import connection

    from goalsite.celery import app

    with django_db_blocker.unblock():
        test_db_name = connection.settings_dict["NAME"]
        database_url = _database_url(connection.settings_dict)
    assert test_db_name.startswith("test_"), f"Refusing to point the worker at a non-test database {test_db_name!r}"

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "celery-worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_SETTINGS_MODULE": "goalsite.settings",
        "PYTHONUNBUFFERED": "1",
    }
    # The worker must use the same broker the tests publish to.
    env.pop("CELERY_BROKER_URL", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "goalsite",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        "--loglevel=INFO",
        "-n",
        "itest@%h",
    ]
    log_file = log_path.open("w")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    worker = Worker(process=process, mail_dir=mail_dir, log_path=log_path)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {process.returncode} on start:\n{worker.log()[-4000:]}")
            replies = app.control.ping(timeout=1.0)
            if any(name.startswith("itest@") for reply in replies for name in reply):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The Celery worker did not answer ping within {WORKER_START_TIMEOUT:.0f}s:\n{worker.log()[-4000:]}"
                )
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log_file.close()


@pytest.fixture
def worker(celery_worker: Worker, redis_test_db) -> Iterator[Worker]:
    """The session's worker with an empty mailbox and empty queues for this test."""
    celery_worker.clear_mail()
    yield celery_worker
    # Leave nothing queued for the next test (a test that failed midway may have).
    wait_for(lambda: queue_is_drained(redis_test_db), timeout=15, message="the worker to drain the queue")
    celery_worker.clear_mail()


def queue_is_drained(client) -> bool:
    """True when no message waits in the default queue and none is held unacknowledged by the worker."""
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


@pytest.fixture
def org_admin(db):
    from apps.accounts import services

    return services.organization_create(
        name="Northwind Trading",
        admin_email="admin@northwind.example",
        admin_name="Nadia Admin",
        password="a-long-enough-test-password",
    )
