"""A large organization for benchmarks: thousands of people, hundreds of teams, a cycle of check-ins.

    manage.py seed_scale --people 5000 --teams 500 --levels 4 --goals 50000 \\
        --krs 150000 --checkins 500000 --org-name "Scale Co" [--reset]

PostgreSQL only: rows go in with COPY (psycopg 3 ``cursor.copy``) under ids
reserved from each table's sequence in one step, so a run takes a minute or two
for the default sizes. Idempotent per organization name: a second run with the
same name does nothing (``--reset`` deletes that organization first and seeds it
again). Every user shares one password hash (``--password``, hashed once).

The shape, for the default sizes: a company > ~10 departments > ~50 groups >
~440 teams; one manager per team (a team's manager reports to the manager of the
team above), everyone else a member of a leaf team with its manager as line
manager (8–12 reports each). Each team has objectives, each person goals,
aligned upward (person → their team → the team above → … → the company);
key results sit around the expected pace with enough spread that every status
shows up; weekly check-ins walk each goal's progress up to today's value. Stored
progress (key results, then goals level by level, bottom-up) is set with
set-based SQL once everything is in, exactly as the roll-up rules say: the
weighted mean of a goal's key results and the goals aligned to it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import CharField, TextField
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import Membership, Organization, Role, Team, TeamKind, TeamMembership, TeamRole, User
from apps.checkins.models import Blocker, Celebration, CelebrationKind, CheckIn, CheckinSubmission
from apps.goals.models import Goal, GoalAlignment, GoalSettings, GoalStatus, KeyResult
from apps.goals.services import cycle_ensure_quarters

FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dan",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lea",
    "Max",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Wes",
    "Xia",
    "Yara",
    "Zed",
    "Alba",
    "Bruno",
    "Chloe",
    "Dario",
    "Elif",
    "Femi",
    "Greta",
    "Hana",
    "Ivo",
    "Jade",
    "Kofi",
    "Lina",
    "Malik",
    "Noor",
    "Otto",
    "Priya",
    "Rui",
    "Sven",
]
LAST = [
    "Abbott",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhou",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Ferreira",
    "Gupta",
    "Horvat",
]
OBJECTIVES = [
    "Grow enterprise pipeline",
    "Cut churn in half",
    "Ship the new onboarding",
    "Make the platform boringly reliable",
    "Raise customer satisfaction",
    "Hire and grow a great team",
    "Double self-serve revenue",
    "Halve time to first value",
    "Improve forecast accuracy",
    "Launch in two new markets",
]
KR_TITLES = [
    ("Qualified leads", "", 0, 200),
    ("Net new ARR", "EUR", 0, 500000),
    ("Churned accounts", "", 40, 10),
    ("NPS", "", 20, 50),
    ("p95 latency", "ms", 900, 300),
    ("Activation rate", "%", 20, 45),
    ("Hires made", "", 0, 6),
    ("Features shipped", "", 0, 8),
    ("Support tickets resolved in a day", "%", 50, 85),
    ("Courses completed", "", 0, 4),
]
WINS = ["Closed two deals", "Shipped the first slice", "Good customer call", "Cleared the backlog", ""]
BLOCKERS = [
    "Waiting on access to the reporting data.",
    "The vendor has not confirmed the contract terms.",
    "Two people out sick this week.",
    "Need a decision on scope.",
]


def level_sizes(teams: int, levels: int) -> list[int]:
    """How many teams each level has: 1 company, then ~2 %, ~10 % … of the teams, the rest at the bottom."""
    if levels < 1 or teams < levels:
        raise CommandError("--teams must be at least --levels (one team per level).")
    shares = [0.02, 0.1, 0.3, 0.5]
    sizes = [1]
    for index in range(1, levels - 1):
        share = shares[index - 1] if index - 1 < len(shares) else shares[-1]
        sizes.append(max(1, round(teams * share)))
    if levels > 1:
        sizes.append(teams - sum(sizes))
    if sizes[-1] < 1:
        raise CommandError("Too few teams for that many levels.")
    return sizes


class Copier:
    """COPY rows into a model's table under ids reserved from its sequence."""

    def __init__(self, cursor, now: datetime):
        self.cursor = cursor
        self.now = now

    def reserve(self, model, count: int) -> int:
        """The first of ``count`` consecutive ids nobody else will get."""
        if count <= 0:
            return 0
        table = model._meta.db_table
        self.cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = self.cursor.fetchone()
        self.cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = self.cursor.fetchone()
        self.cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first

    def columns(self, model, given: list[str]) -> tuple[list[str], list]:
        """Every concrete column: the given ones first, then constant defaults for the rest."""
        rest, fillers = [], []
        for f in model._meta.concrete_fields:
            if f.attname in given or f.primary_key:
                continue  # an id not given comes from the table's own sequence
            if f.attname == "public_id":
                rest.append(f.attname)
                fillers.append(uuid.uuid4)
            elif f.has_default():
                rest.append(f.attname)
                default = f.get_default()
                fillers.append(lambda d=default: d)
            elif f.null:
                continue
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                rest.append(f.attname)
                fillers.append(lambda: self.now)
            elif isinstance(f, (CharField, TextField)):
                rest.append(f.attname)
                fillers.append(lambda: "")
            else:
                raise CommandError(f"{model.__name__}.{f.attname} needs a value")
        return given + rest, fillers

    def copy(self, model, given: list[str], rows) -> int:
        cols, fillers = self.columns(model, given)
        sql = f"COPY {model._meta.db_table} ({', '.join(cols)}) FROM STDIN"
        count = 0
        with self.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *(fill() for fill in fillers)))
                count += 1
        return count


