"""Notifications throughput: real worker processes, real Redis, real SMTP (a local aiosmtpd sink).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goalsite_bench_n REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/notifications_bench.py [--reminders 50000] [--managers 500] [--personal 5000]

WIPES the database it is pointed at (it must be named *bench*) and flushes that
Redis database (never database 0). One ``celery worker --concurrency=2`` (two pool
processes) consumes a queue of its own. Prints one line per scenario:

* reminders: the scan, then every due person's reminder rendered and sent over SMTP;
* reminders, claim only: the same fan-out with NOTIFICATIONS_CLAIM_ONLY=1 (claim and
  mark, no render, no send), so the ratio shows what the ledger itself costs;
* manager digests and personal digests, each with its own fan-out.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goalsite.settings")
os.environ.setdefault("SECRET_KEY", "goalsite-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.accounts.models import Membership, Organization, User  # noqa: E402
from apps.checkins.models import CheckIn, CheckinSubmission  # noqa: E402
from apps.goals.models import Goal, GoalStatus  # noqa: E402
from apps.notifications import services  # noqa: E402
from apps.notifications.models import Delivery, DeliveryKind, DeliveryState, Notification, ReminderPolicy  # noqa: E402

QUEUE = "notifications-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Services:
    def __init__(self, smtp_port: int, count_file: Path, log_dir: Path):
        self.smtp_port = smtp_port
        self.count_file = count_file
        self.log_dir = log_dir
        self.sink = None
        self.worker = None

    def start_sink(self) -> None:
        self.sink = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "notifications_smtp_sink.py"), "--port", str(self.smtp_port),
             "--count-file", str(self.count_file)],
            stdout=subprocess.DEVNULL, stderr=(self.log_dir / "sink.log").open("w"),
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not self.count_file.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the SMTP sink did not start")
            time.sleep(0.2)

    def sink_counts(self) -> dict:
        return json.loads(self.count_file.read_text())

    def start_worker(self, *, claim_only: bool = False) -> None:
        from goalsite.celery import app

        env = {
            **os.environ,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "NOTIFICATIONS_QUEUE": QUEUE,
            "NOTIFICATIONS_CLAIM_ONLY": "1" if claim_only else "0",
            "PYTHONWARNINGS": "ignore",
        }
        name = f"bench-{uuid.uuid4().hex[:6]}"
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "goalsite", "worker", "--pool=prefork", "--concurrency=2",
             "-Q", QUEUE, "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(self.log_dir / f"{name}.log").open("w"),
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            replies = app.control.ping(timeout=1.0)
            if any(node.startswith(f"{name}@") for reply in replies for node in reply):
                return
            if self.worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start; see {self.log_dir}")

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)

    def stop(self) -> None:
        self.stop_worker()
        if self.sink and self.sink.poll() is None:
            self.sink.terminate()
            self.sink.wait(timeout=10)


def reset() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to wipe database {name!r}: point DATABASE_URL at a *bench* database")
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    if int(client.connection_pool.connection_kwargs.get("db", 0)) == 0:
        raise SystemExit("refusing to flush Redis database 0")
    client.flushdb()


def people(org: Organization, count: int, prefix: str, **membership) -> list[Membership]:
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{i}@{org.slug}.example", full_name=f"{prefix.title()} {i:05d}", password="!")
            for i in range(count)
        ],
        batch_size=2000,
    )
    return Membership.objects.bulk_create(
        [Membership(organization=org, user=u, **membership) for u in users], batch_size=2000
    )


def wait_sent(ids: list[int], timeout: float) -> float:
    """Seconds until every id is sent (ids of one fan-out are one contiguous insert in this bench)."""
    if not ids:
        return 0.0
    start = time.monotonic()
    while True:
        done = Delivery.objects.filter(pk__gte=min(ids), pk__lte=max(ids), state=DeliveryState.SENT).count()
        if done >= len(ids):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise SystemExit(f"only {done} of {len(ids)} sent after {timeout:.0f}s")
        time.sleep(0.5)


def fan_out(due) -> tuple[list[int], float]:
    """Insert the ledger rows and publish the send tasks (after commit); returns ids and seconds taken."""
    start = time.monotonic()
    with transaction.atomic():
        ids = services.ledger_insert(due=due)
        transaction.on_commit(lambda: services.enqueue(ids))
    return ids, time.monotonic() - start


def line(label: str, count: int, setup: float, total: float, sink: dict | None, target: float | None) -> None:
    rate = count / total if total else float("inf")
    verdict = "" if target is None else ("  ✓ within target" if total <= target else f"  ✗ target {target:.0f}s")
    mail = "" if sink is None else f"  SMTP sink: {sink['messages']} messages, {sink['distinct']} distinct"
    print(
        f"{label:<28} {count:>6}  scan+enqueue {setup:6.1f}s  all sent {total:7.1f}s  {rate:7.1f}/s{mail}{verdict}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=50_000)
    parser.add_argument("--managers", type=int, default=500)
    parser.add_argument("--personal", type=int, default=5_000)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--only", choices=["reminders", "digests"], help="Run one half of the bench.")
    args = parser.parse_args()
    settings.NOTIFICATIONS_QUEUE = QUEUE

    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    reset()
    load = os.getloadavg()
    print(f"notifications bench: {os.cpu_count()} CPUs, load average {load[0]:.1f} at start, "
          f"db {connection.settings_dict['NAME']}, broker {settings.REDIS_URL}, 1 worker x 2 processes", flush=True)  # fmt: skip

    svc = Services(free_port(), log_dir / "sink.count", log_dir)
    svc.start_sink()
    try:
        if args.only != "digests":
            reminders_bench(svc, args)
        if args.only != "reminders":
            digests_bench(svc, args)
        print(f"load average at the end {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        svc.stop()


def reminders_bench(svc: Services, args) -> None:
    org = Organization.objects.create(name="Bench reminders", slug="bench-reminders")
    ReminderPolicy.objects.create(organization=org, weekday=0, local_time=clock(0, 0))
    t = time.monotonic()
    people(org, args.reminders, "r")
    print(f"  ({args.reminders} people created in {time.monotonic() - t:.1f}s)", flush=True)

    svc.start_worker(claim_only=True)
    start = time.monotonic()
    ids = services.scan(kinds=["reminders"], organization_id=org.pk)[0].delivery_ids
    setup = time.monotonic() - start
    total = setup + wait_sent(ids, args.timeout)
    line("reminders, claim only", len(ids), setup, total, None, None)
    claim_only = total
    svc.stop_worker()
    Notification.objects.filter(organization=org).delete()
    Delivery.objects.filter(organization=org).delete()

    svc.start_worker()
    before = svc.sink_counts()["messages"]
    start = time.monotonic()
    ids = services.scan(kinds=["reminders"], organization_id=org.pk)[0].delivery_ids
    setup = time.monotonic() - start
    total = setup + wait_sent(ids, args.timeout)
    time.sleep(1)
    sink = svc.sink_counts()
    sink = {"messages": sink["messages"] - before, "distinct": sink["distinct"]}
    line("reminders, rendered + SMTP", len(ids), setup, total, sink, 120)
    print(f"  render+send / claim-only time ratio: {total / claim_only:.1f}x", flush=True)


def digests_bench(svc: Services, args) -> None:
    if svc.worker is None or svc.worker.poll() is not None:
        svc.start_worker()
    dorg = Organization.objects.create(name="Bench digests", slug="bench-digests")
    ReminderPolicy.objects.create(organization=dorg, digest_weekday=0, digest_time=clock(0, 0))
    managers = people(dorg, args.managers, "m", role="manager")
    reports = people(dorg, args.personal, "p")
    per = max(1, len(reports) // max(1, len(managers)))
    for i, report in enumerate(reports):
        report.line_manager = managers[min(i // per, len(managers) - 1)]
    Membership.objects.bulk_update(reports, ["line_manager"], batch_size=2000)
    goals = Goal.objects.bulk_create(
        [Goal(organization=dorg, owner_member=r, title=f"Goal of {r.pk}", status=GoalStatus.ACTIVE,
              start_date=date.today() - timedelta(days=60), due_date=date.today() + timedelta(days=30),
              progress=0.4) for r in reports],
        batch_size=2000,
    )  # fmt: skip
    last_week = date.today() - timedelta(days=date.today().weekday() + 7)
    subs = CheckinSubmission.objects.bulk_create(
        [
            CheckinSubmission(organization=dorg, author=r, idempotency_key=uuid.uuid4(), period_start=last_week)
            for r in reports
        ],
        batch_size=2000,
    )
    CheckIn.objects.bulk_create(
        [CheckIn(organization=dorg, submission=s, goal=g, author=g.owner_member, period_start=last_week, progress=0.4)
         for s, g in zip(subs, goals, strict=True)],
        batch_size=2000,
    )  # fmt: skip

    due = services.digests_due(organization_id=dorg.pk)
    for kind, label, target in (
        (DeliveryKind.MANAGER_DIGEST, "manager digests", 30),
        (DeliveryKind.PERSONAL_DIGEST, "personal digests", 120),
    ):
        mine = [d for d in due if d.kind == kind]
        before = svc.sink_counts()["messages"]
        ids, setup = fan_out(mine)
        total = setup + wait_sent(ids, args.timeout)
        time.sleep(1)
        counts = svc.sink_counts()
        line(
            label,
            len(ids),
            setup,
            total,
            {"messages": counts["messages"] - before, "distinct": counts["distinct"]},
            target,
        )


if __name__ == "__main__":
    main()
