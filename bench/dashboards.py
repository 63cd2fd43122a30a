"""Benchmark the dashboards (and the alignment pages, when installed) against the scale data.

    .venv/bin/python bench/dashboards.py [--duration 20s] [--skip-seed] [--timeout 60] [--only team,org]
                                         [--writes 2]

What it does, in order:

1. Seeds the dedicated database ``goalsite_bench`` with ``seed_scale`` (5,000
   people, 500 teams, 50,000 goals, 150,000 key results, 500,000 check-ins);
   a no-op when it is already seeded.
2. Collects static files into a private folder and starts gunicorn on
   127.0.0.1:8123 (3 workers, DEBUG=0, GOALSITE_BENCH=1 which routes the bare
   baseline view ``/bench/bare``).
3. Creates session rows for a team manager, a department head and the admin
   (no password round-trips), checks every URL answers 200.
4. Runs ``wrk -c 8 -t 2 -d 20s --latency`` on each URL and prints p50/p95/p99,
   requests per second and errors; every figure also as a ratio to the bare view.
   Dashboards and the tree run twice: "warm" (the rendered page comes from the Redis
   cache, as every request after the first does until a write) and "cold" (the
   bench-only header ``X-Bench-Cache: off`` makes every request compute the page).
   With ``--writes R`` (default 2; 0 skips them) the cached pages run a third time,
   "busy": while wrk runs, a writer thread in this process submits R real check-ins
   a second (``checkins.services.checkin_submit``: a key result moves, the goal and
   everything it is aligned to are recomputed, the caches are invalidated) on goals
   of random people across the whole organization — a Monday morning. A team's page
   is computed again only when something in its subtree was written.
   A last row, "team (busy in team)", lands every check-in on the measured team's own
   people: each one makes that page out of date (the worst case for the kept page).
5. Times each page serially (one request at a time) and the SQL that page runs,
   replayed straight on the database (captured from one request, run again and
   timed), and prints page ÷ SQL.

It prints figures and never stops at a failing page: a page that errors or times
out (``--timeout`` per request, also wrk's ``--timeout``) is reported as FAILED
with the reason, and the others are still measured.

Last run (2026-12-04, ``--skip-seed --only "team,department,org,tree,department node,tree as manager"
--writes 2``; bare view 3,100 req/s, p95 4.5 ms; this machine's speed drifts during a session, so read
every figure against the bare row): p95 in ms, warm / cold / busy (2 check-ins a second): team 21 / 199 /
26 (465 / 49 / 413 req/s), department 22 / 506 / 28, org 25 / 1,477 / 32, tree 23 / 57 / 53, department
node 47 (cold only), tree computed as a team manager 83; team while every check-in lands in the team
itself: p95 31 ms at 380 req/s; 0 errors; serial cold: team 41, department 102, org 272, tree 13, node
11; page / SQL: team 3.6x, department 1.8x, org 1.2x, tree 3.6x, node 3.2x, tree as manager 3.8x;
queries: 12 dashboards, 7 tree, 8 node.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST, PORT = "127.0.0.1", 8123
BASE = f"http://{HOST}:{PORT}"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/goalsite_bench")
ORG_NAME = "Scale Co"
STATIC_ROOT = Path(tempfile.gettempdir()) / "goalsite-bench-static"
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": "goalsite-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "ALLOWED_HOSTS": HOST,
    "GOALSITE_BENCH": "1",
    "STATIC_ROOT": str(STATIC_ROOT),
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "goalsite.settings",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),  # the cache, shared by the workers
}
COLD = {"X-Bench-Cache": "off"}  # honoured only with GOALSITE_BENCH=1: compute the dashboard, skip the cache
FETCH_TIMEOUT = 60.0  # seconds; --timeout
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50=%.3f p95=%.3f p99=%.3f requests=%d duration_us=%d errors=%d non2xx=%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
"""
# (label, who, path, p95 target in ms or None)
TARGETS = {
    "team": 100, "team (cold)": 100, "tree": 250, "tree (cold)": 250, "department node": 250,
    "org": 150, "org (cold)": 150, "team (busy)": 100, "org (busy)": 150, "tree (busy)": 250,
    "team (busy in team)": 100, "tree as manager (cold)": 250,
}  # fmt: skip


