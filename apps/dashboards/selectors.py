"""Reads for the team alignment dashboard: a fixed number of queries whatever the team's size.

What counts where (the privacy rule)
------------------------------------
* **Aggregates of a team** — overall progress, the status distribution, the
  at-risk and off-track counts, the pacing line, the sub-team rows and the
  heatmap — count **every** goal in scope, private ones included. A team's
  62 % is the same 62 % for everyone who sees it (the alignment app's roll-up
  rule: nobody can make a number look better by hiding a goal).
* **Lists** — objectives, the at-risk list, blockers, celebrations — show only
  goals the viewer may see (``Goal.objects.visible_to``). When an aggregate
  counts goals the viewer cannot see, the page says how many ("and 1 more you
  cannot see"), never which.
* **Per-person numbers** (active goals, average progress, confidence trend)
  count only goals the viewer may see: a number about one person's goals
  would reveal a private goal's progress.

The scope
---------
A dashboard is about one team *and its sub-teams*: the goals owned by those
teams, and the goals of the people in them (active people; a person in two
teams counts in both). Goals of the current cycle that are active, achieved
or missed count; drafts and dropped goals do not. Admins may also open the
whole organization (``?team=org``): every team, side by side.

The queries
-----------
One query each for: the viewer's reach (their teams, managed teams, team-mates
and reports), the people in scope and whether they checked in, the aggregates
(status counts per sub-team and the weekly pacing points: one raw SQL
statement), the at-risk goals furthest behind (bare ids and their count), the
objectives together with those goals, the people rows, their confidence trend,
the open blockers and this week's celebrations: nine, however many people, teams
or goals there are. The organization's teams, cycles and goal settings are read
once per process and structure version (``dataversion.per_structure``).
The pacing points come from
``dashboards_goalweek`` (each goal's best check-in per week, kept by triggers;
see ``weeks.py``) on PostgreSQL, and the weeks already over are kept between
requests (``history.py``). The view keeps the rendered page per viewer until a
write in the team's subtree (``cache.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Membership, Team, TeamMembership, TeamRole
from apps.checkins.models import Blocker, Celebration, CelebrationKind, CheckIn
from apps.core import dataversion
from apps.goals import progress as arithmetic
from apps.goals.evidence import RolledHealth, evidence_from_totals, rolled_health
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, GoalStatus, Visibility
from apps.goals.selectors import LABELS, SYMBOLS, GoalHealth, cycle_setup, goal_health

from . import history, sql, weeks
from .models import GoalWeek

ORG = "org"
COUNTED_STATUSES = (GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.MISSED)
# The status columns of the distribution and the heatmap, worst first after the open ones.
STATUS_ORDER = ("on_track", "at_risk", "off_track", "not_started", "achieved", "missed")
NEEDS_ATTENTION = ("at_risk", "off_track")
LIST_LIMIT = 8
TREND_WEEKS = 8
ROLL_CALL_LIMIT = 30
HASH_JOIN_OWNERS = 2000  # teams + people in scope above which the aggregates avoid nested loops


# --- teams and scope -------------------------------------------------------------------


@dataclass
class TeamNode:
    id: int
    public_id: uuid.UUID
    name: str
    kind: str
    parent_id: int | None
    depth: int = 0
    children: list[TeamNode] = field(default_factory=list)

    @property
    def choice_label(self) -> str:
        return "\u2003" * self.depth + self.name


@dataclass
class Scope:
    """What a dashboard is about: one team (and its sub-teams) or the whole organization."""

    label: str
    team: TeamNode | None  # None: the whole organization with several top-level teams
    is_org: bool
    team_ids: list[int]  # the team and every team below it
    objective_team_ids: list[int]  # whose goals are the "objectives"
    rows: list[TeamNode]  # the sub-teams shown side by side (children of the team)
    breadcrumbs: list[TeamNode]  # from the highest team the actor may open down to the parent
    param: str  # the ?team= value that opens this scope


def _team_tree(organization_id: int) -> tuple[dict[int, TeamNode], list[TeamNode]]:
    """Every team of the organization as a tree, and the roots: read once per process and structure
    version (``dataversion.per_structure``; any write of a team renews it), then shared read-only."""

    def load() -> tuple[dict[int, TeamNode], list[TeamNode]]:
        rows = (
            Team.objects.for_org(organization_id)
            .values_list("id", "public_id", "name", "kind", "parent_id")
            .order_by("name")
        )
        nodes = {row[0]: TeamNode(*row) for row in rows}
        roots = []
        for node in nodes.values():
            parent = nodes.get(node.parent_id) if node.parent_id else None
            (parent.children if parent else roots).append(node)

        def walk(node: TeamNode, depth: int, seen: set[int]) -> None:
            node.depth = depth
            seen.add(node.id)
            for child in node.children:
                if child.id not in seen:
                    walk(child, depth + 1, seen)

        seen: set[int] = set()
        for root in roots:
            walk(root, 0, seen)
        return nodes, roots

    return dataversion.per_structure(organization_id, "dashboard-team-tree", load)


def _subtree(node: TeamNode) -> list[int]:
    ids, stack, seen = [], [node], set()
    while stack:
        current = stack.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        ids.append(current.id)
        stack.extend(current.children)
    return ids


def _flatten(roots: list[TeamNode]) -> list[TeamNode]:
    out: list[TeamNode] = []
    stack = list(reversed(roots))
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def _parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("Not found.") from None


@dataclass
class ScopeChoice:
    param: str
    label: str
    selected: bool


def _org_scope(nodes: dict[int, TeamNode], roots: list[TeamNode], organization_name: str) -> Scope:
    if len(roots) == 1:
        root = roots[0]
        return Scope(
            label=organization_name,
            team=root,
            is_org=True,
            team_ids=list(nodes),
            objective_team_ids=[root.id],
            rows=list(root.children),
            breadcrumbs=[],
            param=ORG,
        )
    return Scope(
        label=organization_name,
        team=None,
        is_org=True,
        team_ids=list(nodes),
        objective_team_ids=[r.id for r in roots],
        rows=list(roots),
        breadcrumbs=[],
        param=ORG,
    )


def resolve_scope(
    *,
    actor: Membership,
    team_param: str | None,
    nodes: dict[int, TeamNode],
    roots: list[TeamNode],
    managed_ids: frozenset[int],
) -> Scope | None:
    """The scope ``?team=`` asks for, if the actor may open it.

    Admins: any team of their organization, or ``org``; by default their
    highest managed team, else the organization. Everyone else: a team they
    manage or any team below one; by default their highest managed team; None
    when they manage no team. A team outside that reach is a 404, exactly like
    a team that does not exist (or belongs to another organization).
    """
    is_admin = actor.role == "admin" and actor.is_active
    managed = _managed(nodes, managed_ids)
    team_param = (team_param or "").strip()
    if team_param == ORG:
        if not is_admin:
            raise Http404("Not found.")
        return _org_scope(nodes, roots, actor.organization.name)
    if team_param:
        wanted = _parse_uuid(team_param)
        node = next((n for n in nodes.values() if n.public_id == wanted), None)
        if node is None:
            raise Http404("Not found.")
    elif managed:
        node = managed[0]
    elif is_admin:
        return _org_scope(nodes, roots, actor.organization.name)
    else:
        return None
    # Walk up: the chain of ancestors, and whether the actor manages one of them (or the team).
    chain, current, seen = [], node, set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = nodes.get(current.parent_id) if current.parent_id else None
    chain.reverse()  # top-level first, the team last
    if not is_admin:
        top = next((i for i, n in enumerate(chain) if n.id in managed_ids), None)
        if top is None:
            raise Http404("Not found.")
        chain = chain[top:]
    return Scope(
        label=node.name,
        team=node,
        is_org=False,
        team_ids=_subtree(node),
        objective_team_ids=[node.id],
        rows=list(node.children),
        breadcrumbs=chain[:-1],
        param=str(node.public_id),
    )


def _managed(nodes: dict[int, TeamNode], managed_ids: frozenset[int]) -> list[TeamNode]:
    """The teams the actor manages, highest first."""
    return sorted((nodes[i] for i in managed_ids if i in nodes), key=lambda n: (n.depth, n.name))


def scope_choices(
    *, actor: Membership, scope: Scope, nodes: dict[int, TeamNode], roots, managed_ids: frozenset[int]
) -> list[ScopeChoice]:
    """The picker: admins every team (indented) and the organization; others the teams they manage."""
    current = scope.param
    if actor.role == "admin":
        choices = [ScopeChoice(ORG, f"Whole organization ({actor.organization.name})", current == ORG)]
        choices += [ScopeChoice(str(n.public_id), n.choice_label, str(n.public_id) == current) for n in _flatten(roots)]
        return choices
    managed = _managed(nodes, managed_ids)
    choices = [ScopeChoice(str(n.public_id), n.name, str(n.public_id) == current) for n in managed]
    if scope.team is not None and not any(c.selected for c in choices):
        choices.append(ScopeChoice(current, scope.team.name, True))
    return choices


# --- cycles ------------------------------------------------------------------------------


def pick_cycle(cycles: list[Cycle], cycle_param: str | None, today: date) -> Cycle | None:
    """``?cycle=`` when it names one of the organization's cycles, else the current one (or the next)."""
    if cycle_param:
        wanted = _parse_uuid(cycle_param)
        for cycle in cycles:
            if cycle.public_id == wanted:
                return cycle
        raise Http404("Not found.")
    containing = [c for c in cycles if c.starts_on <= today <= c.ends_on]
    if containing:
        return max(containing, key=lambda c: c.starts_on)
    upcoming = [c for c in cycles if c.starts_on > today]
    if upcoming:
        return upcoming[0]
    return cycles[-1] if cycles else None


