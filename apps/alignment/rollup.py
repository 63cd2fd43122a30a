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

from apps.core import dataversion
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
        dataversion.bump(organization_id)
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


# Own measured progress of key result ``{k}``, exactly as ``goals.progress.kr_progress`` computes it.
_KR_OWN_SQL = """
CASE
  WHEN {k}.metric_type IN ('boolean', 'milestone') THEN CASE WHEN {k}.current_value >= 1 THEN 1.0 ELSE 0.0 END
  WHEN {k}.direction = 'at_least' THEN CASE WHEN {k}.current_value >= {k}.target_value THEN 1.0 ELSE 0.0 END
  WHEN {k}.direction = 'at_most' THEN CASE WHEN {k}.current_value <= {k}.target_value THEN 1.0 ELSE 0.0 END
  WHEN {k}.target_value = {k}.start_value THEN CASE WHEN {k}.current_value = {k}.target_value THEN 1.0 ELSE 0.0 END
  ELSE GREATEST(0.0, LEAST(1.0,
       (({k}.current_value - {k}.start_value) / ({k}.target_value - {k}.start_value))::float8))
END::float8
"""

MAX_LEVELS = 1000  # a guard: alignment_link refuses loops, so real graphs are a few levels deep

# Own parts of goals (key results, or a plan's steps), aggregated per goal; {only} narrows the goals.
_OWN_PARTS_SQL = """
    SELECT k.goal_id, count(*) AS n,
           coalesce(sum(k.weight::float8) FILTER (WHERE k.weight > 0), 0) AS w,
           coalesce(sum(k.progress * k.weight::float8) FILTER (WHERE k.weight > 0), 0) AS pw,
           sum(k.progress) AS ps
    FROM goals_keyresult k {only_kr} WHERE k.organization_id = %(org)s GROUP BY k.goal_id
"""
_STEP_PARTS_SQL = """
    SELECT m.goal_id, count(*) AS n,
           coalesce(sum(m.weight::float8) FILTER (WHERE m.weight > 0), 0) AS w,
           coalesce(sum(CASE WHEN m.completed_at IS NOT NULL THEN m.weight::float8 ELSE 0 END)
                    FILTER (WHERE m.weight > 0), 0) AS pw,
           sum(CASE WHEN m.completed_at IS NOT NULL THEN 1.0 ELSE 0.0 END)::float8 AS ps
    FROM goals_milestone m {only_ms} WHERE m.organization_id = %(org)s GROUP BY m.goal_id
"""


def _goal_formula(*, mode: str, with_children: bool) -> str:
    """A goal's progress from aggregated parts (aliases: g = goal, kr / st = own parts, ch = aligned goals)."""
    by_steps = "(g.framework = 'plan' AND kr.n IS NULL)"

    def own(col: str) -> str:
        return f"(CASE WHEN {by_steps} THEN coalesce(st.{col}, 0) ELSE coalesce(kr.{col}, 0) END)"

    def child(col: str) -> str:
        return f"coalesce(ch.{col}, 0)" if with_children else "0"

    use_children = with_children and mode in (GoalSettings.RollupMode.CHILDREN, GoalSettings.RollupMode.BOTH)
    own_used = f"({child('n')} = 0)" if mode == GoalSettings.RollupMode.CHILDREN else "TRUE"

    def total(col: str) -> str:
        kids = child(col) if use_children else "0"
        return f"(CASE WHEN {own_used} THEN {own(col)} ELSE 0 END + {kids})"

    n, w, pw, ps = total("n"), total("w"), total("pw"), total("ps")
    return f"""(CASE
        WHEN {n} = 0 THEN CASE WHEN g.status = 'achieved' THEN 1.0 ELSE 0.0 END
        WHEN {w} > 0 THEN GREATEST(0.0, LEAST(1.0, {pw} / {w}))
        ELSE GREATEST(0.0, LEAST(1.0, {ps} / {n}))
    END)::float8"""


