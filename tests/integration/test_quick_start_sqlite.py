"""The README's quick start runs on SQLite (``make run``: embedded defaults, no services).

The rest of the suite runs on PostgreSQL, so hand-written SQL that only PostgreSQL
understands would pass it and still break ``make run``. This seeds the demo into a
fresh SQLite file in subprocesses, exactly as ``scripts/run.sh`` does, and opens the
dashboards and the alignment pages (and every alignment link the tree shows) as the
demo's manager and admin.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = r"""
import re
from django.test import Client
from apps.accounts.models import User

def client_for(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client

failures = []

def fetch(client, url, **headers):
    response = client.get(url, **headers)
    if response.status_code != 200:
        failures.append(f"{url}: {response.status_code}")
    return response.content.decode()

ana = client_for("ana@brightwave.example")
fetch(ana, "/dashboard/")
tree = fetch(ana, "/alignment/")
links = sorted(set(re.findall(r'(?:href|hx-get)="(/alignment/[^"]*)"', tree)))
for link in links:
    fetch(ana, link.replace("&amp;", "&"), HTTP_HX_REQUEST="true" if "via=" in link else "")
fetch(ana, "/alignment/gaps/")
maya = client_for("maya@brightwave.example")
fetch(maya, "/dashboard/?team=org")
fetch(maya, "/dashboard/?team=org", HTTP_X_BENCH_CACHE="off")
print(f"checked {len(links)} tree links")
if failures:
    raise SystemExit("failed: " + "; ".join(failures))
"""


def test_the_demo_on_sqlite_serves_the_dashboards_and_the_alignment_tree(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'goalsite.sqlite3'}",
        "DEBUG": "1",
        "CACHE_URL": "locmem://",
        "DJANGO_SETTINGS_MODULE": "goalsite.settings",
    }
    env.pop("REDIS_URL", None)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        return done.stdout

    manage("migrate", "--noinput")
    manage("seed_demo")
    out = manage("shell", "-c", CHECK)
    checked = int(re.search(r"checked (\d+) tree links", out).group(1))
    assert checked >= 5  # the open company node, its people and goals, their paths