# --- the page's data ------------------------------------------------------------------------


@dataclass
class StatusCount:
    code: str
    label: str
    symbol: str
    count: int
    share: float  # of all counted goals, 0–1


@dataclass
class TeamRow:
    """A sub-team rolled up: its people, goals by status, average progress, check-ins."""

    team: TeamNode
    people: int = 0
    checked_in: int = 0
    goals: int = 0
    progress_sum: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def average(self) -> float | None:
        return self.progress_sum / self.goals if self.goals else None

    @property
    def cells(self) -> list[tuple[str, int, int]]:
        """(status, count, heat 0–4) for each heatmap column."""
        return [(code, self.counts.get(code, 0), _heat(self.counts.get(code, 0), self.goals)) for code in STATUS_ORDER]

    @property
    def attention(self) -> int:
        return sum(self.counts.get(code, 0) for code in NEEDS_ATTENTION)


def _heat(count: int, total: int) -> int:
    """0 (none) … 4 (half or more of the row): the heatmap's shade; the number is always printed too."""
    if not count or not total:
        return 0
    share = count / total
    return 1 if share < 0.15 else 2 if share < 0.3 else 3 if share < 0.5 else 4


@dataclass
class ObjectiveRow:
    goal: Goal
    health: RolledHealth  # its own pace, capped by what its contributors say
    aligned: int  # goals aligned to it (all of them: a number, never names)


