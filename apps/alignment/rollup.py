"""Progress roll-up across the alignment graph: the rules, a reference computation, the full recompute.

The rules
---------
A goal's stored progress is the weighted mean (``goals.progress.weighted_mean``:
zero weights do not count; when every weight is zero the parts count equally)
of its parts, chosen by the organization's ``GoalSettings.rollup_mode``:

* ``krs`` — its own key results (a milestone plan without key results: its
  steps, a done step counting 1);
* ``children`` — the goals aligned to it, each with its link weight; a goal
  with no (non-dropped) aligned goals keeps being measured by its own parts;
* ``both`` — own parts and aligned goals together.

Dropped goals never count for anything above them. A goal with nothing to
measure is 100 % when achieved and 0 % otherwise. These are the rules
``goals.services.goal_recompute_progress`` applies on every write; this module
adds key result → key result contributions and recomputes everything at once.

Key result → key result contributions
-------------------------------------
``KeyResult.contributes_to`` makes one key result count toward another
(typically a person's key result toward their team's). A key result with
contributors stores the **plain mean of its own measured progress and each
contributor's stored progress** — every part counts once::

    progress(parent KR) = (own + c₁ + … + cₙ) / (n + 1)

where ``own`` is ``(current − start) / (target − start)`` clamped to 0–1 (the
usual key result arithmetic) and ``cᵢ`` are the contributors' stored progress
(themselves combined the same way when they have contributors). Contributors
whose goal is dropped do not count. We chose a mean of progress, not a sum of
values, because contributors rarely share a unit (a person's "calls made"
toward a team's "pipeline in EUR"), and progress is always comparable. A key
result never counts toward itself, toward a key result of its own goal, or
(transitively) toward one that counts toward it.

The goal-level roll-up then uses the key result's stored (combined) progress
like any other.

Private goals in roll-ups
-------------------------
A goal somebody cannot see **still counts in the numbers** they see: a team
objective's 62 % is the same 62 % for everyone, so it can be trusted and
compared, and nobody can make a parent look better or worse by hiding a
child. What is never shown to someone who cannot see a goal is the goal
itself: its title, owner, link, progress or status. Pages that explain a
number say only how many parts they cannot show ("and 1 aligned goal you
cannot see"). The same holds for status evidence ("2 of 5 contributing goals
off track" counts hidden goals, never names them).

The full recompute
------------------
``rollup_recompute_all(organization)`` rebuilds every stored key result and
goal progress of one organization from the raw values. On PostgreSQL it is
set-based: key results and goals are copied to temporary tables, a recursive
CTE gives every node its height (longest path down to a leaf), and one
``UPDATE … FROM (aggregate)`` per height level fills in progress bottom-up
(a handful of statements whatever the size). Elsewhere (SQLite in
development) it runs ``compute_rollup`` — the pure-Python reference the tests
compare both paths with — and writes the changed rows back.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from apps.goals import progress as arithmetic
from apps.goals.models import Goal, GoalAlignment, GoalSettings, GoalStatus, KeyResult, Milestone

DROPPED = GoalStatus.DROPPED.value
ACHIEVED = GoalStatus.ACHIEVED.value
TOLERANCE = 1e-12  # rows whose stored value differs by less are left alone


def kr_combined_progress(own: float, contributors: Iterable[float]) -> float:
    """A key result's progress: its own measured progress and its contributors', each counting once."""
    parts = [(own, 1)] + [(value, 1) for value in contributors]
    return arithmetic.weighted_mean(parts) if len(parts) > 1 else arithmetic.clamp(own)


# --- the reference computation -------------------------------------------------------


@dataclass(frozen=True)
class GoalFact:
    id: int
    status: str
    framework: str


@dataclass(frozen=True)
class KRFact:
    id: int
    goal_id: int
    parent_id: int | None
    own: float
    weight: float
    position: int = 0


@dataclass(frozen=True)
class MilestoneFact:
    goal_id: int
    done: bool
    weight: float


@dataclass(frozen=True)
class LinkFact:
    child_id: int
    parent_id: int
    weight: float


@dataclass
class Snapshot:
    """Everything the roll-up reads, as plain values."""

    mode: str
    goals: list[GoalFact] = field(default_factory=list)
    krs: list[KRFact] = field(default_factory=list)
    milestones: list[MilestoneFact] = field(default_factory=list)
    links: list[LinkFact] = field(default_factory=list)


def _postorder(roots: Iterable[int], children: dict[int, list[int]]) -> list[int]:
    """Nodes reachable from ``roots`` with every node after all of its children (iterative DFS)."""
    order: list[int] = []
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(children.get(root, ())))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(children.get(nxt, ()))))
            elif state[nxt] == 1:
                raise ValueError("The alignment graph has a loop.")
    return order


def compute_rollup(snapshot: Snapshot) -> tuple[dict[int, float], dict[int, float]]:
    """(goal id → progress, key result id → progress) by the rules above, in pure Python."""
    status = {g.id: g.status for g in snapshot.goals}
    framework = {g.id: g.framework for g in snapshot.goals}

    # Key results first: they depend only on their contributors.
    kr_by_id = {kr.id: kr for kr in snapshot.krs}
    kr_children: dict[int, list[int]] = defaultdict(list)
    for kr in snapshot.krs:
        if kr.parent_id is not None and kr.parent_id in kr_by_id:
            kr_children[kr.parent_id].append(kr.id)
    kr_value: dict[int, float] = {}
    for kr_id in _postorder(kr_by_id, kr_children):
        kr = kr_by_id[kr_id]
        counted = [kr_value[c] for c in kr_children[kr_id] if status.get(kr_by_id[c].goal_id) != DROPPED]
        kr_value[kr_id] = kr_combined_progress(kr.own, counted)

    own_krs: dict[int, list[KRFact]] = defaultdict(list)
    for kr in sorted(snapshot.krs, key=lambda k: (k.position, k.id)):
        own_krs[kr.goal_id].append(kr)
    own_steps: dict[int, list[MilestoneFact]] = defaultdict(list)
    for ms in snapshot.milestones:
        own_steps[ms.goal_id].append(ms)
    goal_children: dict[int, list[LinkFact]] = defaultdict(list)
    for link in snapshot.links:
        if link.parent_id in status and link.child_id in status:
            goal_children[link.parent_id].append(link)

    use_children = snapshot.mode in (GoalSettings.RollupMode.CHILDREN, GoalSettings.RollupMode.BOTH)
    goal_value: dict[int, float] = {}
    children_ids = {gid: [link.child_id for link in links] for gid, links in goal_children.items()}
    for goal_id in _postorder(status, children_ids):
        child_parts: list[tuple[float, float]] = []
        if use_children:
            child_parts = [
                (goal_value[link.child_id], link.weight)
                for link in goal_children[goal_id]
                if status[link.child_id] != DROPPED
            ]
        parts: list[tuple[float, float]] = []
        if snapshot.mode != GoalSettings.RollupMode.CHILDREN or not child_parts:
            if framework[goal_id] == "plan" and not own_krs[goal_id]:
                parts = [(1.0 if ms.done else 0.0, ms.weight) for ms in own_steps[goal_id]]
            else:
                parts = [(kr_value[kr.id], kr.weight) for kr in own_krs[goal_id]]
        parts += child_parts
        if parts:
            goal_value[goal_id] = arithmetic.weighted_mean(parts)
        else:
            goal_value[goal_id] = 1.0 if status[goal_id] == ACHIEVED else 0.0
    return goal_value, kr_value


def load_snapshot(organization_id: int) -> Snapshot:
    """Read one organization's roll-up inputs (four queries plus the settings row)."""
    settings_row, _ = GoalSettings.objects.get_or_create(organization_id=organization_id)
    snapshot = Snapshot(mode=settings_row.rollup_mode)
    snapshot.goals = [
        GoalFact(id=i, status=s, framework=f)
        for i, s, f in Goal.objects.filter(organization_id=organization_id).values_list("id", "status", "framework")
    ]
    for kr in KeyResult.objects.filter(organization_id=organization_id).only(
        "id",
        "goal_id",
        "contributes_to_id",
        "start_value",
        "target_value",
        "current_value",
        "direction",
        "metric_type",
        "weight",
        "position",
    ):
        snapshot.krs.append(
            KRFact(
                id=kr.id,
                goal_id=kr.goal_id,
                parent_id=kr.contributes_to_id,
                own=kr.compute_progress(),
                weight=float(kr.weight),
                position=kr.position,
            )
        )
    snapshot.milestones = [
        MilestoneFact(goal_id=g, done=done is not None, weight=float(w))
        for g, done, w in Milestone.objects.filter(organization_id=organization_id).values_list(
            "goal_id", "completed_at", "weight"
        )
    ]
    snapshot.links = [
        LinkFact(child_id=c, parent_id=p, weight=float(w))
        for c, p, w in GoalAlignment.objects.filter(organization_id=organization_id).values_list(
            "child_id", "parent_id", "weight"
        )
    ]
    return snapshot


