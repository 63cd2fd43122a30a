"""Benchmark the dashboards (and the alignment pages, when installed) against the scale data.

    .venv/bin/python bench/dashboards.py [--duration 20s] [--skip-seed]

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
5. Times each page serially (one request at a time) and the SQL that page runs,
   replayed straight on the database (captured from one request, run again and
   timed), and prints page ÷ SQL.

It prints figures; it is not a test and asserts nothing except that pages answer.
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
}
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50=%.3f p95=%.3f p99=%.3f requests=%d duration_us=%d errors=%d non2xx=%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
"""
# (label, who, path, p95 target in ms or None)
TARGETS = {"team": 100, "tree": 250, "department node": 250, "org": 150}


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
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
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


def fetch(path: str, session: str | None) -> tuple[int, float]:
    request = urllib.request.Request(BASE + path, headers={"Cookie": f"sessionid={session}"} if session else {})
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - started) * 1000


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(path: str, session: str | None, duration: str, lua: Path) -> dict:
    cmd = ["wrk", "-c", "8", "-t", "2", "-d", duration, "--latency", "-s", str(lua)]
    if session:
        cmd += ["-H", f"Cookie: sessionid={session}"]
    cmd.append(BASE + path)
    print("$", " ".join(cmd).replace(session or "\0", "<session>"), flush=True)
    out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout
    match = re.search(
        r"BENCH p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) requests=(\d+) duration_us=(\d+) errors=(\d+) non2xx=(\d+)",
        out,
    )
    if not match:
        raise SystemExit(out)
    p50, p95, p99, requests, duration_us, errors, non2xx = match.groups()
    return {
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rps": int(requests) / (int(duration_us) / 1e6),
        "requests": int(requests),
        "errors": int(errors) + int(non2xx),
    }


def serial(path: str, session: str | None, n: int = 25) -> float:
    times = []
    for _ in range(n):
        status, ms = fetch(path, session)
        assert status == 200, (path, status)
        times.append(ms)
    return statistics.median(times)


def sql_of_page(path: str, membership, n: int = 5) -> tuple[list[str], float]:
    """The SQL one request for ``path`` runs (session, user and membership lookups included), and the
    median time of the whole request in this process with the large-scope cache off (``uncached``)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    times = []
    budget = time.monotonic() + 15
    with override_settings(DASHBOARDS_CACHE_SECONDS=0):
        for _ in range(n):
            if len(times) >= 2 and time.monotonic() > budget:
                break
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path, HTTP_HOST=HOST)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()
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
    pages = [
        ("bare", None, "/bench/bare"),
        ("team", "manager", "/dashboard/"),
        ("department", "head", "/dashboard/"),
        ("org", "admin", "/dashboard/?team=org"),
    ]
    try:
        pages.append(("tree", "admin", reverse("alignment:tree")))
        pages.append(("department node", "admin", reverse("alignment:team_node", args=[who["department"].public_id])))
    except NoReverseMatch:
        print("(the alignment app is not installed: no tree figures)")

    print(
        f"\nscale data: {ORG_NAME}; team manager {who['manager'].user.email} of {who['leaf'].name}; "
        f"department head {who['head'].user.email} of {who['department'].name}; admin {who['admin'].user.email}"
    )
    server = subprocess.Popen(
        [str(GUNICORN), "goalsite.wsgi", "--workers", "3", "--bind", f"{HOST}:{PORT}", "--no-control-socket",
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        env=ENV, cwd=ROOT,
    )  # fmt: skip
    lua = Path(tempfile.mkdtemp()) / "percentiles.lua"
    lua.write_text(LUA)
    results = {}
    try:
        wait_until_up()
        for _label, key, path in pages:
            session = sessions.get(key) if key else None
            for _ in range(3):  # warm every worker's connection and caches
                status, _ms = fetch(path, session)
                if status != 200:
                    raise SystemExit(f"{path} as {key}: HTTP {status}")
        for label, key, path in pages:
            session = sessions.get(key) if key else None
            figures = wrk(path, session, args.duration, lua)
            figures["serial"] = serial(path, session)
            if key:
                statements, figures["uncached"] = sql_of_page(path, who[key])
                figures["queries"] = len(statements)
                figures["sql"] = raw_sql_ms(statements)
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

    bare = results["bare"]
    print(f"\n{'page':<16}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>8}{'errors':>7}"
          f"{'p50/bare':>10}{'p95/bare':>10}{'rps/bare':>10}{'serial':>8}{'uncached':>9}{'SQL':>8}{'q':>4}{'page/SQL':>10}  target")  # fmt: skip
    for label, r in results.items():
        ratio = f"{r['uncached'] / r['sql']:.1f}x" if r.get("sql") else "—"
        target = TARGETS.get(label)
        verdict = ""
        if target:
            ok_latency = r["p95"] <= target
            ok_rate = r["rps"] >= 50 if label == "team" else True
            ok_sql = (r["uncached"] / r["sql"] <= 4) if r.get("sql") else True
            verdict = (
                f"p95 ≤ {target} ms: {'met' if ok_latency else 'MISSED'}"
                + (f"; ≥ 50 req/s: {'met' if ok_rate else 'MISSED'}" if label == "team" else "")
                + f"; 0 errors: {'met' if r['errors'] == 0 else 'MISSED'}"
                + f"; page ≤ 4× SQL: {'met' if ok_sql else 'MISSED'}"
            )
        print(
            f"{label:<16}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}{r['rps']:>8.1f}{r['errors']:>7}"
            f"{r['p50'] / bare['p50']:>9.1f}x{r['p95'] / bare['p95']:>9.1f}x{r['rps'] / bare['rps']:>9.3f}x"
            f"{r['serial']:>8.1f}{r.get('uncached', 0):>9.1f}{r.get('sql', 0):>8.1f}{r.get('queries', 0):>4}{ratio:>10}  {verdict}"
        )
    print("\nms; p50/p95/p99 and req/s from wrk -c 8 -t 2 -d", args.duration, "(8 connections on a 2-core machine);")
    print("serial = median of 25 requests one at a time through gunicorn (department and org: the 60 s per-viewer")
    print("cache after each worker's first request); uncached = median of 5 requests in this process with that")
    print("cache off; SQL = median time to replay the uncached request's queries on one cursor (session, user,")
    print("membership lookups included); page/SQL = uncached ÷ SQL. uptime at the end:", os.getloadavg())


if __name__ == "__main__":
    main()