@dataclass
class AttentionRow:
    goal: Goal
    health: GoalHealth
    behind: float | None  # points behind the expected pace, or None (owner's call without a pace)


@dataclass
class PersonRow:
    member: Membership
    is_manager: bool
    active_goals: int
    average: float | None
    last_checkin: datetime | None
    checked_in: bool
    trend: list[float] = field(default_factory=list)  # average confidence per week, oldest first
    name: str = ""  # for roll-call rows, whose member is not loaded

    @property
    def full_name(self) -> str:
        return self.name or self.member.user.full_name


@dataclass
class PacePoint:
    week: date
    day: date  # where the point sits: the end of the week (or today, this week)
    actual: float
    goals: int
    expected: float


@dataclass
class Dashboard:
    actor: Membership
    scope: Scope
    cycle: Cycle
    today: date
    week: date
    settings: GoalSettings
    expected: float
    overall: float | None
    overall_basis: str
    total_goals: int
    progress_sum: float
    distribution: list[StatusCount]
    objectives: list[ObjectiveRow]
    objectives_hidden: int
    attention: list[AttentionRow]
    attention_total: int  # every at-risk / off-track goal in scope, private included
    attention_visible: int
    people_total: int
    checked_in_total: int
    people: list[PersonRow]
    roll_call: list[PersonRow]  # check-ins this week across the scope: who has not first (capped)
    team_rows: list[TeamRow]
    direct_row: TeamRow | None
    blockers: list[Blocker]
    blockers_total: int
    celebrations: list[Celebration]
    celebrations_total: int
    milestones_reached: int
    targets_hit: int
    goals_achieved: int
    pacing: list[PacePoint]
    choices: list[ScopeChoice]
    cycles: list[Cycle]
    computed_at: datetime = field(default_factory=timezone.now)
    cache_seconds: int = 0  # > 0: the rendered page is kept (until a write) at most this long

    @property
    def count_of(self) -> dict[str, int]:
        return {s.code: s.count for s in self.distribution}

    @property
    def at_risk(self) -> int:
        return self.count_of.get("at_risk", 0)

    @property
    def off_track(self) -> int:
        return self.count_of.get("off_track", 0)

    @property
    def attention_hidden(self) -> int:
        return max(0, self.attention_total - self.attention_visible)

    @property
    def not_checked_in(self) -> list[PersonRow]:
        return [p for p in self.roll_call if not p.checked_in]

    @property
    def has_checked_in(self) -> list[PersonRow]:
        return [p for p in self.roll_call if p.checked_in]

    @property
    def not_checked_in_total(self) -> int:
        return self.people_total - self.checked_in_total

    @property
    def compliance(self) -> float | None:
        return self.checked_in_total / self.people_total if self.people_total else None

    @property
    def mean_now(self) -> float | None:
        """The average stored progress of every goal in scope (the pacing chart's "now" point)."""
        return self.progress_sum / self.total_goals if self.total_goals else None


@dataclass
class EmptyDashboard:
    """A member who manages no team (and is not an admin), or an organization with no cycle yet."""

    reason: str  # "no_team" or "no_cycle"
    scope: Scope | None = None
    choices: list[ScopeChoice] = field(default_factory=list)


