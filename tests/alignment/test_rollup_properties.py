"""Roll-up on random alignment graphs: what the services store on every write (incremental),
what the set-based SQL recompute computes, and a pure-Python reference must agree.

Graphs are random DAGs of goals (several parents per goal, weights including 0),
with random key results (every direction, weights including 0), milestone plans,
key result → key result contributions, and random later changes: new values,
weights, unlinks, dropped / achieved / reopened goals, deleted key results,
steps done.
"""

import contextlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.alignment import rollup
from apps.alignment import services as alignment
from apps.goals import services as goals
from apps.goals.models import Goal, GoalAlignment, GoalSettings, GoalStatus, KeyResult

EPS = 1e-9

kr_spec = st.tuples(
    st.sampled_from(["increase", "decrease", "at_least", "at_most"]),
    st.integers(min_value=-50, max_value=50),  # start
    st.integers(min_value=1, max_value=200),  # distance to the target
    st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2.25")]),  # weight
    st.integers(min_value=-20, max_value=120),  # current, as a percentage of the way
)
goal_spec = st.tuples(
    st.sampled_from(["company", "team", "peer", "admin", "manager", "member"]),  # owner
    st.sampled_from(["okr", "okr", "plan"]),
    st.lists(kr_spec, max_size=2),
    st.lists(st.booleans(), max_size=2),  # plan steps: done?
)
link_spec = st.tuples(
    st.integers(0, 30), st.integers(0, 30), st.sampled_from([Decimal("0"), Decimal("1"), Decimal("2.5")])
)
kr_link_spec = st.tuples(st.integers(0, 60), st.integers(0, 60))
op = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 60), st.integers(-20, 120)),
    st.tuples(st.just("weight"), st.integers(0, 60), st.sampled_from([0, 1, 3])),
    st.tuples(st.just("unlink"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("drop"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("achieve"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("reopen"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("kr_unlink"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("kr_delete"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("step"), st.integers(0, 60), st.just(0)),
    st.tuples(st.just("link"), st.integers(0, 60), st.integers(0, 60)),
)


class Rollback(Exception):
    """Undo one example's rows."""


def _value(kr: KeyResult, percent: int) -> Decimal:
    start, target = kr.start_value, kr.target_value
    if kr.metric_type in ("boolean", "milestone"):
        return Decimal(1 if percent >= 50 else 0)
    return (start + (target - start) * Decimal(percent) / 100).quantize(Decimal("0.0001"))


def build(world, cycle, specs, links, kr_links):
    actors = {"admin": world.admin, "manager": world.manager, "member": world.member}
    teams = {"company": world.company, "team": world.team, "peer": world.peer_team}
    made, krs = [], []
    for index, (owner, framework, kr_specs, steps) in enumerate(specs):
        actor = world.admin if owner in teams else actors[owner]
        goal = goals.goal_create(
            actor=actor,
            title=f"Goal {index}: reach 100 widgets",
            cycle=cycle,
            framework=framework,
            owner_team=teams.get(owner),
            status=GoalStatus.ACTIVE,
        )
        made.append(goal)
        for k, (direction, start, distance, weight, current) in enumerate(kr_specs):
            target = start - distance if direction == "decrease" else start + distance
            kr = goals.kr_create(
                actor=world.admin,
                goal=goal,
                title=f"KR {index}.{k}",
                unit="widgets",
                start_value=start,
                target_value=target,
                direction=direction,
                weight=weight,
                current_value=_value(KeyResult(start_value=start, target_value=target), current),
            )
            krs.append(kr)
        for s, done in enumerate(steps):
            step = goals.milestone_add(actor=world.admin, goal=goal, title=f"Step {s}")
            if done:
                goals.milestone_set_done(actor=world.admin, milestone=step, done=True)
    for a, b, weight in links:
        child, parent = made[max(a, b) % len(made)], made[min(a, b) % len(made)]
        if child.pk == parent.pk:
            continue
        with contextlib.suppress(ValidationError):  # already linked
            alignment.alignment_link(actor=world.admin, child=child, parent=parent, weight=weight)
    for a, b in kr_links:
        if len(krs) < 2:
            break
        child, parent = krs[a % len(krs)], krs[b % len(krs)]
        if child.goal_id <= parent.goal_id:  # contributions point "up" the index order: never a loop
            child, parent = parent, child
        if child.goal_id == parent.goal_id:
            continue
        alignment.kr_contribute(actor=world.admin, kr=child, parent_kr=parent)
    return made


def apply(world, made, operation) -> None:
    name, a, b = operation
    org = world.org_a
    live_krs = list(KeyResult.objects.filter(organization=org, goal__in=made).order_by("pk"))
    live_links = list(GoalAlignment.objects.filter(organization=org, child__in=made).order_by("pk"))
    goal = Goal.objects.get(pk=made[a % len(made)].pk)
    try:
        if name == "value" and live_krs:
            kr = live_krs[a % len(live_krs)]
            goals.kr_set_value(actor=world.admin, kr=kr, value=_value(kr, b))
        elif name == "weight" and live_links:
            alignment.alignment_set_weight(actor=world.admin, link=live_links[a % len(live_links)], weight=b)
        elif name == "unlink" and live_links:
            alignment.alignment_unlink(actor=world.admin, link=live_links[a % len(live_links)])
        elif name == "drop" and not goal.is_closed:
            goals.goal_close(actor=world.admin, goal=goal, status=GoalStatus.DROPPED)
        elif name == "achieve" and not goal.is_closed:
            goals.goal_close(actor=world.admin, goal=goal, status=GoalStatus.ACHIEVED, reflection_worked="Focus.")
        elif name == "reopen" and goal.is_closed:
            goals.goal_reopen(actor=world.admin, goal=goal, reason="Back on the table")
        elif name == "kr_unlink" and live_krs:
            alignment.kr_contribute(actor=world.admin, kr=live_krs[a % len(live_krs)], parent_kr=None)
        elif name == "kr_delete" and live_krs:
            goals.kr_delete(actor=world.admin, kr=live_krs[a % len(live_krs)])
        elif name == "step":
            step = goal.milestones.order_by("pk").first()
            if step is not None:
                goals.milestone_set_done(actor=world.admin, milestone=step, done=step.completed_at is None)
        elif name == "link":
            child, parent = made[max(a, b) % len(made)], made[min(a, b) % len(made)]
            if child.pk != parent.pk:
                alignment.alignment_link(actor=world.admin, child=child, parent=parent, weight=1)
    except ValidationError:
        pass  # refused (closed goal, already linked, …): nothing changed


def stored(org):
    goal_values = dict(Goal.objects.filter(organization=org).values_list("id", "progress"))
    kr_values = dict(KeyResult.objects.filter(organization=org).values_list("id", "progress"))
    return goal_values, kr_values


def assert_close(actual: dict, expected: dict, what: str) -> None:
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=EPS), f"{what} {key}: stored {actual[key]}, expected {value}"


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mode=st.sampled_from(list(GoalSettings.RollupMode.values)),
    specs=st.lists(goal_spec, min_size=2, max_size=4),
    links=st.lists(link_spec, max_size=6),
    kr_links=st.lists(kr_link_spec, max_size=4),
    ops=st.lists(op, max_size=5),
)
def test_incremental_sql_and_reference_roll_ups_agree(world, mode, specs, links, kr_links, ops):
    try:
        with transaction.atomic():
            org = world.org_a
            GoalSettings.objects.update_or_create(organization=org, defaults={"rollup_mode": mode})
            (cycle,) = goals.cycle_ensure_quarters(organization=org, today=timezone.localdate(), ahead=0)
            made = build(world, cycle, specs, links, kr_links)
            for operation in ops:
                apply(world, made, operation)

            reference_goals, reference_krs = rollup.compute_rollup(rollup.load_snapshot(org.pk))
            incremental_goals, incremental_krs = stored(org)
            assert_close(incremental_krs, reference_krs, "incremental key result")
            assert_close(incremental_goals, reference_goals, "incremental goal")

            # The full recompute from scrambled numbers lands on the same values.
            Goal.objects.filter(organization=org).update(progress=0.5)
            KeyResult.objects.filter(organization=org).update(progress=0.5)
            result = rollup.rollup_recompute_all(org)
            assert result.method == "sql"
            assert result.goals == len(reference_goals)
            sql_goals, sql_krs = stored(org)
            assert_close(sql_krs, reference_krs, "SQL key result")
            assert_close(sql_goals, reference_goals, "SQL goal")
            # …and a second run has nothing left to change.
            again = rollup.rollup_recompute_all(org)
            assert again.goals_changed == 0 and again.key_results_changed == 0
            raise Rollback
    except Rollback:
        pass