class Command(BaseCommand):
    help = "Seed a large organization (PostgreSQL) for benchmarks; idempotent per --org-name, or --reset."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000)
        parser.add_argument("--teams", type=int, default=500)
        parser.add_argument("--levels", type=int, default=4)
        parser.add_argument("--goals", type=int, default=50000)
        parser.add_argument("--krs", type=int, default=150000)
        parser.add_argument("--checkins", type=int, default=500000)
        parser.add_argument("--org-name", default="Scale Co")
        parser.add_argument("--password", default="goalsite-scale-2026")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="Delete the organization first, then seed again.")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads rows with COPY).")
        people, teams = o["people"], o["teams"]
        if people < teams:
            raise CommandError("--people must be at least --teams (every team has a manager).")
        if o["goals"] < teams:
            raise CommandError("--goals must be at least --teams (every team has an objective).")
        slug = slugify(o["org_name"])[:60] or "scale"
        existing = Organization.objects.filter(slug=slug).first()
        if existing and not o["reset"]:
            self.stdout.write(f"{o['org_name']} ({slug}) is already seeded; nothing to do (--reset to seed again).")
            return
        started = time.monotonic()
        with transaction.atomic():
            if existing:
                self._delete(existing)
                self.stdout.write(f"deleted {slug} in {time.monotonic() - started:.1f}s")
            summary = self._seed(o, slug)
        with connection.cursor() as cursor:
            for model in (User, Membership, Team, TeamMembership, Goal, KeyResult, GoalAlignment, CheckIn):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        summary["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(", ".join(f"{k} {v}" for k, v in summary.items()))

    # --- reset ---------------------------------------------------------------------------

    def _delete(self, org: Organization) -> None:
        """Delete everything of one organization with plain DELETEs (foreign keys are checked at commit)."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            user_ids = list(Membership.objects.filter(organization=org).values_list("user_id", flat=True))
            tenant_models = [
                m
                for m in apps.get_models()
                if any(f.name == "organization" and f.related_model is Organization for f in m._meta.concrete_fields)
            ]
            for model in tenant_models:
                table = model._meta.db_table
                for m2m in model._meta.local_many_to_many:
                    through = m2m.remote_field.through._meta
                    column = m2m.m2m_column_name()
                    cursor.execute(
                        f"DELETE FROM {through.db_table} WHERE {column} IN "  # noqa: S608 - names from models
                        f"(SELECT id FROM {table} WHERE organization_id = %s)",
                        [org.pk],
                    )
            for model in tenant_models:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE organization_id = %s", [org.pk])  # noqa: S608
            for model in apps.get_models():
                if model is Organization:
                    continue
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.related_model is Organization and f.name != "organization":
                        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {f.column} = %s", [org.pk])  # noqa: S608
            if user_ids:
                for model in apps.get_models():
                    for f in model._meta.concrete_fields:
                        if f.is_relation and f.related_model is User and model is not Membership:
                            cursor.execute(
                                f"DELETE FROM {model._meta.db_table} WHERE {f.column} = ANY(%s)",  # noqa: S608
                                [user_ids],
                            )
                cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE id = ANY(%s)", [user_ids])  # noqa: S608
            cursor.execute(f"DELETE FROM {Organization._meta.db_table} WHERE id = %s", [org.pk])  # noqa: S608

    # --- seed ------------------------------------------------------------------------------

    def _seed(self, o: dict, slug: str) -> dict:
        rng = random.Random(o["seed"])
        now = timezone.now()
        today = timezone.localdate()
        org = Organization.objects.create(name=o["org_name"], slug=slug)
        GoalSettings.objects.get_or_create(organization=org)
        cycle = cycle_ensure_quarters(organization=org, today=today)[0]
        password = make_password(o["password"])  # once, for everyone
        tick = time.monotonic()

        def log(step: str) -> None:
            nonlocal tick
            self.stdout.write(f"  {step} ({time.monotonic() - tick:.1f}s)")
            tick = time.monotonic()

        with connection.cursor() as dj_cursor:
            cursor = dj_cursor.cursor  # the psycopg cursor (COPY)
            c = Copier(cursor, now)

            # Teams, level by level; each parent gets its children round robin.
            sizes = level_sizes(o["teams"], o["levels"])
            team_first = c.reserve(Team, sum(sizes))
            team_rows, levels_ids = [], []
            next_id = team_first
            kinds = [TeamKind.COMPANY] + [TeamKind.DEPARTMENT] * (len(sizes) - 2) + [TeamKind.TEAM]
            if len(sizes) == 1:
                kinds = [TeamKind.COMPANY]
            names = {0: o["org_name"]}
            parent_of: dict[int, int | None] = {}
            for depth, size in enumerate(sizes):
                ids = list(range(next_id, next_id + size))
                next_id += size
                above = levels_ids[-1] if levels_ids else []
                label = {0: "", 1: "Department", len(sizes) - 1: "Team"}.get(depth, "Group")
                for index, team_id in enumerate(ids):
                    parent = above[index % len(above)] if above else None
                    parent_of[team_id] = parent
                    name = names[0] if depth == 0 else f"{label} {depth}.{index + 1:03d}"
                    team_rows.append((team_id, org.pk, name, kinds[depth], parent, now))
                levels_ids.append(ids)
            c.copy(Team, ["id", "organization_id", "name", "kind", "parent_id", "created_at"], team_rows)
            leaves = levels_ids[-1]
            log(f"{len(team_rows)} teams in levels of {sizes}")

            # People: one manager per team (reporting to the manager above), members in the leaf teams.
            n_people = o["people"]
            user_first = c.reserve(User, n_people)
            member_first = c.reserve(Membership, n_people)
            all_teams = [t for ids in levels_ids for t in ids]
            manager_of: dict[int, int] = {}  # team id -> membership id
            home_team: dict[int, int] = {}  # membership id -> team id
            users, memberships, team_memberships = [], [], []
            for index in range(n_people):
                uid, mid = user_first + index, member_first + index
                name = f"{FIRST[index % len(FIRST)]} {LAST[(index // len(FIRST)) % len(LAST)]} {index + 1}"
                users.append((uid, f"p{index + 1}@{slug}.example", name, password, "UTC", now))
                if index < len(all_teams):
                    team = all_teams[index]
                    manager_of[team] = mid
                    home_team[mid] = team
                else:
                    home_team[mid] = leaves[(index - len(all_teams)) % len(leaves)]
            for index in range(n_people):
                mid = member_first + index
                team = home_team[mid]
                if index < len(all_teams):
                    parent = parent_of[team]
                    line = manager_of[parent] if parent else None
                    role = Role.ADMIN if parent is None else Role.MANAGER
                    title = "Chief executive" if parent is None else "Team lead"
                    tm_role = TeamRole.MANAGER
                else:
                    line = manager_of[team]
                    role, title, tm_role = Role.MEMBER, "Specialist", TeamRole.MEMBER
                memberships.append((mid, org.pk, user_first + index, role, title, line, True, now))
                team_memberships.append((org.pk, team, mid, tm_role, now))
            c.copy(User, ["id", "email", "full_name", "password", "time_zone", "date_joined"], users)
            c.copy(
                Membership,
                ["id", "organization_id", "user_id", "role", "title", "line_manager_id", "is_active", "created_at"],
                memberships,
            )
            c.copy(
                TeamMembership, ["organization_id", "team_id", "membership_id", "role", "created_at"], team_memberships
            )
            log(f"{n_people} people")

            # Goals: objectives for every team (two where the budget allows), the rest per person.
            expected = max(0.05, (today - cycle.starts_on).days / max(1, (cycle.ends_on - cycle.starts_on).days))
            team_goal_count = min(o["goals"] - 0, max(len(all_teams), min(2 * len(all_teams), o["goals"] // 20)))
            person_goal_count = o["goals"] - team_goal_count
            goal_first = c.reserve(Goal, o["goals"])
            goals = []  # (id, owner_team, owner_member, title, status, visibility, target progress)
            team_goals: dict[int, list[int]] = defaultdict(list)
            depth_of_team = {t: d for d, ids in enumerate(levels_ids) for t in ids}
            goal_level: dict[int, int] = {}
            gid = goal_first
            for index in range(team_goal_count):
                team = all_teams[index % len(all_teams)]
                team_goals[team].append(gid)
                goals.append((gid, team, None, OBJECTIVES[index % len(OBJECTIVES)]))
                goal_level[gid] = depth_of_team[team]
                gid += 1
            member_ids = list(range(member_first, member_first + n_people))
            for index in range(person_goal_count):
                member = member_ids[index % n_people]
                goals.append((gid, None, member, f"{OBJECTIVES[(index * 7) % len(OBJECTIVES)]}: my part"))
                goal_level[gid] = len(sizes)
                gid += 1
            goal_rows, target_of, status_of, parent_goal = [], {}, {}, {}
            for goal_id, owner_team, owner_member, title in goals:
                roll = rng.random()
                status = (
                    GoalStatus.ACHIEVED
                    if roll < 0.04
                    else GoalStatus.MISSED
                    if roll < 0.05
                    else GoalStatus.DROPPED
                    if roll < 0.06
                    else GoalStatus.DRAFT
                    if roll < 0.08
                    else GoalStatus.ACTIVE
                )
                if owner_team is not None:
                    status = GoalStatus.ACTIVE  # objectives stay open
                visibility = "org" if rng.random() < 0.85 else ("team" if rng.random() < 0.66 else "private")
                if owner_team is not None:
                    visibility = "org"
                # Where the goal stands today: around the expected pace, spread enough for every status.
                target = 1.0 if status == GoalStatus.ACHIEVED else max(0.0, min(1.0, rng.gauss(expected, 0.22)))
                if rng.random() < 0.03 and status == GoalStatus.ACTIVE:
                    target = 0.0
                target_of[goal_id], status_of[goal_id] = target, status
                # Aligned upward: a person's goal to their team's objective, a team's to the team above.
                if owner_member is not None:
                    candidates = team_goals.get(home_team[owner_member]) or []
                else:
                    up = parent_of[owner_team]
                    candidates = team_goals.get(up) or [] if up else []
                if candidates:
                    parent_goal[goal_id] = candidates[goal_id % len(candidates)]
                goal_rows.append(
                    (
                        goal_id,
                        org.pk,
                        cycle.pk,
                        owner_member,
                        owner_team,
                        title,
                        "okr",
                        cycle.starts_on,
                        cycle.ends_on,
                        visibility,
                        status,
                        now if status in (GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.DROPPED) else None,
                        now,
                        now,
                    )
                )
            c.copy(
                Goal,
                [
                    "id",
                    "organization_id",
                    "cycle_id",
                    "owner_member_id",
                    "owner_team_id",
                    "title",
                    "framework",
                    "start_date",
                    "due_date",
                    "visibility",
                    "status",
                    "closed_at",
                    "created_at",
                    "updated_at",
                ],
                goal_rows,
            )
            c.copy(
                GoalAlignment,
                ["organization_id", "child_id", "parent_id", "created_at"],
                ((org.pk, child, parent, now) for child, parent in parent_goal.items()),
            )
            log(f"{len(goal_rows)} goals ({team_goal_count} team objectives), {len(parent_goal)} alignments")

            # Key results: spread over the goals; current values put each goal near its target progress.
            kr_first = c.reserve(KeyResult, o["krs"])
            goal_ids = [g[0] for g in goals]
            kr_rows, kr_hits = [], []
            for index in range(o["krs"]):
                goal_id = goal_ids[index % len(goal_ids)]
                title, unit, start, target = KR_TITLES[(index * 3 + goal_id) % len(KR_TITLES)]
                share = max(0.0, min(1.0, target_of[goal_id] + rng.uniform(-0.12, 0.12)))
                if target_of[goal_id] >= 1.0:
                    share = 1.0
                current = Decimal(str(round(start + (target - start) * share, 2)))
                direction = "increase" if target > start else "decrease"
                kr_id = kr_first + index
                kr_rows.append(
                    (
                        kr_id,
                        org.pk,
                        goal_id,
                        title,
                        unit,
                        Decimal(start),
                        Decimal(target),
                        current,
                        direction,
                        index // len(goal_ids),
                        now,
                        now,
                    )
                )
                if share >= 1.0:
                    kr_hits.append((kr_id, goal_id, title))
            c.copy(
                KeyResult,
                [
                    "id",
                    "organization_id",
                    "goal_id",
                    "title",
                    "unit",
                    "start_value",
                    "target_value",
                    "current_value",
                    "direction",
                    "position",
                    "created_at",
                    "updated_at",
                ],
                kr_rows,
            )
            log(f"{len(kr_rows)} key results")

            # Weekly check-ins from the cycle's first week to this one, walking each goal up to today's value.
            weeks = []
            monday = cycle.starts_on - timedelta(days=cycle.starts_on.weekday())
            this_monday = today - timedelta(days=today.weekday())
            while monday <= this_monday:
                weeks.append(monday)
                monday += timedelta(days=7)
            person_goals = [
                (g[0], g[2])
                for g in goals
                if g[2] is not None and status_of[g[0]] in (GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.MISSED)
            ]
            slots = [(goal_id, author, w) for w, _ in enumerate(weeks) for goal_id, author in person_goals]
            wanted = o["checkins"]
            if wanted <= len(slots):
                chosen = rng.sample(range(len(slots)), wanted) if wanted < len(slots) else range(len(slots))
                picked = sorted(chosen, key=lambda i: (slots[i][2], slots[i][1]))
                plan = [slots[i] for i in picked]
            else:  # more check-ins than goal-weeks: some goals get a second one that week
                plan = (
                    list(slots) + [slots[rng.randrange(len(slots))] for _ in range(wanted - len(slots))]
                    if slots
                    else []
                )
                plan.sort(key=lambda s: (s[2], s[1]))
            submissions: dict[tuple[int, int], int] = {}
            for _, author, w in plan:
                submissions.setdefault((author, w), 0)
            sub_first = c.reserve(CheckinSubmission, len(submissions))
            for offset, key in enumerate(submissions):
                submissions[key] = sub_first + offset
            c.copy(
                CheckinSubmission,
                ["id", "organization_id", "author_id", "idempotency_key", "period_start", "created_at"],
                (
                    (sid, org.pk, author, uuid.uuid4(), weeks[w], self._when(weeks[w], today, 0))
                    for (author, w), sid in submissions.items()
                ),
            )
            checkin_first = c.reserve(CheckIn, len(plan))
            blockers, last_week = [], len(weeks) - 1

            def checkin_rows():
                for offset, (goal_id, author, w) in enumerate(plan):
                    cid = checkin_first + offset
                    walk = (w + 1) / len(weeks)
                    progress = max(0.0, min(1.0, target_of[goal_id] * walk + rng.uniform(-0.03, 0.03)))
                    gap = (expected * walk - progress) * 100
                    confidence = max(1, min(10, round(7 - gap / 8 + rng.uniform(-1.5, 1.5))))
                    blocker = rng.choice(BLOCKERS) if rng.random() < 0.02 else ""
                    if blocker and w >= last_week - 2:
                        blockers.append((org.pk, goal_id, cid, author, blocker, self._when(weeks[w], today, 1)))
                    yield (
                        cid,
                        org.pk,
                        submissions[(author, w)],
                        goal_id,
                        author,
                        weeks[w],
                        confidence,
                        "on_track" if gap <= 10 else "at_risk" if gap <= 25 else "off_track",
                        progress,
                        rng.choice(WINS),
                        blocker,
                        self._when(weeks[w], today, 1 + offset % 4),
                    )

            c.copy(
                CheckIn,
                [
                    "id",
                    "organization_id",
                    "submission_id",
                    "goal_id",
                    "author_id",
                    "period_start",
                    "confidence",
                    "status",
                    "progress",
                    "wins",
                    "blockers",
                    "created_at",
                ],
                checkin_rows(),
            )
            c.copy(
                Blocker,
                ["organization_id", "goal_id", "checkin_id", "author_id", "text", "created_at"],
                blockers,
            )
            owner_of = {g[0]: g[2] for g in goals}
            celebrations = [
                (
                    org.pk,
                    goal_id,
                    owner_of[goal_id],
                    CelebrationKind.KR_TARGET,
                    f"{title}: target reached",
                    kr_id,
                    self._when(weeks[rng.randrange(len(weeks))], today, 2),
                )
                for kr_id, goal_id, title in kr_hits
                if owner_of.get(goal_id) is not None
            ]
            c.copy(
                Celebration,
                ["organization_id", "goal_id", "member_id", "kind", "subject", "key_result_id", "created_at"],
                celebrations,
            )
            log(f"{len(plan)} check-ins, {len(submissions)} submissions, {len(blockers)} blockers")

            self._set_progress(cursor, org.pk, goal_level)
            log("stored progress set")
        return {
            "organization": slug,
            "teams": len(team_rows),
            "people": n_people,
            "goals": len(goal_rows),
            "key_results": len(kr_rows),
            "check_ins": len(plan),
        }

    @staticmethod
    def _when(monday: date, today: date, day: int) -> datetime:
        """A moment in the week of ``monday`` (never in the future)."""
        moment = datetime.combine(
            min(monday + timedelta(days=day), today), dtime(10, 0), tzinfo=timezone.get_current_timezone()
        )
        return min(moment, timezone.now())

    def _set_progress(self, cursor, org_id: int, goal_level: dict[int, int]) -> None:
        """Key results from their values, then goals bottom-up: set-based, one UPDATE per level."""
        kr, goal, link = KeyResult._meta.db_table, Goal._meta.db_table, GoalAlignment._meta.db_table
        cursor.execute(
            f"""
            UPDATE {kr} SET progress = CASE
                WHEN metric_type IN ('boolean', 'milestone') THEN CASE WHEN current_value >= 1 THEN 1.0 ELSE 0.0 END
                WHEN direction = 'at_least' THEN CASE WHEN current_value >= target_value THEN 1.0 ELSE 0.0 END
                WHEN direction = 'at_most' THEN CASE WHEN current_value <= target_value THEN 1.0 ELSE 0.0 END
                WHEN target_value = start_value THEN CASE WHEN current_value = target_value THEN 1.0 ELSE 0.0 END
                ELSE LEAST(1.0, GREATEST(0.0,
                    CAST((current_value - start_value) / (target_value - start_value) AS double precision)))
            END
            WHERE organization_id = %s
            """,  # noqa: S608 - table names from the models
            [org_id],
        )
        cursor.execute(
            f"UPDATE {goal} SET progress = CASE WHEN status = 'achieved' THEN 1.0 ELSE 0.0 END "  # noqa: S608
            "WHERE organization_id = %s",
            [org_id],
        )
        cursor.execute("DROP TABLE IF EXISTS seed_level")
        cursor.execute("CREATE TEMP TABLE seed_level (goal_id bigint PRIMARY KEY, level int) ON COMMIT DROP")
        with cursor.copy("COPY seed_level (goal_id, level) FROM STDIN") as copy:
            for goal_id, level in goal_level.items():
                copy.write_row((goal_id, level))
        for level in sorted(set(goal_level.values()), reverse=True):
            cursor.execute(
                f"""
                UPDATE {goal} g SET progress = parts.value
                FROM (
                    SELECT x.goal_id,
                        LEAST(1.0, GREATEST(0.0, CASE WHEN SUM(CASE WHEN x.w > 0 THEN x.w ELSE 0 END) > 0
                            THEN SUM(CASE WHEN x.w > 0 THEN x.p * x.w ELSE 0 END)
                                 / SUM(CASE WHEN x.w > 0 THEN x.w ELSE 0 END)
                            ELSE AVG(x.p) END)) AS value
                    FROM (
                        SELECT k.goal_id, k.progress AS p, CAST(k.weight AS double precision) AS w
                        FROM {kr} k JOIN seed_level l ON l.goal_id = k.goal_id AND l.level = %s
                        UNION ALL
                        SELECT a.parent_id, c.progress, CAST(a.weight AS double precision)
                        FROM {link} a
                        JOIN seed_level l ON l.goal_id = a.parent_id AND l.level = %s
                        JOIN {goal} c ON c.id = a.child_id AND c.status <> 'dropped'
                    ) x GROUP BY x.goal_id
                ) parts
                WHERE g.id = parts.goal_id
                """,  # noqa: S608 - table names from the models
                [level, level],
            )