def _week_start(actor: Membership, today: date) -> datetime:
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time.min, tzinfo=actor.user.tzinfo)


@dataclass(frozen=True)
class Reach:
    """The few ids that decide which goals a (non-admin) viewer may see, read once per page."""

    my_teams: tuple[int, ...] = ()
    managed_teams: tuple[int, ...] = ()
    teammates: tuple[int, ...] = ()
    reports: tuple[int, ...] = ()


def _reach(actor: Membership) -> Reach:
    """One query for the viewer's teams, managed teams, team-mates and direct reports.

    Admins see every goal whatever these say; their managed teams still choose their default scope.
    """
    tm, m = TeamMembership._meta.db_table, Membership._meta.db_table
    rows: dict[str, list[int]] = {"team": [], "managed": [], "mate": [], "report": []}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN role = %s THEN 'managed' ELSE 'team' END, team_id FROM {tm} WHERE membership_id = %s "  # noqa: S608
            f"UNION ALL SELECT 'mate', b.membership_id FROM {tm} a JOIN {tm} b ON b.team_id = a.team_id "
            f"WHERE a.membership_id = %s "
            f"UNION ALL SELECT 'report', id FROM {m} WHERE line_manager_id = %s",
            [TeamRole.MANAGER, actor.pk, actor.pk, actor.pk],
        )
        for kind, value in cursor.fetchall():
            rows[kind].append(value)
    return Reach(
        my_teams=tuple(rows["team"] + rows["managed"]),
        managed_teams=tuple(rows["managed"]),
        teammates=tuple(set(rows["mate"])),
        reports=tuple(rows["report"]),
    )


def _visible_q(actor: Membership, prefix: str = "", reach: Reach | None = None) -> Q:
    """``Goal.objects.visible_to(actor)`` as a condition on a goal (or on ``<prefix>`` a related goal).

    The same rules, written so the database checks them row by row on the goals a query
    already narrowed down, instead of first listing every goal the actor may see
    (tests/dashboards/test_privacy.py holds the two to the same answers). With ``reach``
    (``_reach``), the viewer's ids are plain lists: nothing to compile again in every query.
    """
    if actor.role == "admin":
        return Q()
    p = prefix
    if reach is None:
        my_team_ids = TeamMembership.objects.filter(membership_id=actor.pk).values("team_id")
        managed_team_ids = TeamMembership.objects.filter(membership_id=actor.pk, role=TeamRole.MANAGER).values(
            "team_id"
        )
        teammate_ids = TeamMembership.objects.filter(team_id__in=my_team_ids).values("membership_id")
        report_ids = Membership.objects.filter(line_manager_id=actor.pk).values("id")
    else:
        my_team_ids, managed_team_ids = list(reach.my_teams), list(reach.managed_teams)
        teammate_ids, report_ids = list(reach.teammates), list(reach.reports)
    return (
        Q(**{f"{p}visibility": Visibility.ORGANIZATION})
        | Q(**{f"{p}owner_member_id": actor.pk})
        | Q(**{f"{p}owner_member_id__in": report_ids})
        | Q(**{f"{p}visibility": Visibility.TEAM, f"{p}owner_team_id__in": my_team_ids})
        | Q(**{f"{p}visibility": Visibility.TEAM, f"{p}owner_member_id__in": teammate_ids})
        | Q(**{f"{p}visibility": Visibility.PRIVATE, f"{p}owner_team_id__in": managed_team_ids})
    )


def _groups(scope: Scope) -> dict[int, int]:
    """Team id → the row it rolls up into: the scope's team itself, or the child (sub-team) it sits under."""
    group_of: dict[int, int] = {}
    if scope.team is not None:
        group_of[scope.team.id] = scope.team.id
    for row in scope.rows:
        for team_id in _subtree(row):
            group_of[team_id] = row.id
    return group_of


def _values(pairs) -> str:
    """``(VALUES (1, 2), …)`` of integer pairs (ids from the database, never from a request)."""
    body = ", ".join(f"({int(a)}, {int(b)})" for a, b in pairs)
    return body or "(-1, -1)"


