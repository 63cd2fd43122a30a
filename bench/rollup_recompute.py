"""Benchmark the set-based roll-up recompute on 50,000 goals (PostgreSQL).

    .venv/bin/python bench/rollup_recompute.py            # builds the data once, then times
    .venv/bin/python bench/rollup_recompute.py --rebuild  # throw the benchmark organization away first

Uses its own database (``goalsite_bench_a`` on the local server unless
DATABASE_URL says otherwise; created and migrated when missing). The
organization "bench-rollup" gets a random four-level alignment graph —
company objectives → department objectives → team objectives → personal
goals, about one goal in ten with a second parent — with key results in every
direction, zero weights, milestone plans, dropped / achieved / draft goals and
key result → key result contributions, all inserted with bulk_create.

It prints the recompute time twice: "cold" (every stored number scrambled
first, so every row is rewritten) and "warm" (nothing to change), then checks
the SQL result against the pure-Python reference computation.

Last run (2026-12-04, DATABASE_URL=postgres://postgres@127.0.0.1:5432/goalsite_bench_a): 50,000 goals,
100,331 key results in 4 levels (built in 18.8 s); cold 1.998 s, warm 0.617 s, after a roll-up mode change
0.619 s; the pure-Python reference agrees to 2.22e-16. On the scale data (150,000 key results, every row
stale): 2.77 s (2026-11-22).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goalsite.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/goalsite_bench_a")
os.environ["DATABASE_CONN_MAX_AGE"] = "0"

SLUG = "bench-rollup"
LEVELS = (50, 500, 5_000)  # company, department, team objectives; the rest are personal goals


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The benchmark measures the PostgreSQL recompute: point DATABASE_URL at PostgreSQL.")
    admin = psycopg.connect(
        dbname="postgres",
        user=cfg["USER"] or None,
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        password=cfg["PASSWORD"] or None,
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
            print(f"created database {cfg['NAME']}")


def build(total: int, seed: int = 2026) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import Membership, Organization, Team, TeamKind, TeamMembership, User
    from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        org = Organization.objects.create(name="Bench Rollup", slug=SLUG)
        GoalSettings.objects.create(organization=org, rollup_mode="both")
        today = timezone.localdate()
        cycle = Cycle.objects.create(
            organization=org,
            name="Bench quarter",
            starts_on=today - timedelta(days=45),
            ends_on=today + timedelta(days=45),
        )
        company = Team.objects.create(organization=org, name="Bench Co", kind=TeamKind.COMPANY)
        departments = Team.objects.bulk_create(
            Team(organization=org, name=f"Department {i}", kind=TeamKind.DEPARTMENT, parent=company) for i in range(10)
        )
        teams = Team.objects.bulk_create(
            Team(organization=org, name=f"Team {i}", kind=TeamKind.TEAM, parent=departments[i % 10]) for i in range(100)
        )
        users = User.objects.bulk_create(
            User(email=f"bench{i}@bench-rollup.example", full_name=f"Bench Person {i:04d}", password="!")
            for i in range(2_000)
        )
        people = Membership.objects.bulk_create(Membership(organization=org, user=u) for u in users)
        TeamMembership.objects.bulk_create(
            TeamMembership(organization=org, team=teams[i % 100], membership=m) for i, m in enumerate(people)
        )

        counts = [LEVELS[0], LEVELS[1], LEVELS[2], total - sum(LEVELS)]
        statuses = ["active"] * 85 + ["dropped"] * 5 + ["achieved"] * 5 + ["draft"] * 5
        rows, level_of = [], []
        for level, count in enumerate(counts):
            for i in range(count):
                owner = {}
                if level == 0:
                    owner = {"owner_team": company}
                elif level == 1:
                    owner = {"owner_team": departments[i % 10]}
                elif level == 2:
                    owner = {"owner_team": teams[i % 100]}
                else:
                    owner = {"owner_member": people[rng.randrange(len(people))]}
                rows.append(
                    Goal(
                        organization=org,
                        cycle=cycle,
                        title=f"Bench goal L{level} #{i}",
                        framework="plan" if rng.random() < 0.1 else "okr",
                        status=rng.choice(statuses),
                        start_date=cycle.starts_on,
                        due_date=cycle.ends_on,
                        **owner,
                    )
                )
                level_of.append(level)
        goals = Goal.objects.bulk_create(rows, batch_size=5_000)
        by_level = [[g for g, lv in zip(goals, level_of, strict=True) if lv == level] for level in range(4)]

        links = []
        weights = [Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("1"), Decimal("2")]
        for level in range(1, 4):
            for goal in by_level[level]:
                parents = {rng.randrange(len(by_level[level - 1]))}
                if rng.random() < 0.1:
                    parents.add(rng.randrange(len(by_level[level - 1])))
                for p in parents:
                    links.append(
                        GoalAlignment(
                            organization=org, child=goal, parent=by_level[level - 1][p], weight=rng.choice(weights)
                        )
                    )
        GoalAlignment.objects.bulk_create(links, batch_size=10_000)

        krs, milestones, kr_goal_level = [], [], []
        for goal, level in zip(goals, level_of, strict=True):
            if goal.framework == "plan" and rng.random() < 0.7:
                for s in range(3):
                    done = rng.random() < 0.4
                    milestones.append(
                        Milestone(
                            organization=org,
                            goal=goal,
                            title=f"Step {s}",
                            position=s,
                            completed_at=timezone.now() if done else None,
                        )
                    )
                continue
            for k in range(rng.choice([0, 1, 2, 3, 3, 4])):
                direction = rng.choice(["increase", "increase", "decrease", "at_least", "at_most"])
                start = Decimal(rng.randrange(-50, 50))
                distance = Decimal(rng.randrange(1, 500))
                target = start - distance if direction == "decrease" else start + distance
                current = start + (target - start) * Decimal(rng.randrange(-20, 130)) / 100
                kr = KeyResult(
                    organization=org,
                    goal=goal,
                    title=f"KR {k}",
                    start_value=start,
                    target_value=target,
                    current_value=current.quantize(Decimal("0.0001")),
                    direction=direction,
                    weight=rng.choice([Decimal("0"), Decimal("1"), Decimal("1"), Decimal("2.5")]),
                    position=k,
                )
                kr.progress = kr.compute_progress()
                krs.append(kr)
                kr_goal_level.append(level)
        krs = KeyResult.objects.bulk_create(krs, batch_size=10_000)
        Milestone.objects.bulk_create(milestones, batch_size=10_000)

        # Key result → key result: some personal key results count toward a key result one level up.
        upper = [kr for kr, level in zip(krs, kr_goal_level, strict=True) if level == 2]
        lower = [kr for kr, level in zip(krs, kr_goal_level, strict=True) if level == 3]
        contributors = rng.sample(lower, k=min(len(lower), total // 10))
        for kr in contributors:
            kr.contributes_to = rng.choice(upper)
        KeyResult.objects.bulk_update(contributors, ["contributes_to"], batch_size=10_000)
    print(
        f"built {len(goals):,} goals, {len(links):,} links, {len(krs):,} key results "
        f"({len(contributors):,} contributing), {len(milestones):,} steps in {time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goals", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true", help="delete the benchmark organization and build it again")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.accounts.models import Organization
    from apps.alignment import rollup
    from apps.goals.models import Goal, KeyResult

    call_command("migrate", verbosity=0)
    org = Organization.objects.filter(slug=SLUG).first()
    if org is not None and (args.rebuild or Goal.objects.filter(organization=org).count() != args.goals):
        print("deleting the previous benchmark organization…")
        with connection.cursor() as cur:
            for table in ("goals_goalalignment", "goals_keyresult", "goals_milestone", "goals_goal"):
                cur.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org.pk])
        org.delete()
        from apps.accounts.models import User

        User.objects.filter(email__endswith="@bench-rollup.example").delete()
        org = None
    if org is None:
        build(args.goals)
        org = Organization.objects.get(slug=SLUG)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE goals_goal")
        cur.execute("VACUUM ANALYZE goals_keyresult")
        cur.execute("VACUUM ANALYZE goals_goalalignment")
        cur.execute("VACUUM ANALYZE goals_milestone")

    goals_n = Goal.objects.filter(organization=org).count()
    Goal.objects.filter(organization=org).update(progress=0)
    KeyResult.objects.filter(organization=org).update(progress=0)
    cold = rollup.rollup_recompute_all(org)
    warm = rollup.rollup_recompute_all(org)
    print(f"organization {org.slug}: {goals_n:,} goals, {cold.key_results:,} key results, {cold.levels} levels")
    print(
        f"cold recompute (every row rewritten): {cold.seconds:.3f} s "
        f"({cold.goals_changed:,} goals, {cold.key_results_changed:,} key results written)"
    )
    print(f"warm recompute (nothing to change):   {warm.seconds:.3f} s")
    from apps.goals.models import GoalSettings

    GoalSettings.objects.filter(organization=org).update(rollup_mode="children")
    switched = rollup.rollup_recompute_all(org)
    GoalSettings.objects.filter(organization=org).update(rollup_mode="both")
    back = rollup.rollup_recompute_all(org)
    print(
        f"after a roll-up mode change:          {switched.seconds:.3f} s ({switched.goals_changed:,} goals written), "
        f"and back: {back.seconds:.3f} s ({back.goals_changed:,} written)"
    )

    started = time.perf_counter()
    goal_ref, kr_ref = rollup.compute_rollup(rollup.load_snapshot(org.pk))
    python_seconds = time.perf_counter() - started
    stored_goals = dict(Goal.objects.filter(organization=org).values_list("id", "progress"))
    stored_krs = dict(KeyResult.objects.filter(organization=org).values_list("id", "progress"))
    worst = max(
        max(abs(stored_goals[i] - v) for i, v in goal_ref.items()),
        max(abs(stored_krs[i] - v) for i, v in kr_ref.items()),
    )
    print(f"pure-Python reference: {python_seconds:.2f} s; largest difference from SQL: {worst:.2e}")
    if worst > 1e-9:
        raise SystemExit("SQL and reference disagree")


if __name__ == "__main__":
    main()