# --- the full recompute --------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    goals: int  # goals in the organization
    key_results: int
    goals_changed: int
    key_results_changed: int
    levels: int  # height levels of the goal graph (1 when nothing is aligned)
    seconds: float
    method: str  # "sql" or "python"


def rollup_recompute_all(organization) -> RecomputeResult:
    """Recompute every stored key result and goal progress of one organization from raw values."""
    organization_id = getattr(organization, "pk", organization)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            counts = _recompute_sql(organization_id)
            method = "sql"
        else:
            counts = _recompute_python(organization_id)
            method = "python"
    return RecomputeResult(**counts, seconds=time.perf_counter() - started, method=method)


def _recompute_python(organization_id: int) -> dict:
    snapshot = load_snapshot(organization_id)
    goal_value, kr_value = compute_rollup(snapshot)
    stored_krs = dict(KeyResult.objects.filter(organization_id=organization_id).values_list("id", "progress"))
    stored_goals = dict(Goal.objects.filter(organization_id=organization_id).values_list("id", "progress"))
    kr_changes = [KeyResult(id=i, progress=v) for i, v in kr_value.items() if abs(stored_krs[i] - v) > TOLERANCE]
    goal_changes = [Goal(id=i, progress=v) for i, v in goal_value.items() if abs(stored_goals[i] - v) > TOLERANCE]
    KeyResult.objects.bulk_update(kr_changes, ["progress"], batch_size=500)
    Goal.objects.bulk_update(goal_changes, ["progress"], batch_size=500)
    children: dict[int, list[int]] = defaultdict(list)
    for link in snapshot.links:
        children[link.parent_id].append(link.child_id)
    height: dict[int, int] = {}
    for goal_id in _postorder(goal_value, children):
        height[goal_id] = max((height[c] + 1 for c in children.get(goal_id, ()) if c in height), default=0)
    return {
        "goals": len(goal_value),
        "key_results": len(kr_value),
        "goals_changed": len(goal_changes),
        "key_results_changed": len(kr_changes),
        "levels": max(height.values(), default=0) + 1 if height else 0,
    }