def _aggregates(
    *,
    actor: Membership,
    scope: Scope,
    cycle: Cycle,
    settings: GoalSettings,
    today: date,
    team_groups: dict[int, int],
    person_groups: set[tuple[int, int]],
    since: date | None = None,
):
    """Every goal in scope counted by sub-team and status, and the weekly pacing points: one statement.

    Private goals included (these are aggregates). Rows: ('g', group, status, goals, progress sum)
    per sub-team; ('t', –, status, goals, progress sum) over the scope, each goal once; ('o', …) the
    objectives; ('w', –, week, goals, progress sum) each week of the cycle (each goal's best check-in
    of the week), or only the weeks from ``since`` on; ('e', objective, status, contributors, link
    weight sum): the goals aligned to each objective by their own status (the status roll-up's
    evidence, ``goals.evidence``; dropped ones do not count, hidden ones do).
    """
    goal_t, checkin_t, link_t = Goal._meta.db_table, CheckIn._meta.db_table, GoalAlignment._meta.db_table
    health = sql.health_sql("g", today, at_risk_gap=settings.at_risk_gap, off_track_gap=settings.off_track_gap)
    child_health = sql.health_sql("ch", today, at_risk_gap=settings.at_risk_gap, off_track_gap=settings.off_track_gap)
    objectives = ", ".join(str(int(i)) for i in scope.objective_team_ids) or "-1"
    statuses = ", ".join(f"'{s}'" for s in COUNTED_STATUSES)
    first_week = max(cycle.starts_on, since) if since is not None else cycle.starts_on
    start_lit, end_lit = sql.date_literal(first_week), sql.date_literal(cycle.ends_on)
    week_text = "CAST(c.period_start AS text)" if connection.vendor == "postgresql" else "c.period_start"
    if weeks.enabled():  # each goal's best check-in per week, kept by triggers (dashboards.weeks)
        weekly_sql = f"""
        SELECT w.goal_id, w.week AS period_start, w.progress
        FROM {GoalWeek._meta.db_table} w
        WHERE w.week >= {start_lit} AND w.week <= {end_lit} AND w.goal_id IN (SELECT id FROM scoped)"""  # noqa: S608 - a table name and dates
    else:
        weekly_sql = f"""
        SELECT c.goal_id, c.period_start, MAX(c.progress) AS progress
        FROM distinct_goals d JOIN {checkin_t} c ON c.goal_id = d.id
        WHERE c.period_start >= {start_lit} AND c.period_start <= {end_lit}
        GROUP BY c.goal_id, c.period_start"""  # noqa: S608 - a table name and dates
    cycle_id = int(cycle.pk)
    query = f"""
    WITH tg(team_id, grp) AS (VALUES {_values(team_groups.items())}),
    pg(mid, grp) AS (VALUES {_values(person_groups)}),
    scoped AS (
        SELECT g.id, g.progress, {health} AS health, tg.grp,
            CASE WHEN g.owner_team_id IN ({objectives}) THEN 1 ELSE 0 END AS objective
        FROM {goal_t} g JOIN tg ON g.owner_team_id = tg.team_id
        WHERE g.cycle_id = {cycle_id} AND g.status IN ({statuses})
        UNION ALL
        SELECT g.id, g.progress, {health} AS health, pg.grp, 0 AS objective
        FROM {goal_t} g JOIN pg ON g.owner_member_id = pg.mid
        WHERE g.cycle_id = {cycle_id} AND g.status IN ({statuses})
    ),
    distinct_goals AS (
        SELECT DISTINCT id, progress, health, objective FROM scoped
    ),
    weekly AS ({weekly_sql})
    SELECT 'g', grp, health, COUNT(*), SUM(progress) FROM scoped GROUP BY grp, health
    UNION ALL
    SELECT 't', NULL, health, COUNT(*), SUM(progress) FROM distinct_goals GROUP BY health
    UNION ALL
    SELECT 'o', NULL, NULL, COUNT(*), SUM(progress) FROM distinct_goals WHERE objective = 1
    UNION ALL
    SELECT 'w', NULL, {week_text}, COUNT(*), SUM(c.progress) FROM weekly c GROUP BY c.period_start
    """  # noqa: S608 - table names, ids, ints and dates from the code; nothing from the request
    # The few objectives' contributors, found by index (never under the hash joins below).
    evidence_sql = f"""
    SELECT 'e', a.parent_id, {child_health}, COUNT(*), SUM(a.weight)
    FROM {link_t} a JOIN {goal_t} p ON p.id = a.parent_id JOIN {goal_t} ch ON ch.id = a.child_id
    WHERE p.owner_team_id IN ({objectives}) AND p.cycle_id = {cycle_id} AND p.status IN ({statuses})
        AND ch.status <> '{GoalStatus.DROPPED.value}'
    GROUP BY 2, 3
    """  # noqa: S608 - as above
    if weeks.enabled() and len(team_groups) + len(person_groups) > HASH_JOIN_OWNERS:
        # The planner cannot tell how many goals the VALUES lists select (it guesses a few
        # hundred) and walks the weekly rows goal by goal: 48,000 index probes for the whole
        # organization. Hash joins there: 410 -> 220 ms on the scale data. One message, no extra
        # round trip: several statements without parameters run as one (implicit) transaction,
        # so SET LOCAL holds for the query and ends with it (or is put back, inside a transaction).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SET LOCAL enable_nestloop = off; {query}; SET LOCAL enable_nestloop = DEFAULT; {evidence_sql}"
            )
            cursor.nextset()
            rows = cursor.fetchall()
            cursor.nextset()
            cursor.nextset()
            return rows + cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(f"{query} UNION ALL {evidence_sql}")
        return cursor.fetchall()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def team_dashboard(
    *, actor: Membership, team_param: str | None = None, cycle_param: str | None = None, today: date | None = None
) -> Dashboard | EmptyDashboard:
    """The manager's dashboard for ``?team=`` (see the module docstring for what counts)."""
    today = today or today_for(actor)
    nodes, roots = _team_tree(actor.organization_id)
    reach = _reach(actor)
    managed_ids = frozenset(reach.managed_teams)
    scope = resolve_scope(actor=actor, team_param=team_param, nodes=nodes, roots=roots, managed_ids=managed_ids)
    if scope is None:
        return EmptyDashboard(reason="no_team")
    choices = scope_choices(actor=actor, scope=scope, nodes=nodes, roots=roots, managed_ids=managed_ids)
    setup = cycle_setup(actor=actor)
    cycles = setup.cycles
    cycle = pick_cycle(cycles, cycle_param, today)
    if cycle is None:
        return EmptyDashboard(reason="no_cycle", scope=scope, choices=choices)
    return _build(
        actor=actor, scope=scope, nodes=nodes, cycle=cycle, cycles=cycles, choices=choices, today=today, reach=reach,
        settings=setup.settings,
    )  # fmt: skip