def _recompute_sql(organization_id: int) -> dict:
    """The set-based recompute, bottom-up by height levels.

    Only nodes with something below them need an order: recursive CTEs starting at
    the links give each such key result and goal its height (longest path down to
    a leaf) in two small temporary tables. Leaves — most key results and goals —
    are recomputed in one statement each; then one ``UPDATE … FROM (aggregate)``
    per height level, each reading only levels below it. Rows are written only
    where the stored value is off, so a recompute with nothing to fix writes nothing.
    """
    mode = GoalSettings.objects.get_or_create(organization_id=organization_id)[0].rollup_mode
    args = {"org": organization_id, "max": MAX_LEVELS, "tol": TOLERANCE}
    own_k = _KR_OWN_SQL.format(k="k")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("DROP TABLE IF EXISTS _al_krl; DROP TABLE IF EXISTS _al_gl")

        # 1. Key results that others count toward, with their height (1 = only leaf contributors).
        cur.execute(
            """
            CREATE TEMP TABLE _al_krl ON COMMIT DROP AS
            WITH RECURSIVE up(id, lvl) AS (
                SELECT k.contributes_to_id, 1 FROM goals_keyresult k
                WHERE k.organization_id = %(org)s AND k.contributes_to_id IS NOT NULL
              UNION
                SELECT k.contributes_to_id, up.lvl + 1 FROM up JOIN goals_keyresult k ON k.id = up.id
                WHERE k.contributes_to_id IS NOT NULL AND up.lvl < %(max)s
            )
            SELECT id, max(lvl) AS lvl FROM up GROUP BY id
            """,
            args,
        )
        cur.execute("CREATE INDEX ON _al_krl (id); CREATE INDEX ON _al_krl (lvl); ANALYZE _al_krl")
        cur.execute("SELECT coalesce(max(lvl), 0), count(*) FROM _al_krl")
        kr_levels, _ = cur.fetchone()
        if kr_levels >= MAX_LEVELS:
            raise RuntimeError("Key result contributions form a loop; recompute refused.")
        # Leaves: their own measure.
        cur.execute(
            f"""
            UPDATE goals_keyresult t SET progress = v.p
            FROM (
                SELECT k.id, {own_k} AS p FROM goals_keyresult k
                WHERE k.organization_id = %(org)s AND NOT EXISTS (SELECT 1 FROM _al_krl l WHERE l.id = k.id)
            ) v
            WHERE t.id = v.id AND abs(t.progress - v.p) > %(tol)s
            """,  # noqa: S608 - only module constants are interpolated
            args,
        )
        krs_changed = cur.rowcount
        for level in range(1, kr_levels + 1):
            cur.execute(
                f"""
                UPDATE goals_keyresult t SET progress = v.p
                FROM (
                    SELECT k.id, ({own_k} + coalesce(c.s, 0)) / (1 + coalesce(c.n, 0)) AS p
                    FROM _al_krl l JOIN goals_keyresult k ON k.id = l.id
                    LEFT JOIN (
                        SELECT ch.contributes_to_id AS id, count(*) AS n, sum(ch.progress) AS s
                        FROM goals_keyresult ch
                        JOIN goals_goal cg ON cg.id = ch.goal_id AND cg.status <> 'dropped'
                        JOIN _al_krl pl ON pl.id = ch.contributes_to_id AND pl.lvl = %(lvl)s
                        GROUP BY ch.contributes_to_id
                    ) c ON c.id = k.id
                    WHERE l.lvl = %(lvl)s
                ) v
                WHERE t.id = v.id AND abs(t.progress - v.p) > %(tol)s
                """,  # noqa: S608 - only module constants are interpolated
                {**args, "lvl": level},
            )
            krs_changed += cur.rowcount

        # 2. Goals that others contribute to, with their height.
        cur.execute(
            """
            CREATE TEMP TABLE _al_gl ON COMMIT DROP AS
            WITH RECURSIVE up(id, lvl) AS (
                SELECT a.parent_id, 1 FROM goals_goalalignment a WHERE a.organization_id = %(org)s
              UNION
                SELECT a.parent_id, up.lvl + 1 FROM up JOIN goals_goalalignment a ON a.child_id = up.id
                WHERE up.lvl < %(max)s
            )
            SELECT id, max(lvl) AS lvl FROM up GROUP BY id
            """,
            args,
        )
        cur.execute("CREATE INDEX ON _al_gl (id); CREATE INDEX ON _al_gl (lvl); ANALYZE _al_gl")
        cur.execute("SELECT coalesce(max(lvl), 0) FROM _al_gl")
        (goal_levels,) = cur.fetchone()
        if goal_levels >= MAX_LEVELS:
            raise RuntimeError("Goal alignment forms a loop; recompute refused.")
        # Leaves: their own parts only.
        cur.execute(
            f"""
            UPDATE goals_goal t SET progress = v.p
            FROM (
                SELECT g.id, {_goal_formula(mode=mode, with_children=False)} AS p
                FROM goals_goal g
                LEFT JOIN ({_OWN_PARTS_SQL.format(only_kr="")}) kr ON kr.goal_id = g.id
                LEFT JOIN ({_STEP_PARTS_SQL.format(only_ms="")}) st ON st.goal_id = g.id
                WHERE g.organization_id = %(org)s AND NOT EXISTS (SELECT 1 FROM _al_gl l WHERE l.id = g.id)
            ) v
            WHERE t.id = v.id AND abs(t.progress - v.p) > %(tol)s
            """,  # noqa: S608 - only module constants are interpolated
            args,
        )
        goals_changed = cur.rowcount
        level_sql = f"""
            UPDATE goals_goal t SET progress = v.p
            FROM (
                SELECT g.id, {_goal_formula(mode=mode, with_children=True)} AS p
                FROM _al_gl l JOIN goals_goal g ON g.id = l.id
                LEFT JOIN ({_OWN_PARTS_SQL.format(only_kr="JOIN _al_gl lk ON lk.id = k.goal_id AND lk.lvl = %(lvl)s")})
                    kr ON kr.goal_id = g.id
                LEFT JOIN ({_STEP_PARTS_SQL.format(only_ms="JOIN _al_gl lm ON lm.id = m.goal_id AND lm.lvl = %(lvl)s")})
                    st ON st.goal_id = g.id
                LEFT JOIN (
                    SELECT a.parent_id, count(*) AS n,
                           coalesce(sum(a.weight::float8) FILTER (WHERE a.weight > 0), 0) AS w,
                           coalesce(sum(c.progress * a.weight::float8) FILTER (WHERE a.weight > 0), 0) AS pw,
                           sum(c.progress) AS ps
                    FROM goals_goalalignment a
                    JOIN _al_gl la ON la.id = a.parent_id AND la.lvl = %(lvl)s
                    JOIN goals_goal c ON c.id = a.child_id AND c.status <> 'dropped'
                    GROUP BY a.parent_id
                ) ch ON ch.parent_id = g.id
                WHERE l.lvl = %(lvl)s
            ) v
            WHERE t.id = v.id AND abs(t.progress - v.p) > %(tol)s
        """  # noqa: S608 - only module constants are interpolated
        for level in range(1, goal_levels + 1):
            cur.execute(level_sql, {**args, "lvl": level})
            goals_changed += cur.rowcount
        cur.execute("SELECT count(*) FROM goals_goal WHERE organization_id = %(org)s", args)
        (goal_count,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM goals_keyresult WHERE organization_id = %(org)s", args)
        (kr_count,) = cur.fetchone()
        cur.execute("DROP TABLE IF EXISTS _al_krl; DROP TABLE IF EXISTS _al_gl")
    return {
        "goals": goal_count,
        "key_results": kr_count,
        "goals_changed": goals_changed,
        "key_results_changed": krs_changed,
        "levels": goal_levels + 1 if goal_count else 0,
    }