# Own measured progress of a key result, exactly as ``goals.progress.kr_progress`` computes it.
_KR_OWN_SQL = """
CASE
  WHEN k.metric_type IN ('boolean', 'milestone') THEN CASE WHEN k.current_value >= 1 THEN 1.0 ELSE 0.0 END
  WHEN k.direction = 'at_least' THEN CASE WHEN k.current_value >= k.target_value THEN 1.0 ELSE 0.0 END
  WHEN k.direction = 'at_most' THEN CASE WHEN k.current_value <= k.target_value THEN 1.0 ELSE 0.0 END
  WHEN k.target_value = k.start_value THEN CASE WHEN k.current_value = k.target_value THEN 1.0 ELSE 0.0 END
  ELSE GREATEST(0.0, LEAST(1.0, ((k.current_value - k.start_value) / (k.target_value - k.start_value))::float8))
END::float8
"""

MAX_LEVELS = 1000  # a guard: alignment_link refuses loops, so real graphs are a few levels deep


def _recompute_sql(organization_id: int) -> dict:
    mode = GoalSettings.objects.get_or_create(organization_id=organization_id)[0].rollup_mode
    use_children = mode in (GoalSettings.RollupMode.CHILDREN, GoalSettings.RollupMode.BOTH)
    children_only = mode == GoalSettings.RollupMode.CHILDREN
    org = {"org": organization_id}
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS _al_kr; DROP TABLE IF EXISTS _al_goal")
        # 1. Key results: own measured progress, then contributors level by level.
        cur.execute(
            f"""
            CREATE TEMP TABLE _al_kr ON COMMIT DROP AS
            SELECT k.id, k.goal_id, k.contributes_to_id AS parent_id, k.weight::float8 AS weight,
                   (g.status = 'dropped') AS dropped, {_KR_OWN_SQL} AS own, 0::float8 AS progress, 0 AS lvl
            FROM goals_keyresult k JOIN goals_goal g ON g.id = k.goal_id
            WHERE k.organization_id = %(org)s
            """,  # noqa: S608 - only module constants are interpolated
            org,
        )
        cur.execute("CREATE INDEX ON _al_kr (id); CREATE INDEX ON _al_kr (parent_id); CREATE INDEX ON _al_kr (goal_id)")
        cur.execute(
            """
            WITH RECURSIVE up(id, lvl) AS (
                SELECT k.id, 0 FROM _al_kr k WHERE NOT EXISTS (SELECT 1 FROM _al_kr c WHERE c.parent_id = k.id)
              UNION
                SELECT k.parent_id, up.lvl + 1 FROM up JOIN _al_kr k ON k.id = up.id
                WHERE k.parent_id IS NOT NULL AND up.lvl < %(max)s
            )
            UPDATE _al_kr SET lvl = m.lvl FROM (SELECT id, max(lvl) AS lvl FROM up GROUP BY id) m
            WHERE _al_kr.id = m.id
            """,
            {"max": MAX_LEVELS},
        )
        cur.execute("ANALYZE _al_kr")
        cur.execute("SELECT coalesce(max(lvl), 0), count(*) FROM _al_kr")
        kr_levels, kr_count = cur.fetchone()
        if kr_levels >= MAX_LEVELS:
            raise RuntimeError("Key result contributions form a loop; recompute refused.")
        cur.execute("UPDATE _al_kr SET progress = own WHERE lvl = 0")
        for level in range(1, kr_levels + 1):
            cur.execute(
                """
                UPDATE _al_kr p SET progress = CASE WHEN c.n > 0 THEN (p.own + c.s) / (1 + c.n) ELSE p.own END
                FROM (
                    SELECT p2.id, count(ch.id) AS n, coalesce(sum(ch.progress), 0) AS s
                    FROM _al_kr p2 LEFT JOIN _al_kr ch ON ch.parent_id = p2.id AND NOT ch.dropped
                    WHERE p2.lvl = %(lvl)s GROUP BY p2.id
                ) c
                WHERE p.id = c.id
                """,
                {"lvl": level},
            )
        cur.execute(
            """
            UPDATE goals_keyresult k SET progress = t.progress FROM _al_kr t
            WHERE k.id = t.id AND abs(k.progress - t.progress) > %(tol)s
            """,
            {"tol": TOLERANCE},
        )
        krs_changed = cur.rowcount

        # 2. Goals: own parts aggregated once, then aligned goals level by level.
        cur.execute(
            """
            CREATE TEMP TABLE _al_goal ON COMMIT DROP AS
            SELECT g.id, g.status, g.framework, 0 AS lvl, 0::bigint AS own_n, 0::float8 AS own_w,
                   0::float8 AS own_pw, 0::float8 AS own_ps, 0::float8 AS progress
            FROM goals_goal g WHERE g.organization_id = %(org)s
            """,
            org,
        )
        cur.execute("CREATE INDEX ON _al_goal (id)")
        cur.execute(
            """
            UPDATE _al_goal t SET own_n = a.n, own_w = a.w, own_pw = a.pw, own_ps = a.ps
            FROM (
                SELECT goal_id, count(*) AS n,
                       coalesce(sum(weight) FILTER (WHERE weight > 0), 0) AS w,
                       coalesce(sum(progress * weight) FILTER (WHERE weight > 0), 0) AS pw,
                       sum(progress) AS ps
                FROM _al_kr GROUP BY goal_id
            ) a
            WHERE t.id = a.goal_id
            """
        )
        cur.execute(
            """
            UPDATE _al_goal t SET own_n = a.n, own_w = a.w, own_pw = a.pw, own_ps = a.ps
            FROM (
                SELECT goal_id, count(*) AS n,
                       coalesce(sum(weight::float8) FILTER (WHERE weight > 0), 0) AS w,
                       coalesce(sum(CASE WHEN completed_at IS NOT NULL THEN weight::float8 ELSE 0 END)
                                FILTER (WHERE weight > 0), 0) AS pw,
                       sum(CASE WHEN completed_at IS NOT NULL THEN 1.0 ELSE 0.0 END)::float8 AS ps
                FROM goals_milestone WHERE organization_id = %(org)s GROUP BY goal_id
            ) a
            WHERE t.id = a.goal_id AND t.framework = 'plan' AND t.own_n = 0
            """,
            org,
        )
        cur.execute(
            """
            WITH RECURSIVE up(id, lvl) AS (
                SELECT g.id, 0 FROM _al_goal g
                WHERE NOT EXISTS (SELECT 1 FROM goals_goalalignment a WHERE a.parent_id = g.id)
              UNION
                SELECT a.parent_id, up.lvl + 1 FROM up JOIN goals_goalalignment a ON a.child_id = up.id
                WHERE up.lvl < %(max)s
            )
            UPDATE _al_goal SET lvl = m.lvl FROM (SELECT id, max(lvl) AS lvl FROM up GROUP BY id) m
            WHERE _al_goal.id = m.id
            """,
            {"max": MAX_LEVELS},
        )
        cur.execute("CREATE INDEX ON _al_goal (lvl); ANALYZE _al_goal")
        cur.execute("SELECT coalesce(max(lvl), 0), count(*) FROM _al_goal")
        goal_levels, goal_count = cur.fetchone()
        if goal_levels >= MAX_LEVELS:
            raise RuntimeError("Goal alignment forms a loop; recompute refused.")
        # Which parts count, by the organization's mode (a constant for this run).
        own_used = "TRUE" if not children_only else "(x.cn = 0)"
        child_used = "TRUE" if use_children else "FALSE"
        n = f"(CASE WHEN {own_used} THEN t.own_n ELSE 0 END + CASE WHEN {child_used} THEN x.cn ELSE 0 END)"
        w = f"(CASE WHEN {own_used} THEN t.own_w ELSE 0 END + CASE WHEN {child_used} THEN x.cw ELSE 0 END)"
        pw = f"(CASE WHEN {own_used} THEN t.own_pw ELSE 0 END + CASE WHEN {child_used} THEN x.cpw ELSE 0 END)"
        ps = f"(CASE WHEN {own_used} THEN t.own_ps ELSE 0 END + CASE WHEN {child_used} THEN x.cps ELSE 0 END)"
        level_sql = f"""
            UPDATE _al_goal t SET progress = CASE
                WHEN {n} = 0 THEN CASE WHEN t.status = 'achieved' THEN 1.0 ELSE 0.0 END
                WHEN {w} > 0 THEN GREATEST(0.0, LEAST(1.0, {pw} / {w}))
                ELSE GREATEST(0.0, LEAST(1.0, {ps} / {n}))
            END
            FROM (
                SELECT p.id, count(cp.progress) AS cn,
                       coalesce(sum(cp.weight) FILTER (WHERE cp.weight > 0), 0) AS cw,
                       coalesce(sum(cp.progress * cp.weight) FILTER (WHERE cp.weight > 0), 0) AS cpw,
                       coalesce(sum(cp.progress), 0) AS cps
                FROM _al_goal p
                LEFT JOIN (
                    SELECT a.parent_id, a.weight::float8 AS weight, c.progress
                    FROM goals_goalalignment a JOIN _al_goal c ON c.id = a.child_id AND c.status <> 'dropped'
                ) cp ON cp.parent_id = p.id
                WHERE p.lvl = %(lvl)s
                GROUP BY p.id
            ) x
            WHERE t.id = x.id
        """  # noqa: S608 - only the constants chosen above are interpolated
        for level in range(goal_levels + 1):
            cur.execute(level_sql, {"lvl": level})
        cur.execute(
            """
            UPDATE goals_goal g SET progress = t.progress FROM _al_goal t
            WHERE g.id = t.id AND abs(g.progress - t.progress) > %(tol)s
            """,
            {"tol": TOLERANCE},
        )
        goals_changed = cur.rowcount
        cur.execute("DROP TABLE IF EXISTS _al_kr; DROP TABLE IF EXISTS _al_goal")
    return {
        "goals": goal_count,
        "key_results": kr_count,
        "goals_changed": goals_changed,
        "key_results_changed": krs_changed,
        "levels": goal_levels + 1 if goal_count else 0,
    }
