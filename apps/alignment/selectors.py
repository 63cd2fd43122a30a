"""Reads for the alignment pages, for one actor.

Every goal a page lists comes from ``goals.selectors.visible_goals`` (i.e.
``Goal.visible_to``); goals the actor cannot see are counted where a number
depends on them (honest roll-ups, see ``rollup``) and never listed, named or
linked. Each read is a fixed number of queries however large the tree is:
lists are sliced (``PAGE`` rows per response) and everything a row shows is
fetched for the whole slice at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from apps.accounts.models import Membership, Role, Team, TeamKind, TeamMembership, TeamRole, User
from apps.checkins.models import CheckIn
from apps.core import dataversion, plainsql
from apps.core.selectors import get_or_404
from apps.goals.evidence import (
    HEALTH_FIELDS,
    Evidence,
    RolledHealth,
    as_goal,
    evidence_from,
    goal_evidence,
    goals_evidence,
    rolled_health,
)
from apps.goals.models import (
    Cycle,
    Goal,
    GoalAlignment,
    GoalSettings,
    GoalStatus,
    KeyResult,
    Visibility,
)
from apps.goals.permissions import can_edit_goal
from apps.goals.selectors import cycle_setup, goal_health, visible_goals

from .services import can_change_link

PAGE = 200  # rows per response; "load more" beyond
STALE_DAYS = 14  # two weekly check-in cadences
MAX_PATHS = 12
PATH_DEPTH = 50

PACE_CODES = ("on_track", "at_risk", "off_track", "not_started")
STATUS_CHOICES = [
    ("on_track", "● On track"),
    ("at_risk", "▲ At risk"),
    ("off_track", "■ Off track"),
    ("not_started", "○ Not started"),
    ("achieved", "✓ Achieved"),
    ("missed", "✗ Missed"),
    ("draft", "○ Draft"),
    ("dropped", "– Dropped"),
]
KIND_ORDER = Case(
    When(kind=TeamKind.COMPANY, then=Value(0)),
    When(kind=TeamKind.DEPARTMENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class SubqueryCount(Subquery):
    """``(SELECT count(*) FROM (<queryset>))`` as an annotation: one scalar subquery, no GROUP BY games."""

    template = "(SELECT count(*) FROM (%(subquery)s) _sub)"
    output_field = IntegerField()


_get_or_404 = get_or_404


def goal_settings(*, actor: Membership) -> GoalSettings:
    settings_row, _ = GoalSettings.objects.get_or_create(organization_id=actor.organization_id)
    return settings_row


@dataclass
class ChildFacts:
    evidence: Evidence
    visible: int  # contributors the actor can see
    total: int  # contributors (not dropped), seen or not


# The child is ``goals_goal`` itself, so the visibility clause (``_goal_where``) tests the joined row.
_CHILDREN_SQL = """
SELECT a.parent_id, a.weight, goals_goal.progress, goals_goal.start_date, goals_goal.due_date, goals_goal.status,
       goals_goal.confidence, goals_goal.confidence_note, ({seen})