def today_for(actor: Membership) -> date:
    """The viewer's today (their time zone decides which week and which cycle)."""
    return timezone.now().astimezone(actor.user.tzinfo).date()


def _build(*, actor, scope, nodes, cycle, cycles, choices, today, reach: Reach, settings: GoalSettings) -> Dashboard:
    week = today - timedelta(days=today.weekday())
    expected = arithmetic.expected_progress(cycle.starts_on, cycle.ends_on, today) or 0.0
    team_groups = _groups(scope)

    # 1. The people in scope (active, in a team of the scope) and whether they checked in this week.
    rows_by_group: dict[int, TeamRow] = {gid: TeamRow(team=nodes[gid]) for gid in set(team_groups.values())}
    person_groups: set[tuple[int, int]] = set()
    names: dict[int, tuple[uuid.UUID, str, bool]] = {}
    for mid, team_id, checked, public_id, full_name in (
        TeamMembership.objects.filter(
            team_id__in=scope.team_ids, membership__is_active=True, membership__user__is_active=True
        )
        .annotate(checked=Exists(CheckIn.objects.filter(author_id=OuterRef("membership_id"), period_start=week)))
        .values_list("membership_id", "team_id", "checked", "membership__public_id", "membership__user__full_name")
    ):
        group = team_groups[team_id]
        if (mid, group) not in person_groups:
            person_groups.add((mid, group))
            rows_by_group[group].people += 1
            rows_by_group[group].checked_in += 1 if checked else 0
        names[mid] = (public_id, full_name, bool(checked))
    people_ids = list(names)
    people_total = len(names)
    checked_total = sum(1 for _, _, checked in names.values() if checked)

    # 2. Aggregates (private goals count; nothing is named).
    totals: dict[str, tuple[int, float]] = {}
    objectives_count, objectives_sum = 0, 0.0
    weekly: list[tuple[date, int, float]] = []
    evidence: dict[int, dict[str, tuple[int, float]]] = {}  # objective id -> its contributors by status
    # The weeks already over are kept between requests (dashboards.history); only this week is read.
    groups_hash = hashlib.blake2b(repr(sorted(team_groups.items())).encode(), digest_size=8).hexdigest()
    scope_key = f"{scope.team.id if scope.team is not None and not scope.is_org else 'org'}.{groups_hash}"
    kept, stamp = history.read(actor.organization_id, scope_key, cycle.pk, week)
    for kind, group, key, n, total in _aggregates(
        actor=actor, scope=scope, cycle=cycle, settings=settings, today=today,
        team_groups=team_groups, person_groups=person_groups, since=week if kept is not None else None,
    ):  # fmt: skip
        n, total = int(n or 0), float(total or 0)
        if kind == "g" and group in rows_by_group:
            row = rows_by_group[group]
            row.goals += n
            row.progress_sum += total
            row.counts[key] = row.counts.get(key, 0) + n
        elif kind == "t":
            totals[key] = (n, total)
        elif kind == "o":
            objectives_count, objectives_sum = n, total
        elif kind == "w" and key is not None:
            weekly.append((_as_date(key), n, total))
        elif kind == "e":
            evidence.setdefault(group, {})[key] = (n, total)
    if kept is None:
        history.keep(
            actor.organization_id, scope_key, cycle.pk, week, stamp,
            {day.isoformat(): (n, total) for day, n, total in weekly if day < week},
        )  # fmt: skip
    else:
        weekly = [(day, n, total) for day, n, total in weekly if day >= week]
        weekly += [(date.fromisoformat(day), n, total) for day, (n, total) in kept.items()]
    total_goals = sum(n for n, _ in totals.values())
    distribution = [
        StatusCount(
            code=code,
            label=LABELS[code],
            symbol=SYMBOLS[code],
            count=totals.get(code, (0, 0.0))[0],
            share=(totals.get(code, (0, 0.0))[0] / total_goals) if total_goals else 0.0,
        )
        for code in STATUS_ORDER
    ]
    if objectives_count:
        overall = objectives_sum / objectives_count
        overall_basis = (
            f"the mean of {'the' if objectives_count > 1 else 'its'} {objectives_count} "
            f"{'objective' if objectives_count == 1 else 'objectives'}' roll-up progress"
        )
    elif total_goals:
        overall = sum(s for _, s in totals.values()) / total_goals
        overall_basis = f"the mean progress of the {total_goals} goals in scope (no objectives set)"
    else:
        overall, overall_basis = None, "no goals in this cycle yet"
    pacing = []
    for monday, n, total in sorted(weekly):
        if n == 0:
            continue
        day = min(monday + timedelta(days=6), today, cycle.ends_on)
        pacing.append(
            PacePoint(
                week=monday,
                day=day,
                actual=total / n,
                goals=n,
                expected=arithmetic.expected_progress(cycle.starts_on, cycle.ends_on, day) or 0.0,
            )
        )

    # 3. Lists: only goals the actor may see.
    visible = _visible_q(actor, reach=reach)
    org_goals = Goal.objects.filter(organization_id=actor.organization_id)
    in_cycle = org_goals.filter(cycle=cycle, status__in=COUNTED_STATUSES)
    in_scope = in_cycle
    if not scope.is_org:
        in_scope = in_cycle.filter(Q(owner_team_id__in=scope.team_ids) | Q(owner_member_id__in=people_ids))
    health = RawSQL(  # noqa: S611 - built from a date and two ints (see sql.py)
        sql.health_sql(
            Goal._meta.db_table, today, at_risk_gap=settings.at_risk_gap, off_track_gap=settings.off_track_gap
        ),
        [],
    )
    behind = RawSQL(sql.behind_sql(Goal._meta.db_table, today), [])  # noqa: S611
    # The goals that need attention, furthest behind first, as bare ids with their count: joining
    # the owners of every at-risk goal before counting and sorting (thousands organization-wide)
    # cost more than the rest of the list.
    furthest = list(
        in_scope.filter(visible)
        .annotate(health_code=health, behind=behind)
        .filter(health_code__in=NEEDS_ATTENTION)
        .annotate(total=Window(Count("id")))
        .order_by(F("behind").desc(nulls_last=True), "title", "id")
        .values_list("id", "behind", "total")[:LIST_LIMIT]
    )
    attention_visible = furthest[0][2] if furthest else 0
    # Then one query for the objectives and those few goals, with their owners.
    is_objective = Q(owner_team_id__in=scope.objective_team_ids)
    listed = list(
        in_cycle.filter((is_objective & visible) | Q(pk__in=[pk for pk, _, _ in furthest]))
        .select_related("owner_member__user", "owner_team")
        .annotate(aligned=Count("child_links", distinct=True))
        .order_by("title", "pk")
    )
    objective_teams = set(scope.objective_team_ids)
    objectives = [  # each at most as healthy as its contributors say, as in the alignment tree
        ObjectiveRow(
            g, rolled_health(goal_health(g, settings, today), evidence_from_totals(evidence.get(g.pk, {}))), g.aligned
        )
        for g in listed
        if g.owner_team_id in objective_teams
    ]
    by_id = {g.pk: g for g in listed}
    attention = [
        AttentionRow(by_id[pk], goal_health(by_id[pk], settings, today), gap * 100 if gap is not None else None)
        for pk, gap, _ in furthest
        if pk in by_id
    ]
    attention_total = sum(totals.get(code, (0, 0.0))[0] for code in NEEDS_ATTENTION)

    # 4. People: the team's own members (sub-teams are rows of their own).
    people: list[PersonRow] = []
    if scope.team is not None:
        per_person = (
            org_goals.filter(visible)
            .filter(owner_member_id=OuterRef("membership_id"), cycle=cycle, status=GoalStatus.ACTIVE)
            .order_by()
            .values("owner_member_id")
        )
        last = CheckIn.objects.filter(author_id=OuterRef("membership_id")).order_by("-created_at").values("created_at")
        members = (
            TeamMembership.objects.filter(
                team_id=scope.team.id, membership__is_active=True, membership__user__is_active=True
            )
            .select_related("membership__user")
            .annotate(
                goal_count=Subquery(per_person.annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()),
                goal_avg=Subquery(per_person.annotate(a=Avg("progress")).values("a")[:1]),
                last_checkin=Subquery(last[:1]),
            )
            .order_by("membership__user__full_name")
        )
        for tm in members:
            people.append(
                PersonRow(
                    member=tm.membership,
                    is_manager=tm.role == TeamRole.MANAGER,
                    active_goals=tm.goal_count or 0,
                    average=tm.goal_avg,
                    last_checkin=tm.last_checkin,
                    checked_in=names.get(tm.membership_id, (None, "", False))[2],
                )
            )
    if people:
        by_id = {p.member.pk: p for p in people}
        trend_rows = (
            CheckIn.objects.filter(
                author_id__in=list(by_id),
                period_start__gte=week - timedelta(weeks=TREND_WEEKS - 1),
                confidence__isnull=False,
                # The few goals of these people the actor may see, first (then their check-ins by index).
                goal_id__in=org_goals.filter(owner_member_id__in=list(by_id)).filter(visible).values("id"),
            )
            .values("author_id", "period_start")
            .annotate(avg=Avg("confidence"))
            .order_by("author_id", "period_start")
        )
        for row in trend_rows:
            by_id[row["author_id"]].trend.append(float(row["avg"]))

    # 5. Who has checked in this week across the scope (the people rows say it for the team itself).
    if scope.rows:
        ordered = sorted(names.items(), key=lambda item: (item[1][2], item[1][1]))[:ROLL_CALL_LIMIT]
        roll_call = [
            PersonRow(
                member=Membership(pk=mid, public_id=public_id),
                is_manager=False,
                active_goals=0,
                average=None,
                last_checkin=None,
                checked_in=checked,
                name=full_name,
            )
            for mid, (public_id, full_name, checked) in ordered
        ]
    else:
        roll_call = people

    # 6. Open blockers and this week's wins raised by people in scope, on goals the actor may see.
    by_people = Q() if scope.is_org else Q(author_id__in=people_ids)
    blockers = list(
        Blocker.objects.filter(organization_id=actor.organization_id, resolved_at__isnull=True)
        .filter(by_people, goal__status__in=[GoalStatus.ACTIVE, GoalStatus.DRAFT])
        .filter(_visible_q(actor, "goal__", reach))
        .select_related("goal", "author__user", "help_from__user")
        .annotate(total=Window(Count("id")))
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    week_start = _week_start(actor, today)
    celebrations = list(
        Celebration.objects.filter(organization_id=actor.organization_id, created_at__gte=week_start)
        .filter(Q() if scope.is_org else Q(member_id__in=people_ids))
        .filter(_visible_q(actor, "goal__", reach))
        .select_related("goal", "member__user")
        .annotate(
            total=Window(Count("id")),
            milestones=Window(Sum(Case(When(kind=CelebrationKind.MILESTONE, then=Value(1)), default=Value(0)))),
            targets=Window(Sum(Case(When(kind=CelebrationKind.KR_TARGET, then=Value(1)), default=Value(0)))),
        )
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    first = celebrations[0] if celebrations else None

    team_rows = [rows_by_group[n.id] for n in scope.rows if n.id in rows_by_group]
    direct = rows_by_group.get(scope.team.id) if scope.team is not None and scope.rows else None
    return Dashboard(
        actor=actor,
        scope=scope,
        cycle=cycle,
        today=today,
        week=week,
        settings=settings,
        expected=expected,
        overall=overall,
        overall_basis=overall_basis,
        total_goals=total_goals,
        progress_sum=sum(s for _, s in totals.values()),
        distribution=distribution,
        objectives=objectives,
        objectives_hidden=max(0, objectives_count - len(objectives)),
        attention=attention,
        attention_total=attention_total,
        attention_visible=attention_visible,
        people_total=people_total,
        checked_in_total=checked_total,
        people=people,
        roll_call=roll_call,
        team_rows=team_rows,
        direct_row=direct if direct is not None and (direct.goals or direct.people) else None,
        blockers=blockers,
        blockers_total=blockers[0].total if blockers else 0,
        celebrations=celebrations,
        celebrations_total=first.total if first else 0,
        milestones_reached=int(first.milestones or 0) if first else 0,
        targets_hit=int(first.targets or 0) if first else 0,
        goals_achieved=(first.total - int(first.milestones or 0) - int(first.targets or 0)) if first else 0,
        pacing=pacing,
        choices=choices,
        cycles=cycles,
    )


def manages_any_team(*, actor: Membership) -> bool:
    """Whether the actor's home is the dashboard: admins, and anyone who manages a team."""
    if actor.role == "admin":
        return True
    return TeamMembership.objects.filter(membership_id=actor.pk, role=TeamRole.MANAGER).exists()