def run(cmd: list[str], **kwargs) -> str:
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, text=True, capture_output=True, env=ENV, cwd=ROOT, **kwargs).stdout


def setup_django():
    os.environ.update({k: v for k, v in ENV.items() if k != "PATH"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def people_and_places():
    """Who signs in, and which team ids the URLs use."""
    from apps.accounts.models import Membership, Organization, Team, TeamMembership

    org = Organization.objects.get(name=ORG_NAME)
    teams = Team.objects.filter(organization=org)
    leaf = teams.filter(kind="team").order_by("name").first()
    department = teams.filter(kind="department", parent__parent__isnull=True).order_by("name").first()
    manager_of = {
        tm.team_id: tm.membership
        for tm in TeamMembership.objects.filter(team__in=[leaf, department], role="manager").select_related(
            "membership__user"
        )
    }
    admin = Membership.objects.filter(organization=org, role="admin").select_related("user").first()
    return {
        "org": org,
        "leaf": leaf,
        "department": department,
        "manager": manager_of[leaf.pk],
        "head": manager_of[department.pk],
        "admin": admin,
    }


def session_for(membership) -> str:
    """A session row signing ``membership`` in, exactly as django.contrib.auth.login would."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(membership.user.pk)
    store[BACKEND_SESSION_KEY] = "apps.accounts.backends.ModelBackend"
    store[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
    store.save()
    return store.session_key


def wait_until_up(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/bench/bare", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def fetch(path: str, session: str | None, headers: dict | None = None) -> tuple[int, float]:
    """(HTTP status, ms); status 0 when the request failed (timeout, refused, reset)."""
    request = urllib.request.Request(
        BASE + path, headers={**({"Cookie": f"sessionid={session}"} if session else {}), **(headers or {})}
    )
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, TimeoutError) as error:  # URLError, socket timeout, connection reset
        print(f"  ! {path}: {error!r} after {(time.perf_counter() - started):.1f} s", flush=True)
        status = 0
    return status, (time.perf_counter() - started) * 1000


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Failed(Exception):
    pass


def wrk(path: str, session: str | None, duration: str, lua: Path, headers: dict | None = None) -> dict:
    cmd = ["wrk", "-c", "8", "-t", "2", "-d", duration, "--timeout", f"{FETCH_TIMEOUT:g}s", "--latency", "-s", str(lua)]
    if session:
        cmd += ["-H", f"Cookie: sessionid={session}"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(BASE + path)
    print("$", " ".join(cmd).replace(session or "\0", "<session>"), flush=True)
    done = subprocess.run(cmd, check=False, text=True, capture_output=True)
    match = re.search(
        r"BENCH p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) requests=(\d+) duration_us=(\d+) errors=(\d+) non2xx=(\d+)",
        done.stdout,
    )
    if not match:
        raise Failed(f"wrk exited {done.returncode}: {(done.stdout + done.stderr).strip()[-300:]}")
    p50, p95, p99, requests, duration_us, errors, non2xx = match.groups()
    return {
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rps": int(requests) / (int(duration_us) / 1e6),
        "requests": int(requests),
        "errors": int(errors) + int(non2xx),
    }


def serial(path: str, session: str | None, n: int = 25, headers: dict | None = None) -> tuple[float, int]:
    """(median ms of the requests answered 200, how many were not)."""
    times, failures = [], 0
    for _ in range(n):
        status, ms = fetch(path, session, headers)
        if status == 200:
            times.append(ms)
        else:
            failures += 1
    return (statistics.median(times) if times else float("nan")), failures


def sql_of_page(path: str, membership, n: int = 5) -> tuple[list[str], float]:
    """The SQL one request for ``path`` runs (session, user and membership lookups included), and the
    median time of the whole request in this process with the large-scope cache off (``uncached``)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    client.force_login(membership.user, backend="apps.accounts.backends.ModelBackend")
    times = []
    budget = time.monotonic() + 15
    with override_settings(DASHBOARDS_CACHE_SECONDS=0, ALIGNMENT_CACHE_SECONDS=0):
        for _ in range(n):
            if len(times) >= 2 and time.monotonic() > budget:
                break
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path, HTTP_HOST=HOST)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise Failed(f"in-process request answered {response.status_code}")
    return [q["sql"] for q in ctx.captured_queries], statistics.median(times)


def raw_sql_ms(statements: list[str], n: int = 25) -> float:
    """Median time to run the statements back to back and fetch every row, on a plain cursor."""
    from django.db import connection

    times = []
    budget = time.monotonic() + 10  # heavy pages: at least 3 runs, at most ~10 s
    with connection.cursor() as cursor:
        for _ in range(n):
            if len(times) >= 3 and time.monotonic() > budget:
                break
            started = time.perf_counter()
            for statement in statements:
                declared = re.match(r"DECLARE\s.*?\sCURSOR\s.*?FOR\s(.*)", statement, re.S)
                if declared:  # a server-side cursor (QuerySet.iterator()): run its query plainly
                    statement = declared.group(1)
                elif statement.startswith(("FETCH ", "CLOSE ")):
                    continue
                cursor.execute(statement)
                if cursor.description is not None:
                    cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Writer(threading.Thread):
    """Real check-ins at ``rate`` a second on random people's active goals (of ``team``'s members
    only, when given), until stopped."""

    def __init__(self, org, rate: float, team=None) -> None:
        super().__init__(daemon=True)
        self.org, self.rate, self.team = org, rate, team
        self.stop = threading.Event()
        self.done, self.failed, self.times = 0, 0, []

    def run(self) -> None:
        import random
        import uuid

        from django.db import close_old_connections

        from apps.checkins.services import CheckinInput, KRValueInput, checkin_submit
        from apps.goals.models import Goal

        rng = random.Random(7)
        goals = Goal.objects.filter(organization=self.org, status="active", owner_member__isnull=False)
        if self.team is not None:
            goals = goals.filter(owner_member__team_memberships__team=self.team)
        goal_ids = list(goals.order_by("id").values_list("id", flat=True))
        started = time.monotonic()
        n = 0
        try:
            while not self.stop.is_set():
                wait = started + n / self.rate - time.monotonic()
                if wait > 0 and self.stop.wait(wait):
                    break
                n += 1
                goal = Goal.objects.select_related("owner_member__user", "owner_member__organization").get(
                    pk=rng.choice(goal_ids)
                )
                krs = list(goal.key_results.all()[:1])
                entry = CheckinInput(goal=goal, confidence=rng.randint(3, 9), wins="Moved it along")
                for kr in krs:
                    value = kr.current_value + (1 if kr.current_value < kr.target_value else -1)
                    entry.kr_values.append(
                        KRValueInput(key_result=kr, value=str(value), loaded_value=str(kr.current_value))
                    )
                t = time.perf_counter()
                try:
                    checkin_submit(actor=goal.owner_member, idempotency_key=uuid.uuid4(), entries=[entry])
                    self.done += 1
                    self.times.append((time.perf_counter() - t) * 1000)
                except Exception as error:
                    self.failed += 1
                    if self.failed <= 3:
                        print(f"  ! writer: {type(error).__name__}: {error}", flush=True)
        finally:
            close_old_connections()


def main() -> None:
    global FETCH_TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--timeout", type=float, default=FETCH_TIMEOUT, help="seconds per request (and wrk's)")
    parser.add_argument("--only", default="", help="comma-separated page labels (e.g. team,tree); bare always runs")
    parser.add_argument("--writes", type=float, default=2.0, help="check-ins a second during the busy rows (0: none)")
    args = parser.parse_args()
    FETCH_TIMEOUT = args.timeout
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed")

    run([str(PYTHON), "manage.py", "migrate", "-v0"])
    if not args.skip_seed:
        print(run([str(PYTHON), "manage.py", "seed_scale", "--org-name", ORG_NAME]).strip())
    run([str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v0"])
    setup_django()
    from django.urls import NoReverseMatch, reverse

    who = people_and_places()
    sessions = {key: session_for(who[key]) for key in ("manager", "head", "admin")}
    # (label, who, path, extra headers); "(cold)": the dashboard computed on every request
    pages = [
        ("bare", None, "/bench/bare", None),
        ("team", "manager", "/dashboard/", None),
        ("team (cold)", "manager", "/dashboard/", COLD),
        ("department", "head", "/dashboard/", None),
        ("department (cold)", "head", "/dashboard/", COLD),
        ("org", "admin", "/dashboard/?team=org", None),
        ("org (cold)", "admin", "/dashboard/?team=org", COLD),
    ]
    try:
        pages.append(("tree", "admin", reverse("alignment:tree"), None))
        pages.append(("tree (cold)", "admin", reverse("alignment:tree"), COLD))
        node = reverse("alignment:team_node", args=[who["department"].public_id])
        pages.append(("department node", "admin", node, None))
        # A manager sees only some goals: every contributor's visibility is tested for them (not for admins).
        pages.append(("tree as manager (cold)", "manager", reverse("alignment:tree"), COLD))
    except NoReverseMatch:
        print("(the alignment app is not installed: no tree figures)")
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")} | {"bare"}
        pages = [p for p in pages if p[0] in wanted or p[0].removesuffix(" (cold)") in wanted]
    if args.writes > 0:  # the cached dashboards again, while the organization writes
        pages += [
            (f"{label} (busy)", key, path, None)
            for label, key, path, headers in list(pages)
            if headers is None and key and label in ("team", "department", "org", "tree")
        ]
        if any(p[0] == "team" for p in pages):  # the worst case for a kept page: every write is in its team
            pages.append(("team (busy in team)", "manager", "/dashboard/", None))

    print(
        f"\nscale data: {ORG_NAME}; team manager {who['manager'].user.email} of {who['leaf'].name}; "
        f"department head {who['head'].user.email} of {who['department'].name}; admin {who['admin'].user.email}"
    )
    server = subprocess.Popen(
        [str(GUNICORN), "goalsite.wsgi", "--workers", "3", "--bind", f"{HOST}:{PORT}", "--no-control-socket",
         "--timeout", str(int(max(30, FETCH_TIMEOUT * 2))),
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        env=ENV, cwd=ROOT,
    )  # fmt: skip
    lua = Path(tempfile.mkdtemp()) / "percentiles.lua"
    lua.write_text(LUA)
    labels = {p[0] for p in pages}
    results: dict[str, dict] = {}
    failures: dict[str, str] = {}
    try:
        wait_until_up()
        for label, key, path, headers in pages:
            session = sessions.get(key) if key else None
            for _ in range(3):  # warm every worker's connection and caches
                status, ms = fetch(path, session, headers)
                if status != 200:
                    failures[label] = f"warm-up: HTTP {status or 'failure'} after {ms:.0f} ms"
                    break
        for label, key, path, headers in pages:
            if label in failures:
                continue
            session = sessions.get(key) if key else None
            writer = None
            if "(busy" in label:
                writer = Writer(who["org"], args.writes, team=who["leaf"] if label.endswith("in team)") else None)
                writer.start()
            try:
                try:
                    figures = wrk(path, session, args.duration, lua, headers)
                finally:
                    if writer is not None:
                        writer.stop.set()
                        writer.join(timeout=60)
                if writer is not None:
                    figures["writes"] = writer.done
                    figures["write_failures"] = writer.failed
                    figures["write_ms_p50"] = statistics.median(writer.times) if writer.times else float("nan")
                figures["serial"], figures["serial_failures"] = serial(path, session, headers=headers)
                if (
                    key and "(busy" not in label and (headers or f"{label} (cold)" not in labels)
                ):  # once per page: the cold row
                    statements, figures["uncached"] = sql_of_page(path, who[key])
                    figures["queries"] = len(statements)
                    figures["sql"] = raw_sql_ms(statements)
            except Exception as error:  # report and go on with the next page
                failures[label] = f"{type(error).__name__}: {error}"
                continue
            results[label] = figures
            print(
                "BENCHROW",
                label,
                {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()},
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    bare = results.get("bare") or {"p50": float("nan"), "p95": float("nan"), "rps": float("nan")}
    print(f"\n{'page':<23}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>8}{'errors':>7}"
          f"{'p50/bare':>10}{'p95/bare':>10}{'rps/bare':>10}{'serial':>8}{'uncached':>9}{'SQL':>8}{'q':>4}{'page/SQL':>10}  target")  # fmt: skip
    for label, r in results.items():
        ratio = f"{r['uncached'] / r['sql']:.1f}x" if r.get("sql") else "—"
        target = TARGETS.get(label)
        verdict = ""
        errors = r["errors"] + r["serial_failures"]
        if target:
            ok_latency = r["p95"] <= target
            is_team = label.startswith("team")
            ok_rate = r["rps"] >= 50 if is_team else True
            ok_sql = (r["uncached"] / r["sql"] <= 4) if r.get("sql") else True
            verdict = (
                f"p95 ≤ {target} ms: {'met' if ok_latency else 'MISSED'}"
                + (f"; ≥ 50 req/s: {'met' if ok_rate else 'MISSED'}" if is_team else "")
                + f"; 0 errors: {'met' if errors == 0 else 'MISSED'}"
                + (f"; page ≤ 4× SQL: {'met' if ok_sql else 'MISSED'}" if r.get("sql") else "")
            )
        print(
            f"{label:<23}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}{r['rps']:>8.1f}{errors:>7}"
            f"{r['p50'] / bare['p50']:>9.1f}x{r['p95'] / bare['p95']:>9.1f}x{r['rps'] / bare['rps']:>9.3f}x"
            f"{r['serial']:>8.1f}{r.get('uncached', 0):>9.1f}{r.get('sql', 0):>8.1f}{r.get('queries', 0):>4}{ratio:>10}  {verdict}"
        )
    busy = {label: r for label, r in results.items() if "writes" in r}
    for label, r in busy.items():
        print(
            f"{label:<23}writes during the run: {r['writes']} check-ins ({r['writes'] / float(args.duration.rstrip('s')):.2f}/s),"
            f" {r['write_failures']} refused, median {r['write_ms_p50']:.0f} ms each"
        )
    for label, reason in failures.items():
        print(f"{label:<23}FAILED: {reason}")
    print("\nms; p50/p95/p99 and req/s from wrk -c 8 -t 2 -d", args.duration, "(8 connections on a 2-core machine);")
    print(
        "warm rows: the rendered dashboard / tree from the Redis cache (every request after the first, until a write);"
    )
    print("(cold) rows: header X-Bench-Cache: off, so every request computes the page (no cache read or write);")
    print(f"(busy) rows: the cached page while {args.writes:g} real check-ins a second land on random people's goals;")
    print("(busy in team): the same, every check-in on a goal of the measured team's own people (each one makes")
    print("the team's kept page out of date: the worst case for the cache);")
    print("errors = wrk socket errors + non-2xx + failed serial requests; serial = median of 25 requests one at a")
    print("time through gunicorn; uncached = median of up to 5 requests in this process with the cache off; SQL =")
    print("median time to replay that request's queries on one cursor (session, user, membership lookups included);")
    print("page/SQL = uncached ÷ SQL. uptime at the end:", os.getloadavg())


if __name__ == "__main__":
    main()