FROM goals_goalalignment a JOIN goals_goal ON goals_goal.id = a.child_id
WHERE a.parent_id IN ({parents}) AND goals_goal.status <> %s
"""


_CHILDREN_COLUMNS = (
    None,
    GoalAlignment._meta.get_field("weight"),
    *(Goal._meta.get_field(name) for name in HEALTH_FIELDS),
    None,
)


def children_facts(*, actor: Membership, parent_ids, settings_row: GoalSettings, today: date) -> dict[int, ChildFacts]:
    """Status evidence and contributor counts for many goals: one statement.

    Plain SQL: it runs for every page of tree rows, and compiling the equivalent queryset cost more
    than running it."""
    parents_params = [int(pk) for pk in parent_ids]
    if not parents_params:
        return {}
    parents_sql = ", ".join(["%s"] * len(parents_params))
    # Whether the actor may see each contributor: the visibility rules tested on the joined row (their
    # subqueries are the actor's few teams and reports), never a subquery over every visible goal.
    seen, seen_params = _goal_where(visible_goals(actor=actor))
    query = _CHILDREN_SQL.format(seen=seen, parents=parents_sql)
    with connection.cursor() as cursor:
        cursor.execute(query, [*seen_params, *parents_params, GoalStatus.DROPPED])
        rows = plainsql.convert(cursor.fetchall(), _CHILDREN_COLUMNS)
    parts: dict[int, list[tuple[str, float]]] = defaultdict(list)
    seen_count: dict[int, int] = defaultdict(int)
    for parent_id, weight, *facts, child_visible in rows:
        parts[parent_id].append((goal_health(as_goal(facts), settings_row, today).code, float(weight)))
        seen_count[parent_id] += 1 if child_visible else 0
    return {
        pid: ChildFacts(evidence=evidence_from(p), visible=seen_count[pid], total=len(p)) for pid, p in parts.items()
    }


def goal_rolled_health(*, actor: Membership, goal: Goal, settings_row: GoalSettings | None = None, today=None):
    today = today or timezone.localdate()
    settings_row = settings_row or goal_settings(actor=actor)
    return rolled_health(goal_health(goal, settings_row, today), goal_evidence(goal, settings_row, today))


# --- scope and nodes -----------------------------------------------------------------


@dataclass(frozen=True)
class GoalScope:
    """Which goals a page lists: a cycle (with open-ended goals), or every cycle; dropped ones only on request."""

    cycle: Cycle | None = None
    all_cycles: bool = False
    include_dropped: bool = False

    def apply(self, qs):
        if not self.all_cycles:
            qs = qs.filter(Q(cycle=self.cycle) | Q(cycle__isnull=True)) if self.cycle else qs
        if not self.include_dropped:
            qs = qs.exclude(status=GoalStatus.DROPPED)
        return qs


GOAL_RELATED = ("cycle", "owner_member__user", "owner_team")


@dataclass
class Node:
    """One row of the alignment tree: a team, a person or a goal (a goal's children are its contributors)."""

    kind: str  # "team" | "person" | "goal"
    obj: object
    key: str
    count: int = 0  # team/person: goals in scope; goal: visible contributors
    average: float | None = None  # team/person: mean progress of those goals
    health: RolledHealth | None = None
    weight: Decimal | None = None  # a contributor's link weight
    hidden: int = 0  # goal: contributors the actor cannot see
    # Filled in when expanded:
    children: list[Node] | None = None
    next_offset: int | None = None
    remaining: int = 0
    offset: int = 0
    # Set by the tree builder (URLs and DOM ids):
    dom: str = ""
    href: str = ""
    hx_url: str = ""
    more_url: str = ""
    more_href: str = ""

    @property
    def expanded(self) -> bool:
        return self.children is not None

    @property
    def expandable(self) -> bool:
        return self.kind != "goal" or self.count > 0 or self.hidden > 0

    @property
    def public_id(self):
        return self.obj.public_id


def node_key(kind: str, obj) -> str:
    return f"{kind[0]}-{obj.public_id}"


def _goal_nodes(
    goals, *, actor: Membership, settings_row: GoalSettings, today: date, weights: dict[int, Decimal] | None = None
) -> list[Node]:
    goals = list(goals)
    facts = children_facts(actor=actor, parent_ids=[g.pk for g in goals], settings_row=settings_row, today=today)
    nodes = []
    for goal in goals:
        fact = facts.get(goal.pk)
        evidence = fact.evidence if fact else Evidence()
        nodes.append(
            Node(
                kind="goal",
                obj=goal,
                key=node_key("goal", goal),
                count=fact.visible if fact else 0,
                hidden=(fact.total - fact.visible) if fact else 0,
                health=rolled_health(goal_health(goal, settings_row, today), evidence),
                weight=(weights or {}).get(goal.pk),
            )
        )
    return nodes


def _page(sections: list[tuple[str, object, int]], offset: int) -> tuple[dict[str, list], int | None, int]:
    """Slice consecutive sections (name, queryset, count) to one page of at most PAGE rows."""
    out: dict[str, list] = {}
    skip, room = offset, PAGE
    total = sum(n for _, _, n in sections)
    for name, qs, n in sections:
        if room == 0 or skip >= n:
            skip = max(0, skip - n)
            out[name] = []
            continue
        rows = list(qs[skip : skip + room])
        skip, room = 0, room - len(rows)
        out[name] = rows
    end = offset + PAGE
    return out, (end if end < total else None), max(0, total - end)


def _scoped_goals(actor: Membership, scope: GoalScope):
    return scope.apply(visible_goals(actor=actor))


def _goal_order(qs):
    return qs.order_by(Case(When(status=GoalStatus.ACTIVE, then=0), default=1), "title", "id")


def expand_team(
    *, actor: Membership, team: Team, scope: GoalScope, offset: int = 0, settings_row=None, today=None
) -> Node:
    """A team node opened: its goals, then its sub-teams, then its people (one page)."""
    today = today or timezone.localdate()
    settings_row = settings_row or goal_settings(actor=actor)
    goals = _scoped_goals(actor, scope)
    team_goals = _goal_order(goals.filter(owner_team=team).select_related(*GOAL_RELATED))
    sub_teams = Team.objects.for_org(actor.organization_id).filter(parent=team)
    people = Membership.objects.for_org(actor.organization_id).filter(is_active=True, team_memberships__team=team)
    counts = (
        Team.objects.filter(pk=team.pk)
        .annotate(
            n_goals=SubqueryCount(team_goals.values("pk")),
            n_teams=SubqueryCount(sub_teams.values("pk")),
            n_people=SubqueryCount(people.values("pk")),
            avg=Subquery(
                goals.filter(owner_team=team).order_by().values("owner_team").annotate(a=Avg("progress")).values("a")
            ),
        )
        .values("n_goals", "n_teams", "n_people", "avg")
        .get()
    )
    node = Node(kind="team", obj=team, key=node_key("team", team), count=counts["n_goals"], average=counts["avg"])
    rows, node.next_offset, node.remaining = _page(
        [
            ("goals", team_goals, counts["n_goals"]),
            ("teams", _team_rows(actor, sub_teams, scope), counts["n_teams"]),
            ("people", _person_rows(actor, people, scope), counts["n_people"]),
        ],
        offset,
    )
    node.offset = offset
    node.children = (
        _goal_nodes(rows["goals"], actor=actor, settings_row=settings_row, today=today)
        + [_team_node(t) for t in rows["teams"]]
        + [_person_node(m) for m in rows["people"]]
    )
    return node


def _team_rows(actor: Membership, teams, scope: GoalScope):
    goals = _scoped_goals(actor, scope).filter(owner_team=OuterRef("pk"))
    return teams.annotate(
        n_goals=SubqueryCount(goals.values("pk")),
        avg=Subquery(goals.order_by().values("owner_team").annotate(a=Avg("progress")).values("a")),
        kind_order=KIND_ORDER,
    ).order_by("kind_order", "name")


def _person_rows(actor: Membership, people, scope: GoalScope):
    goals = _scoped_goals(actor, scope).filter(owner_member=OuterRef("pk"))
    return (
        people.select_related("user")
        .annotate(
            n_goals=SubqueryCount(goals.values("pk")),
            avg=Subquery(goals.order_by().values("owner_member").annotate(a=Avg("progress")).values("a")),
        )
        .order_by("user__full_name", "id")
    )


def team_nodes(
    *, actor: Membership, teams: list[Team], scope: GoalScope, listings: dict[str, Listing] | None = None
) -> list[Node]:
    """Team nodes (not opened yet) with their summaries, in the given order.

    A team listed in ``listings`` (``expand_many``) has its summary there; the others' take one query.
    """
    listings = listings or {}
    teams = [t for t in teams if t.organization_id == actor.organization_id]
    unlisted = [t.pk for t in teams if node_key("team", t) not in listings]
    summary = _team_summaries(actor, unlisted, scope) if unlisted else {}
    nodes = []
    for t in teams:
        key = node_key("team", t)
        listing = listings.get(key)
        count, average = (listing.count, listing.average) if listing else summary.get(t.pk, (0, None))
        nodes.append(Node(kind="team", obj=t, key=key, count=count, average=average))
    return nodes


def _team_summaries(actor: Membership, team_ids: list[int], scope: GoalScope) -> dict[int, tuple[int, float | None]]:
    """(goals in scope, their mean progress) per team: one grouped query."""
    rows = (
        _scoped_goals(actor, scope)
        .filter(owner_team_id__in=team_ids)
        .order_by()
        .values("owner_team_id")
        .annotate(n=Count("id"), a=Avg("progress"))
        .values_list("owner_team_id", "n", "a")
    )
    return {team_id: (n, a) for team_id, n, a in rows}


def _team_node(team: Team) -> Node:
    return Node(kind="team", obj=team, key=node_key("team", team), count=team.n_goals, average=team.avg)


def _person_node(member: Membership) -> Node:
    return Node(kind="person", obj=member, key=node_key("person", member), count=member.n_goals, average=member.avg)


def expand_person(
    *, actor: Membership, member: Membership, scope: GoalScope, offset: int = 0, settings_row=None, today=None
) -> Node:
    """A person node opened: the goals they own that the actor can see."""
    today = today or timezone.localdate()
    settings_row = settings_row or goal_settings(actor=actor)
    goals = _goal_order(_scoped_goals(actor, scope).filter(owner_member=member).select_related(*GOAL_RELATED))
    page = list(goals[offset : offset + PAGE + 1])
    node = Node(kind="person", obj=member, key=node_key("person", member), offset=offset)
    node.children = _goal_nodes(page[:PAGE], actor=actor, settings_row=settings_row, today=today)
    if len(page) > PAGE:
        node.next_offset = offset + PAGE
        node.remaining = goals.count() - offset - PAGE
    node.count = offset + len(node.children) + node.remaining
    progress = [g.obj.progress for g in node.children]
    node.average = sum(progress) / len(progress) if progress and not node.remaining else None
    return node


def expand_goal(*, actor: Membership, goal: Goal, offset: int = 0, settings_row=None, today=None) -> Node:
    """A goal node opened: the goals contributing to it that the actor can see, with their weights."""
    today = today or timezone.localdate()
    settings_row = settings_row or goal_settings(actor=actor)
    visible_ids = visible_goals(actor=actor).values("id")
    links = (
        GoalAlignment.objects.filter(parent=goal, child_id__in=visible_ids)
        .exclude(child__status=GoalStatus.DROPPED)
        .select_related(*(f"child__{r}" for r in GOAL_RELATED))
        .order_by("-weight", "child__title", "id")
    )
    page = list(links[offset : offset + PAGE + 1])
    [node] = _goal_nodes([goal], actor=actor, settings_row=settings_row, today=today)
    node.offset = offset
    node.children = _goal_nodes(
        [link.child for link in page[:PAGE]],
        actor=actor,
        settings_row=settings_row,
        today=today,
        weights={link.child_id: link.weight for link in page[:PAGE]},
    )
    if len(page) > PAGE:
        node.next_offset = offset + PAGE
        node.remaining = node.count - offset - PAGE
    return node


@dataclass
class Listing:
    """The first page of children of one open node (from ``expand_many``)."""

    children: list[Node]
    next_offset: int | None
    remaining: int
    # An open team's own summary: its goals in scope and their mean progress.
    count: int = 0
    average: float | None = None


def _windowed(qs, partition: str, order: list, limit: int):
    """At most ``limit`` rows per ``partition`` value, each with ``_total`` (rows in its partition)."""
    return (
        qs.annotate(
            _rn=Window(RowNumber(), partition_by=[F(partition)], order_by=order),
            _total=Window(Count("pk"), partition_by=[F(partition)]),
        )
        .filter(_rn__lte=limit)
        .order_by(partition, "_rn")
    )


GOAL_WINDOW_ORDER = [Case(When(status=GoalStatus.ACTIVE, then=0), default=1).asc(), F("title").asc(), F("id").asc()]


def _goal_where(goals) -> tuple[str, list]:
    """The WHERE clause of a goals queryset (visibility and scope), for hand-written SQL over ``goals_goal``.

    Compiled once per request instead of once per embedding; the clause names only
    ``"goals_goal"`` and its own subqueries (anything joining another table is refused).
    """
    query = goals.query
    if any(n for alias, n in query.alias_refcount.items() if alias != query.base_table):
        raise ValueError("a goals filter that joins other tables cannot be reused as a WHERE clause")
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


# The first ``limit`` children of each open team, in one statement: its goals (active first, by
# title), its sub-teams (company, departments, teams; by name) and its people (by name), each row
# with its section's total and, for teams and people, their goal count and average progress; a
# goal row carries its team's average progress too (the team's own summary).
# Portable SQL (PostgreSQL, and SQLite for ``make run``): no casts, arrays or LATERAL.
_TEAM_LISTING_SQL = """
SELECT 'g', x.parent, x.rn, x.id, x.total, NULL, x.average FROM (
    SELECT goals_goal.owner_team_id AS parent, goals_goal.id,
           row_number() OVER (PARTITION BY goals_goal.owner_team_id
                              ORDER BY CASE WHEN goals_goal.status = 'active' THEN 0 ELSE 1 END,
                                       goals_goal.title, goals_goal.id) AS rn,
           count(*) OVER (PARTITION BY goals_goal.owner_team_id) AS total,
           avg(goals_goal.progress) OVER (PARTITION BY goals_goal.owner_team_id) AS average
    FROM goals_goal WHERE goals_goal.owner_team_id IN ({teams}) AND {where}
) x WHERE x.rn <= %(limit)s
UNION ALL
SELECT 't', x.parent, x.rn, x.id, x.total,
       (SELECT count(*) FROM goals_goal WHERE goals_goal.owner_team_id = x.id AND {where}),
       (SELECT avg(goals_goal.progress) FROM goals_goal WHERE goals_goal.owner_team_id = x.id AND {where})
FROM (
    SELECT t.parent_id AS parent, t.id,
           row_number() OVER (PARTITION BY t.parent_id ORDER BY
               CASE t.kind WHEN 'company' THEN 0 WHEN 'department' THEN 1 ELSE 2 END, t.name, t.id) AS rn,
           count(*) OVER (PARTITION BY t.parent_id) AS total
    FROM accounts_team t WHERE t.parent_id IN ({teams}) AND t.organization_id = %(org)s
) x WHERE x.rn <= %(limit)s
UNION ALL
SELECT 'p', x.parent, x.rn, x.id, x.total,
       (SELECT count(*) FROM goals_goal WHERE goals_goal.owner_member_id = x.id AND {where}),
       (SELECT avg(goals_goal.progress) FROM goals_goal WHERE goals_goal.owner_member_id = x.id AND {where})
FROM (
    SELECT tm.team_id AS parent, m.id,
           row_number() OVER (PARTITION BY tm.team_id ORDER BY u.full_name, m.id) AS rn,
           count(*) OVER (PARTITION BY tm.team_id) AS total
    FROM accounts_teammembership tm
    JOIN accounts_membership m ON m.id = tm.membership_id
    JOIN accounts_user u ON u.id = m.user_id
    WHERE tm.team_id IN ({teams}) AND m.organization_id = %(org)s AND m.is_active
) x WHERE x.rn <= %(limit)s
"""


def _named(sql: str, params: list, prefix: str) -> tuple[str, dict]:
    """``%s`` placeholders of a compiled clause as named ones (``%(prefix0)s`` …), so the clause can repeat."""
    names = {f"{prefix}{i}": value for i, value in enumerate(params)}
    parts = sql.replace("%%", "\0").split("%s")
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += f"%({prefix}{i})s" + part
    return out.replace("\0", "%%"), names


@dataclass
class _TeamRows:
    sections: dict[str, list]  # team key -> [(kind, goal or node)], goals first, then teams, then people
    totals: dict[str, int]  # team key -> children in all
    summaries: dict[str, tuple[int, float | None]]  # team key -> (its goals in scope, their mean progress)
    goals: list[Goal]  # every goal listed


def _team_goals(actor: Membership, ids: list[int], *, teams: dict[int, Team], kept: Structure) -> dict[int, Goal]:
    """Goals of open teams by id: their owner team and cycle are in hand, so the goals are read alone (no joins)."""
    if not ids:
        return {}
    cycles = {cycle.pk: cycle for cycle in kept.cycles}
    query = (
        f"SELECT {plainsql.select_list(Goal, 'g')} FROM goals_goal g "  # noqa: S608 - column names and placeholders
        f"WHERE g.organization_id = %s AND g.id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [actor.organization_id, *ids])
        found = {}
        for (goal,) in plainsql.load(cursor.fetchall(), Goal):
            goal.owner_team = teams[goal.owner_team_id]
            if goal.cycle_id in cycles:
                goal.cycle = cycles[goal.cycle_id]
            found[goal.pk] = goal
    return found


def _members(actor: Membership, ids: list[int]) -> dict[int, Membership]:
    """People of open teams by id, with their user: one plain statement."""
    if not ids:
        return {}
    query = (
        f"SELECT {plainsql.select_list(Membership, 'm')}, {plainsql.select_list(User, 'u')} "  # noqa: S608 - as above
        "FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id "
        f"WHERE m.organization_id = %s AND m.id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [actor.organization_id, *ids])
        found = {}
        for member, user in plainsql.load(cursor.fetchall(), Membership, User):
            member.user = user
            found[member.pk] = member
    return found


def _team_listings(actor: Membership, goals, open_teams: dict[int, Team], limit: int, kept: Structure) -> _TeamRows:
    """The first ``limit`` children of open teams (by id), and the teams' summaries: one statement, two fetches by id."""
    keys_by_team = {pk: node_key("team", team) for pk, team in open_teams.items()}
    where, params = _named(*_goal_where(goals), "w")
    team_params = {f"t{i}": team_id for i, team_id in enumerate(keys_by_team)}
    teams_sql = ", ".join(f"%({name})s" for name in team_params)
    with connection.cursor() as cursor:
        cursor.execute(
            _TEAM_LISTING_SQL.format(where=where, teams=teams_sql),
            {**params, **team_params, "org": actor.organization_id, "limit": limit},
        )
        rows = cursor.fetchall()
    goal_ids = [r[3] for r in rows if r[0] == "g"]
    member_ids = [r[3] for r in rows if r[0] == "p"]
    goals_by_id = _team_goals(actor, goal_ids, teams=open_teams, kept=kept)
    members_by_id = _members(actor, member_ids)
    teams_by_id = {t.id: t for t in kept.teams} if any(r[0] == "t" for r in rows) else {}
    order = {"g": 0, "t": 1, "p": 2}
    sections: dict[str, list] = defaultdict(list)
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    summaries: dict[str, tuple[int, float | None]] = {key: (0, None) for key in keys_by_team.values()}
    listed: list[Goal] = []
    for kind, parent, _, pk, total, n, avg in sorted(rows, key=lambda r: (r[1], order[r[0]], r[2])):
        key = keys_by_team[parent]
        totals[key][kind] = total
        if kind == "g":
            summaries[key] = (total, avg)
            if pk in goals_by_id:
                sections[key].append(("goal", goals_by_id[pk]))
                listed.append(goals_by_id[pk])
        elif kind == "t" and pk in teams_by_id:
            sections[key].append(
                (
                    "team",
                    Node(kind="team", obj=teams_by_id[pk], key=node_key("team", teams_by_id[pk]), count=n, average=avg),
                )
            )
        elif kind == "p" and pk in members_by_id:
            member = members_by_id[pk]
            sections[key].append(
                ("person", Node(kind="person", obj=member, key=node_key("person", member), count=n, average=avg))
            )
    return _TeamRows(
        sections=sections,
        totals={key: sum(by_kind.values()) for key, by_kind in totals.items()},
        summaries=summaries,
        goals=listed,
    )


def expand_many(
    *,
    actor: Membership,
    scope: GoalScope,
    kept: Structure,
    teams: list[Team] = (),
    person_ids=(),
    goal_ids=(),
    today=None,
) -> dict[str, Listing]:
    """The first page of children of many open nodes at once, keyed by node key.

    A fixed number of queries however many nodes are open: team goals, sub-teams,
    team members, people's goals, contributing goals (each one windowed query,
    ``PAGE`` rows per node), and one status-evidence query for every goal listed.
    ``teams`` are teams of the actor's organization; ``person_ids`` and ``goal_ids``
    are public ids (a goal the actor cannot see is never opened); ``kept`` is the
    organization's ``structure``. Every open team has a listing, which carries the
    team's own summary too.
    """
    today = today or timezone.localdate()
    settings_row = kept.settings
    limit = PAGE + 1
    org = actor.organization_id
    goals = _scoped_goals(actor, scope)
    sections: dict[str, list[tuple[str, object]]] = defaultdict(list)  # key -> [(kind, row)]
    totals: dict[str, int] = defaultdict(int)
    goal_rows: list[Goal] = []
    weights: dict[tuple[str, int], Decimal] = {}
    open_teams = {t.pk: t for t in teams if t.organization_id == org}
    summaries: dict[str, tuple[int, float | None]] = {}
    if open_teams:
        team_rows = _team_listings(actor, goals, open_teams, limit, kept)
        for key in team_rows.summaries:  # every open team gets a listing (with its summary), rows or none
            sections[key].extend(team_rows.sections.get(key, ()))
        totals.update(team_rows.totals)
        summaries = team_rows.summaries
        goal_rows.extend(team_rows.goals)
    if person_ids:
        for goal in _windowed(
            goals.filter(owner_member__public_id__in=person_ids).select_related(*GOAL_RELATED),
            "owner_member_id",
            GOAL_WINDOW_ORDER,
            limit,
        ):
            key = f"p-{goal.owner_member.public_id}"
            sections[key].append(("goal", goal))
            goal_rows.append(goal)
            totals[key] = goal._total
    if goal_ids:
        visible_ids = visible_goals(actor=actor).values("id")
        links = (
            GoalAlignment.objects.filter(
                organization_id=org, parent__public_id__in=goal_ids, parent_id__in=visible_ids, child_id__in=visible_ids
            )
            .exclude(child__status=GoalStatus.DROPPED)
            .select_related("parent", *(f"child__{r}" for r in GOAL_RELATED))
        )
        for link in _windowed(links, "parent_id", [F("weight").desc(), F("child__title").asc(), F("id").asc()], limit):
            key = node_key("goal", link.parent)
            sections[key].append(("goal", link.child))
            goal_rows.append(link.child)
            weights[(key, link.child_id)] = link.weight
            totals[key] = link._total
    goal_nodes = (
        {n.obj.pk: n for n in _goal_nodes(goal_rows, actor=actor, settings_row=settings_row, today=today)}
        if goal_rows
        else {}
    )
    listings: dict[str, Listing] = {}
    for key, rows in sections.items():
        children = []
        for kind, row in rows[:PAGE]:  # goals, then teams, then people: each section arrived in order
            if kind == "goal":
                base = goal_nodes[row.pk]
                children.append(
                    Node(
                        kind="goal",
                        obj=row,
                        key=base.key,
                        count=base.count,
                        hidden=base.hidden,
                        health=base.health,
                        weight=weights.get((key, row.pk)),
                    )
                )
            else:  # a team or a person, summarised already
                children.append(replace(row))
        total = totals[key]
        count, average = summaries.get(key, (0, None))
        listings[key] = Listing(
            children=children,
            next_offset=PAGE if total > PAGE else None,
            remaining=max(0, total - PAGE),
            count=count,
            average=average,
        )
    return listings


# --- lookups for the tree and the filters --------------------------------------------


def team_get(*, actor: Membership, public_id) -> Team:
    return _get_or_404(Team.objects.for_org(actor.organization_id), public_id=public_id)


def person_get(*, actor: Membership, public_id) -> Membership:
    return _get_or_404(Membership.objects.for_org(actor.organization_id).select_related("user"), public_id=public_id)


def goal_get(*, actor: Membership, public_id) -> Goal:
    qs = visible_goals(actor=actor).select_related("cycle", "owner_member__user", "owner_member", "owner_team")
    return _get_or_404(qs, public_id=public_id)


def current_cycle(cycle_list: list[Cycle], today: date | None = None) -> Cycle | None:
    """The cycle containing today (the latest starting if several), else the next one, else the latest."""
    today = today or timezone.localdate()
    containing = [c for c in cycle_list if c.starts_on <= today <= c.ends_on]
    if containing:
        return max(containing, key=lambda c: c.starts_on)
    upcoming = [c for c in cycle_list if c.starts_on > today]
    if upcoming:
        return min(upcoming, key=lambda c: c.starts_on)
    return max(cycle_list, key=lambda c: c.starts_on) if cycle_list else None


def report_cycle(*, actor: Membership, cycle_list: list[Cycle], today: date | None = None) -> Cycle | None:
    """The cycle the "End-of-cycle report" tab opens (the last one that ended), for managers and admins only.

    Decided from the role alone, so the tab costs no query.
    """
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        return None
    today = today or timezone.localdate()
    ended = [c for c in cycle_list if c.ends_on < today]
    if ended:
        return max(ended, key=lambda c: c.ends_on)
    return current_cycle(cycle_list, today)


@dataclass
class Structure:
    """What only structural writes change, kept per process and structure version of the organization.

    Its teams (company, departments, teams; by name), its cycles (latest first), its goal
    settings and how many active people it has. Every write of a team, a cycle, the settings
    or a membership bumps the structure version (``core.dataversion``), so the next request
    reads them again; until then the rows are shared read-only between requests.
    """

    teams: list[Team]
    cycles: list[Cycle]
    settings: GoalSettings
    active_people: int
    _outline: list[Team] | None = None

    @property
    def outline(self) -> list[Team]:
        """``team_outline`` of the teams, made once (the same list until the structure changes)."""
        if self._outline is None:
            self._outline = team_outline(self.teams)
        return self._outline


def structure(*, actor: Membership) -> Structure:
    """The organization's kept structure: one Redis read; three queries only after a structural write.

    Cycles and settings are the goals app's kept ones (``goals.selectors.cycle_setup``, kept on the
    same structure version), latest cycle first here.
    """
    org = actor.organization_id

    def load() -> Structure:
        setup = cycle_setup(actor=actor)
        return Structure(
            teams=list(Team.objects.for_org(org).annotate(kind_order=KIND_ORDER).order_by("kind_order", "name")),
            cycles=setup.cycles[::-1],
            settings=setup.settings,
            active_people=Membership.objects.for_org(org).filter(is_active=True).count(),
        )

    return dataversion.per_structure(org, "alignment-structure", load)


def team_outline(all_teams: list[Team]) -> list[Team]:
    """Teams depth first (company, its departments, their teams), each with ``depth`` set, for a picker."""
    children: dict[int | None, list[Team]] = defaultdict(list)
    for team in all_teams:
        children[team.parent_id].append(team)
    known = {t.pk for t in all_teams}
    out: list[Team] = []
    placed: set[int] = set()

    def walk(parent_id, depth):
        for team in children.get(parent_id, []):
            if team.pk in placed:
                continue
            team.depth, team.indent = depth, "\u00a0\u00a0" * depth
            out.append(team)
            placed.add(team.pk)
            walk(team.pk, depth + 1)

    walk(None, 0)
    for team in all_teams:  # anything whose parent is outside the list
        if team.pk not in placed and team.parent_id not in known:
            team.depth, team.indent = 0, ""
            out.append(team)
            walk(team.pk, 1)
    return out


def team_subtree_ids(all_teams: list[Team], root: Team) -> list[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for team in all_teams:
        children[team.parent_id].append(team.pk)
    ids, stack = [], [root.pk]
    while stack:
        current = stack.pop()
        if current in ids:
            continue
        ids.append(current)
        stack.extend(children.get(current, []))
    return ids


def people(*, actor: Membership):
    """Active people, to validate the owner filter (the picker lists ``owner_choices``)."""
    return Membership.objects.for_org(actor.organization_id).filter(is_active=True).select_related("user")


OWNER_PICKER_LIMIT = 200


def owner_choices(*, actor: Membership, team_ids: list[int] | None, active_people: int) -> list[tuple[str, str]] | None:
    """(public id, name) of the people the owner picker lists: the chosen teams' (or everyone's); None when too many.

    ``active_people`` is the organization's count (``structure``): a large organization with no
    team chosen costs no query.
    """
    if team_ids is None and active_people > OWNER_PICKER_LIMIT:
        return None
    people = Membership.objects.for_org(actor.organization_id).filter(is_active=True)
    if team_ids is not None:
        people = people.filter(team_memberships__team_id__in=team_ids).distinct()
    rows = [
        (str(public_id), name)
        for public_id, name, _ in people.order_by("user__full_name", "id").values_list(
            "public_id", "user__full_name", "id"
        )[: OWNER_PICKER_LIMIT + 1]
    ]
    return rows if len(rows) <= OWNER_PICKER_LIMIT else None


def roots(all_teams: list[Team]) -> list[Team]:
    return [t for t in all_teams if t.parent_id is None]


def team_choices(*, actor: Membership):
    """Teams to validate a filter (a queryset, so a foreign id is simply not a valid choice).

    The picker itself lists the kept outline (``Structure.outline``), not these.
    """
    return Team.objects.for_org(actor.organization_id)


def node_summary(
    *, actor: Membership, kind: str, obj, scope: GoalScope, settings_row=None, today=None, listings=None
) -> Node:
    """A node closed: its one-line summary (one or two queries; none for a team in ``listings``)."""
    if kind == "team":
        return team_nodes(actor=actor, teams=[obj], scope=scope, listings=listings)[0]
    if kind == "person":
        return _person_node(_person_rows(actor, Membership.objects.filter(pk=obj.pk), scope).get())
    settings_row = settings_row or goal_settings(actor=actor)
    [node] = _goal_nodes([obj], actor=actor, settings_row=settings_row, today=today or timezone.localdate())
    return node


# --- search and filtered results -----------------------------------------------------


@dataclass
class PathStep:
    goal: Goal | None  # None: goals the actor cannot see
    hidden: int = 0
    health: RolledHealth | None = None
    current: bool = False
    weight: Decimal | None = None  # the weight of the link from this goal to the next one up the chain


@dataclass
class Result:
    node: Node
    path: list[PathStep]  # from the goal's first parent up to the top


@dataclass
class Results:
    rows: list[Result]
    total: int
    offset: int
    next_offset: int | None


def _in_teams(team_ids: list[int]) -> Q:
    members = TeamMembership.objects.filter(team_id__in=team_ids).values("membership_id")
    return Q(owner_team_id__in=team_ids) | Q(owner_member_id__in=members)


def goal_search(
    *,
    actor: Membership,
    scope: GoalScope,
    q: str = "",
    owner: Membership | None = None,
    team_ids: list[int] | None = None,
    status: str = "",
    offset: int = 0,
    settings_row=None,
    today=None,
) -> Results:
    """Visible goals matching the filters, each with its path to the top (a page of at most PAGE)."""
    today = today or timezone.localdate()
    settings_row = settings_row or goal_settings(actor=actor)
    qs = _scoped_goals(actor, scope)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(tags__icontains=q))
    if owner is not None:
        qs = qs.filter(owner_member=owner)
    if team_ids:
        qs = qs.filter(_in_teams(team_ids))
    qs = qs.order_by("title", "id")
    if status in PACE_CODES:
        ids = _ids_with_status(
            actor=actor, qs=qs.filter(status=GoalStatus.ACTIVE), status=status, settings_row=settings_row, today=today
        )
        total = len(ids)
        page_ids = ids[offset : offset + PAGE]
        by_id = {g.pk: g for g in Goal.objects.filter(pk__in=page_ids).select_related(*GOAL_RELATED)}
        goals = [by_id[i] for i in page_ids if i in by_id]
    else:
        if status:
            qs = qs.filter(status=status)
        goals = list(qs.select_related(*GOAL_RELATED)[offset : offset + PAGE + 1])
        total = offset + len(goals) if len(goals) <= PAGE else qs.count()
        goals = goals[:PAGE]
    nodes = _goal_nodes(goals, actor=actor, settings_row=settings_row, today=today)
    paths = first_paths(actor=actor, goals=goals)
    end = offset + PAGE
    return Results(
        rows=[Result(node=n, path=paths.get(n.obj.pk, [])) for n in nodes],
        total=total,
        offset=offset,
        next_offset=end if end < total else None,
    )


def _ids_with_status(*, actor, qs, status: str, settings_row, today) -> list[int]:
    """Ids (in ``qs`` order) whose rolled-up status is ``status``: two queries over slim rows."""
    rows = list(qs.values_list("id", *HEALTH_FIELDS))
    evidence = goals_evidence(qs.values("id"), settings_row, today)
    out = []
    for pk, *facts in rows:
        own = goal_health(as_goal(facts), settings_row, today)
        if rolled_health(own, evidence.get(pk, Evidence())).code == status:
            out.append(pk)
    return out


# --- paths to the top ----------------------------------------------------------------


def ancestor_links(goal_ids: list[int]) -> list[tuple[int, int, Decimal]]:
    """Every (child, parent, weight) link above the given goals: one recursive CTE."""
    if not goal_ids:
        return []
    marks = ", ".join(["%s"] * len(goal_ids))
    sql = f"""
        WITH RECURSIVE up(child_id, parent_id, weight, depth) AS (
            SELECT a.child_id, a.parent_id, a.weight, 1 FROM goals_goalalignment a WHERE a.child_id IN ({marks})
          UNION
            SELECT a.child_id, a.parent_id, a.weight, up.depth + 1 FROM goals_goalalignment a
            JOIN up ON a.child_id = up.parent_id WHERE up.depth < %s
        )
        SELECT DISTINCT child_id, parent_id, weight FROM up
    """  # noqa: S608 - only placeholders are interpolated
    with connection.cursor() as cur:
        cur.execute(sql, [*goal_ids, PATH_DEPTH])
        return [(c, p, Decimal(str(w))) for c, p, w in cur.fetchall()]


def _all_paths(start: int, parents: dict[int, list[int]], limit: int = MAX_PATHS) -> list[list[int]]:
    """Chains of goal ids from ``start`` up to goals with no parent (at most ``limit``)."""
    paths: list[list[int]] = []
    stack = [[start]]
    while stack and len(paths) < limit:
        chain = stack.pop()
        ups = [p for p in parents.get(chain[-1], []) if p not in chain]
        if not ups or len(chain) > PATH_DEPTH:
            paths.append(chain)
            continue
        for parent in reversed(ups):
            stack.append([*chain, parent])
    return paths


def _steps(chain: list[int], goals: dict[int, Goal], weights: dict | None = None) -> list[PathStep]:
    """A chain of ids (bottom up) as steps; consecutive goals the actor cannot see become one placeholder."""
    steps: list[PathStep] = []
    for index, goal_id in enumerate(chain):
        goal = goals.get(goal_id)
        if goal is None:
            if steps and steps[-1].goal is None:
                steps[-1].hidden += 1
            else:
                steps.append(PathStep(goal=None, hidden=1))
        else:
            up = chain[index + 1] if index + 1 < len(chain) else None
            steps.append(PathStep(goal=goal, weight=(weights or {}).get((goal_id, up))))
    return steps


def _paths_context(actor: Membership, goal_ids: list[int]):
    links = ancestor_links(goal_ids)
    parents: dict[int, list[int]] = defaultdict(list)
    for child, parent, _ in sorted(links):
        parents[child].append(parent)
    ids = {p for _, p, _ in links}
    goals = (
        {g.pk: g for g in visible_goals(actor=actor).filter(pk__in=ids).select_related(*GOAL_RELATED)} if ids else {}
    )
    return parents, goals, {(c, p): w for c, p, w in links}


def first_paths(*, actor: Membership, goals: list[Goal]) -> dict[int, list[PathStep]]:
    """For each goal, its first chain of parents up to the top, hidden goals collapsed (two queries)."""
    parents, visible, _ = _paths_context(actor, [g.pk for g in goals])
    out = {}
    for goal in goals:
        chain = _all_paths(goal.pk, parents, limit=1)[0][1:]
        out[goal.pk] = _steps(chain, visible)
    return out


@dataclass
class GoalPaths:
    goal: Goal
    health: RolledHealth
    paths: list[list[PathStep]]  # each from the top down to the goal itself
    health_of: dict[int, RolledHealth]
    truncated: bool
    contributors: int
    hidden_contributors: int


def goal_paths(*, actor: Membership, goal: Goal, today=None) -> GoalPaths:
    """Every chain from a goal up to the top ("why does this matter?"), top first."""
    today = today or timezone.localdate()
    settings_row = goal_settings(actor=actor)
    parents, visible, weights = _paths_context(actor, [goal.pk])
    chains = _all_paths(goal.pk, parents, limit=MAX_PATHS + 1)
    truncated = len(chains) > MAX_PATHS
    visible[goal.pk] = goal
    nodes = _goal_nodes(list(visible.values()), actor=actor, settings_row=settings_row, today=today)
    health_of = {n.obj.pk: n.health for n in nodes}
    me = next(n for n in nodes if n.obj.pk == goal.pk)
    paths = [list(reversed(_steps(chain, visible, weights))) for chain in chains[:MAX_PATHS]]
    for path in paths:
        for step in path:
            if step.goal is not None:
                step.health, step.current = health_of[step.goal.pk], step.goal.pk == goal.pk
    paths.sort(key=len, reverse=True)
    return GoalPaths(
        goal=goal,
        health=health_of[goal.pk],
        paths=[p for p in paths if len(p) > 1],
        health_of=health_of,
        truncated=truncated,
        contributors=me.count,
        hidden_contributors=me.hidden,
    )


# --- gaps ----------------------------------------------------------------------------


@dataclass
class Section:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _section(qs) -> Section:
    rows = list(qs[: PAGE + 1])
    if len(rows) <= PAGE:
        return Section(rows=rows, total=len(rows))
    return Section(rows=rows[:PAGE], total=qs.count())


@dataclass
class Gaps:
    cycle: Cycle | None
    unaligned: Section
    unsupported: Section
    idle_people: Section
    stale: Section
    since: date


def gaps(
    *, actor: Membership, cycle: Cycle | None, team_ids: list[int] | None = None, settings_row=None, now=None
) -> Gaps:
    """Where alignment is missing in a cycle: four lists, each at most PAGE rows plus a count.

    Goal rows carry ``health`` (their own status: gaps are about missing links, not roll-ups).
    """
    now = now or timezone.now()
    settings_row = settings_row or goal_settings(actor=actor)
    today = timezone.localdate(now)
    since = now - timedelta(days=STALE_DAYS)
    open_statuses = (GoalStatus.ACTIVE, GoalStatus.DRAFT)
    visible = visible_goals(actor=actor).select_related(*GOAL_RELATED)
    in_cycle = visible.filter(cycle=cycle) if cycle else visible.filter(cycle__isnull=True)
    if team_ids:
        in_cycle = in_cycle.filter(_in_teams(team_ids))
    any_parent = GoalAlignment.objects.filter(child_id=OuterRef("pk"))
    any_child = GoalAlignment.objects.filter(parent_id=OuterRef("pk")).exclude(child__status=GoalStatus.DROPPED)
    unaligned = (
        in_cycle.filter(status__in=open_statuses)
        .exclude(owner_team__kind=TeamKind.COMPANY)
        .filter(~Exists(any_parent))
        .order_by("owner_team__name", "owner_member__user__full_name", "title")
    )
    objectives = visible.filter(owner_team__isnull=False, status__in=open_statuses)
    objectives = objectives.filter(Q(cycle=cycle) | Q(cycle__isnull=True)) if cycle else objectives
    if team_ids:
        objectives = objectives.filter(owner_team_id__in=team_ids)
    unsupported = (
        objectives.filter(~Exists(any_child)).order_by(
            "owner_team__kind", "owner_team__name", "title"
        )  # company < department < team
    )
    # People: every goal counts here (a private active goal is an active goal), none is shown.
    has_active = Goal.objects.filter(owner_member_id=OuterRef("pk"), status=GoalStatus.ACTIVE)
    has_active = has_active.filter(Q(cycle=cycle) | Q(cycle__isnull=True)) if cycle else has_active
    idle = Membership.objects.for_org(actor.organization_id).filter(is_active=True).filter(~Exists(has_active))
    if team_ids:
        idle = idle.filter(team_memberships__team_id__in=team_ids).distinct()
    idle = idle.select_related("user").order_by("user__full_name")
    recent = CheckIn.objects.filter(goal_id=OuterRef("pk"), created_at__gte=since)
    last = CheckIn.objects.filter(goal_id=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    stale = (
        visible.filter(Q(cycle=cycle) | Q(cycle__isnull=True) if cycle else Q(cycle__isnull=True))
        .filter(status=GoalStatus.ACTIVE, created_at__lt=since)
        .filter(_in_teams(team_ids) if team_ids else Q())
        .filter(~Exists(recent))
        .annotate(last_checkin=Subquery(last))
        .order_by(F("last_checkin").asc(nulls_first=True), "title")
    )
    result = Gaps(
        cycle=cycle,
        unaligned=_section(unaligned),
        unsupported=_section(unsupported),
        idle_people=_section(idle),
        stale=_section(stale),
        since=timezone.localdate(since),
    )
    for section in (result.unaligned, result.unsupported, result.stale):
        for goal in section.rows:
            goal.health = goal_health(goal, settings_row, today)
    return result


# --- end-of-cycle report -------------------------------------------------------------


def can_view_report(actor: Membership) -> bool:
    """Admins, managers and anyone who manages a team or has people reporting to them."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return True
    return (
        TeamMembership.objects.filter(membership_id=actor.pk, role=TeamRole.MANAGER).exists()
        or Membership.objects.filter(line_manager_id=actor.pk, is_active=True).exists()
    )


@dataclass
class ReportRow:
    goal: Goal
    owner: str
    team: str


@dataclass
class Report:
    cycle: Cycle
    team: Team | None
    rows: list[ReportRow]
    counts: dict[str, int] = field(default_factory=dict)
    average_score: float | None = None
    average_progress: float | None = None
    is_over: bool = True

    @property
    def closed(self) -> int:
        return self.counts.get("achieved", 0) + self.counts.get("missed", 0) + self.counts.get("dropped", 0)

    @property
    def still_open(self) -> int:
        return self.counts.get("active", 0) + self.counts.get("draft", 0)

    @property
    def hit_rate(self) -> float | None:
        decided = self.counts.get("achieved", 0) + self.counts.get("missed", 0)
        return self.counts.get("achieved", 0) / decided if decided else None


def cycle_get(*, actor: Membership, public_id) -> Cycle:
    return _get_or_404(Cycle.objects.for_org(actor.organization_id), public_id=public_id)


def cycle_report(
    *, actor: Membership, cycle: Cycle, team: Team | None = None, team_ids: list[int] | None = None, today=None
) -> Report:
    """Every goal of a cycle the actor can see: outcome, score, progress, reflections (two queries)."""
    today = today or timezone.localdate()
    qs = visible_goals(actor=actor).filter(cycle=cycle)
    if team_ids:
        qs = qs.filter(_in_teams(team_ids))
    goals = list(
        qs.select_related("owner_member__user", "owner_team")
        .annotate(team_first=Coalesce("owner_team__name", Value("~")))
        .order_by("team_first", "owner_member__user__full_name", "title", "id")
    )
    member_ids = {g.owner_member_id for g in goals if g.owner_member_id}
    team_names: dict[int, list[str]] = defaultdict(list)
    for membership_id, name in (
        TeamMembership.objects.filter(membership_id__in=member_ids)
        .order_by("team__name")
        .values_list("membership_id", "team__name")
        if member_ids
        else []
    ):
        team_names[membership_id].append(name)
    rows = []
    counts: dict[str, int] = defaultdict(int)
    for goal in goals:
        counts[goal.status] += 1
        if goal.owner_team_id:
            rows.append(ReportRow(goal=goal, owner=goal.owner_team.name, team=goal.owner_team.name))
        else:
            rows.append(
                ReportRow(
                    goal=goal,
                    owner=goal.owner_member.user.full_name,
                    team=", ".join(team_names.get(goal.owner_member_id, [])),
                )
            )
    scores = [float(g.score) for g in goals if g.score is not None]
    counted = [g.progress for g in goals if g.status != GoalStatus.DROPPED]
    return Report(
        cycle=cycle,
        team=team,
        rows=rows,
        counts=dict(counts),
        average_score=sum(scores) / len(scores) if scores else None,
        average_progress=sum(counted) / len(counted) if counted else None,
        is_over=cycle.ends_on < today,
    )


# --- the alignment panel of one goal --------------------------------------------------


@dataclass
class LinkRow:
    link: GoalAlignment
    goal: Goal  # the other end
    health: RolledHealth
    can_change: bool


@dataclass
class KRRow:
    kr: KeyResult
    own: float
    parent: KeyResult | None
    parent_visible: bool
    contributors: list[KeyResult]
    hidden_contributors: int

    @property
    def has_contributors(self) -> bool:
        return bool(self.contributors) or self.hidden_contributors > 0


@dataclass
class Panel:
    goal: Goal
    health: RolledHealth
    can_edit: bool
    parents: list[LinkRow]
    hidden_parents: int
    children: list[LinkRow]
    hidden_children: int
    suggestions: list[Goal]
    krs: list[KRRow]
    kr_targets: list[KeyResult]
    settings: GoalSettings
    q: str = ""
    found: list[Goal] = field(default_factory=list)

    @property
    def has_kr_links(self) -> bool:
        return any(row.parent or row.has_contributors for row in self.krs)


def link_parent_choices(*, actor: Membership):
    """Goals a link may point to (the form validates against these): visible, open, this organization."""
    return visible_goals(actor=actor).filter(status__in=(GoalStatus.ACTIVE, GoalStatus.DRAFT))


def kr_target_choices(*, actor: Membership):
    return KeyResult.objects.filter(
        organization_id=actor.organization_id, goal_id__in=link_parent_choices(actor=actor).values("id")
    )


def link_get(*, actor: Membership, public_id) -> GoalAlignment:
    """A link the actor can see at least one end of (they act on it only if they can edit an end)."""
    visible = visible_goals(actor=actor).values("id")
    qs = (
        GoalAlignment.objects.filter(organization_id=actor.organization_id)
        .filter(Q(child_id__in=visible) | Q(parent_id__in=visible))
        .select_related("child__owner_member", "parent__owner_member", "child__cycle", "parent__cycle")
    )
    return _get_or_404(qs, public_id=public_id)


def key_result_get(*, actor: Membership, public_id) -> KeyResult:
    visible = visible_goals(actor=actor).values("id")
    qs = KeyResult.objects.filter(organization_id=actor.organization_id, goal_id__in=visible).select_related(
        "goal__owner_member", "goal__cycle"
    )
    return _get_or_404(qs, public_id=public_id)


def _suggestions(actor: Membership, goal: Goal, exclude_ids: set[int], limit: int = 60) -> list[Goal]:
    """Likely parents: open team objectives in an overlapping cycle (or open-ended), and the line manager's goals."""
    qs = link_parent_choices(actor=actor).exclude(pk__in=exclude_ids | {goal.pk})
    if goal.cycle_id:
        qs = qs.filter(
            Q(cycle__isnull=True)
            | Q(cycle__starts_on__lte=goal.cycle.ends_on, cycle__ends_on__gte=goal.cycle.starts_on)
        )
    scope = Q(owner_team__isnull=False)
    if goal.owner_member_id and goal.owner_member.line_manager_id:
        scope |= Q(owner_member_id=goal.owner_member.line_manager_id)
    return list(
        qs.filter(scope)
        .select_related("owner_team", "owner_member__user", "cycle")
        .order_by(F("owner_team__kind").asc(nulls_last=True), "owner_team__name", "title")[:limit]
    )


def alignment_panel(*, actor: Membership, goal: Goal, q: str = "", today=None) -> Panel:
    """Everything the goal's alignment panel shows: about ten queries."""
    today = today or timezone.localdate()
    settings_row = goal_settings(actor=actor)
    links = list(
        GoalAlignment.objects.filter(Q(child=goal) | Q(parent=goal))
        .annotate(
            parent_visible=Exists(visible_goals(actor=actor).filter(pk=OuterRef("parent_id"))),
            child_visible=Exists(visible_goals(actor=actor).filter(pk=OuterRef("child_id"))),
        )
        .select_related(
            "child__owner_member__user",
            "child__owner_team",
            "child__cycle",
            "parent__owner_member__user",
            "parent__owner_team",
            "parent__cycle",
        )
        .order_by("-weight", "id")
    )
    up = [link for link in links if link.child_id == goal.pk]
    down = [link for link in links if link.parent_id == goal.pk]
    for link in up:
        link.other_visible = link.parent_visible
    for link in down:
        link.other_visible = link.child_visible
    others = [link.parent for link in up if link.other_visible] + [link.child for link in down if link.other_visible]
    nodes = {n.obj.pk: n for n in _goal_nodes([goal, *others], actor=actor, settings_row=settings_row, today=today)}
    can_edit = can_edit_goal(actor, goal)

    def rows(selected, end: str) -> list[LinkRow]:
        out = []
        for link in selected:
            if not link.other_visible:
                continue
            other = getattr(link, end)
            if end == "child" and other.status == GoalStatus.DROPPED:
                continue
            out.append(
                LinkRow(link=link, goal=other, health=nodes[other.pk].health, can_change=can_change_link(actor, link))
            )
        return out

    parents = rows(up, "parent")
    children = rows(down, "child")
    live_children = [link for link in down if link.child.status != GoalStatus.DROPPED]
    krs = list(goal.key_results.select_related("contributes_to__goal").order_by("position", "id"))
    contributors = list(
        KeyResult.objects.filter(contributes_to__goal=goal)
        .exclude(goal__status=GoalStatus.DROPPED)
        .annotate(goal_visible=Exists(visible_goals(actor=actor).filter(pk=OuterRef("goal_id"))))
        .select_related("goal__owner_member__user", "goal__owner_team")
        .order_by("goal__title", "title")
    )
    parent_visible = (
        set(
            visible_goals(actor=actor)
            .filter(pk__in=[kr.contributes_to.goal_id for kr in krs if kr.contributes_to_id])
            .values_list("pk", flat=True)
        )
        if any(kr.contributes_to_id for kr in krs)
        else set()
    )
    by_parent: dict[int, list[KeyResult]] = defaultdict(list)
    for c in contributors:
        by_parent[c.contributes_to_id].append(c)
    kr_rows = [
        KRRow(
            kr=kr,
            own=kr.compute_progress(),
            parent=kr.contributes_to,
            parent_visible=bool(kr.contributes_to_id) and kr.contributes_to.goal_id in parent_visible,
            contributors=[c for c in by_parent[kr.pk] if c.goal_visible],
            hidden_contributors=sum(1 for c in by_parent[kr.pk] if not c.goal_visible),
        )
        for kr in krs
    ]
    targets: list[KeyResult] = []
    if can_edit and krs and not goal.is_closed:
        open_parents = [link.parent_id for link in up if link.other_visible and not link.parent.is_closed]
        if open_parents:
            targets = list(
                KeyResult.objects.filter(goal_id__in=open_parents)
                .select_related("goal")
                .order_by("goal__title", "position", "id")
            )
    suggestions = _suggestions(actor, goal, {link.parent_id for link in up}) if can_edit and not goal.is_closed else []
    return Panel(
        goal=goal,
        health=nodes[goal.pk].health,
        can_edit=can_edit,
        parents=parents,
        hidden_parents=sum(1 for link in up if not link.other_visible),
        children=children,
        hidden_children=sum(1 for link in live_children if not link.other_visible),
        suggestions=suggestions,
        krs=kr_rows,
        kr_targets=targets,
        settings=settings_row,
        q=q,
        found=parent_search(actor=actor, goal=goal, q=q) if can_edit and not goal.is_closed else [],
    )


def parent_search(*, actor: Membership, goal: Goal, q: str, limit: int = 30) -> list[Goal]:
    """Open goals whose title matches, for linking to a goal outside the suggestions."""
    if not q:
        return []
    return list(
        link_parent_choices(actor=actor)
        .exclude(pk=goal.pk)
        .filter(title__icontains=q)
        .select_related("owner_team", "owner_member__user", "cycle")
        .order_by("title")[:limit]
    )


def visibility_label(goal: Goal) -> str:
    return {Visibility.TEAM: "team only", Visibility.PRIVATE: "private"}.get(goal.visibility, "")
