"""Properties of the progress arithmetic, and of the roll-up the services maintain in the database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.goals import progress, services
from apps.goals.models import Framework, GoalAlignment, GoalSettings, GoalStatus, KeyResult

# Values a key result can hold: 4 decimal places, below a trillion (what the model stores).
values = st.decimals(min_value=Decimal("-999999999"), max_value=Decimal("999999999"), places=4, allow_nan=False)
small = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2, allow_nan=False)
unit_interval = st.floats(min_value=0, max_value=1, allow_nan=False)
weights = st.one_of(st.just(0.0), st.floats(min_value=0.001, max_value=1000))
directions = st.sampled_from(["increase", "decrease", "at_least", "at_most"])
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
EPS = 1e-9


def inc(start, target, current) -> float:
    return progress.kr_progress(start=start, target=target, current=current, direction="increase")


def dec(start, target, current) -> float:
    return progress.kr_progress(start=start, target=target, current=current, direction="decrease")


# --- key results ---------------------------------------------------------------------


@given(start=values, target=values, current=values, direction=directions)
def test_kr_progress_is_always_between_0_and_1(start, target, current, direction):
    value = progress.kr_progress(start=start, target=target, current=current, direction=direction)
    assert 0.0 <= value <= 1.0


@given(start=values, target=values, current=values)
def test_decrease_mirrors_increase(start, target, current):
    assume(start < target)
    assert dec(-start, -target, -current) == pytest.approx(inc(start, target, current), abs=EPS)


@given(start=values, target=values, a=values, b=values)
def test_increase_progress_is_monotone_in_current(start, target, a, b):
    assume(start < target)
    low, high = min(a, b), max(a, b)
    assert inc(start, target, low) <= inc(start, target, high)


@given(start=values, target=values, a=values, b=values)
def test_decrease_progress_never_rises_as_current_rises(start, target, a, b):
    assume(target < start)
    low, high = min(a, b), max(a, b)
    assert dec(start, target, low) >= dec(start, target, high)


@given(start=values, target=values, direction=st.sampled_from(["increase", "decrease"]))
def test_start_is_zero_and_target_is_one(start, target, direction):
    assume(start != target)
    assert progress.kr_progress(start=start, target=target, current=start, direction=direction) == 0.0
    assert progress.kr_progress(start=start, target=target, current=target, direction=direction) == 1.0


@given(start=values, target=values, beyond=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1e6"), places=4))
def test_beyond_target_clamps_to_one(start, target, beyond):
    assume(start != target)
    past = target + beyond if target > start else target - beyond
    assert progress.kr_progress(start=start, target=target, current=past, direction="increase") == 1.0
    before = start - beyond if target > start else start + beyond
    assert progress.kr_progress(start=start, target=target, current=before, direction="increase") == 0.0


@given(start=values, target=values)
def test_halfway_is_half(start, target):
    assume(start != target)
    middle = (start + target) / 2
    assert inc(start, target, middle) == pytest.approx(0.5, abs=1e-6)


@given(start=values, target=values, current=values)
def test_at_least_is_one_exactly_when_the_floor_holds(start, target, current):
    value = progress.kr_progress(start=start, target=target, current=current, direction="at_least")
    assert value == (1.0 if current >= target else 0.0)


@given(start=values, target=values, current=values)
def test_at_most_is_one_exactly_when_the_ceiling_holds(start, target, current):
    value = progress.kr_progress(start=start, target=target, current=current, direction="at_most")
    assert value == (1.0 if current <= target else 0.0)


@given(current=st.sampled_from([0, 1]), direction=directions, metric=st.sampled_from(["boolean", "milestone"]))
def test_yes_no_and_milestone_metrics_are_done_or_not(current, direction, metric):
    value = progress.kr_progress(start=0, target=1, current=current, direction=direction, metric_type=metric)
    assert value == float(current)


def test_yes_no_ignores_a_misleading_direction():
    assert progress.kr_progress(start=0, target=1, current=1, direction="at_most", metric_type="boolean") == 1.0
    assert progress.kr_progress(start=0, target=1, current=0, direction="at_least", metric_type="milestone") == 0.0


def test_equal_start_and_target_counts_as_done_only_when_reached():
    assert inc(5, 5, 5) == 1.0
    assert inc(5, 5, 4) == 0.0


@given(start=st.floats(-1e6, 1e6), target=st.floats(-1e6, 1e6), current=st.floats(-1e6, 1e6))
def test_floats_are_accepted_like_decimals(start, target, current):
    value = progress.kr_progress(start=start, target=target, current=current, direction="increase")
    assert 0.0 <= value <= 1.0


# --- weighted mean -------------------------------------------------------------------

parts_strategy = st.lists(st.tuples(unit_interval, weights), min_size=1, max_size=12)


@given(parts=parts_strategy)
def test_weighted_mean_lies_between_the_smallest_and_largest_part(parts):
    value = progress.weighted_mean(parts)
    assert min(p for p, _ in parts) - EPS <= value <= max(p for p, _ in parts) + EPS
    assert 0.0 <= value <= 1.0


@given(parts=parts_strategy, factor=st.floats(min_value=0.01, max_value=1000))
def test_weighted_mean_does_not_change_when_all_weights_scale(parts, factor):
    scaled = [(p, w * factor) for p, w in parts]
    assert progress.weighted_mean(scaled) == pytest.approx(progress.weighted_mean(parts), abs=1e-6)


@given(parts=parts_strategy, ignored=st.lists(unit_interval, min_size=1, max_size=5))
def test_zero_weight_parts_do_not_count(parts, ignored):
    assume(any(w > 0 for _, w in parts))
    with_zeros = parts + [(p, 0) for p in ignored]
    assert progress.weighted_mean(with_zeros) == pytest.approx(progress.weighted_mean(parts), abs=EPS)


@given(values_=st.lists(unit_interval, min_size=1, max_size=12))
def test_all_zero_weights_count_parts_equally(values_):
    value = progress.weighted_mean([(p, 0) for p in values_])
    assert value == pytest.approx(sum(values_) / len(values_), abs=EPS)


@given(values_=st.lists(unit_interval, min_size=1, max_size=12), weight=st.floats(min_value=0.01, max_value=100))
def test_equal_weights_are_the_plain_mean(values_, weight):
    value = progress.weighted_mean([(p, weight) for p in values_])
    assert value == pytest.approx(sum(values_) / len(values_), abs=1e-9)


def test_weighted_mean_of_nothing_is_zero():
    assert progress.weighted_mean([]) == 0.0


def test_weighted_mean_weighs_parts():
    assert progress.weighted_mean([(1.0, 3), (0.0, 1)]) == pytest.approx(0.75)
    assert progress.weighted_mean([(1.0, Decimal("2.5")), (0.5, Decimal("2.5"))]) == pytest.approx(0.75)


@given(parts=st.lists(st.tuples(st.floats(-5, 5), weights), min_size=1, max_size=6))
def test_weighted_mean_clamps_parts_outside_0_1(parts):
    assert 0.0 <= progress.weighted_mean(parts) <= 1.0


# --- expected progress and health ----------------------------------------------------


@given(start=days, end=days, today=days)
def test_expected_progress_is_none_or_between_0_and_1(start, end, today):
    value = progress.expected_progress(start, end, today)
    if end <= start:
        assert value is None
    else:
        assert 0.0 <= value <= 1.0


@given(start=days, length=st.integers(1, 3000), offset=st.integers(-3000, 6000))
def test_expected_progress_is_the_elapsed_share(start, length, offset):
    end = start + timedelta(days=length)
    today = start + timedelta(days=offset)
    value = progress.expected_progress(start, end, today)
    if offset <= 0:
        assert value == 0.0
    elif offset >= length:
        assert value == 1.0
    else:
        assert value == pytest.approx(offset / length)


@given(start=days, length=st.integers(1, 3000), a=st.integers(-100, 3100), b=st.integers(-100, 3100))
def test_expected_progress_never_goes_down_as_time_passes(start, length, a, b):
    end = start + timedelta(days=length)
    early, late = sorted((a, b))
    assert progress.expected_progress(start, end, start + timedelta(days=early)) <= progress.expected_progress(
        start, end, start + timedelta(days=late)
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, date(2026, 3, 31)), (date(2026, 1, 1), None), (None, None), (date(2026, 3, 31), date(2026, 3, 31))],
)
def test_expected_progress_is_unknown_without_a_proper_period(start, end):
    assert progress.expected_progress(start, end, date(2026, 2, 1)) is None


RANK = {progress.ON_TRACK: 0, progress.AT_RISK: 1, progress.OFF_TRACK: 2}
gaps = st.integers(min_value=0, max_value=100)


@given(actual=unit_interval, a=unit_interval, b=unit_interval, at_risk=gaps, extra=gaps)
def test_further_behind_is_never_healthier(actual, a, b, at_risk, extra):
    off_track = at_risk + extra
    less, more = sorted((a, b))
    h_less = progress.health(actual, less, at_risk_gap=at_risk, off_track_gap=off_track)
    h_more = progress.health(actual, more, at_risk_gap=at_risk, off_track_gap=off_track)
    assert RANK[h_more] >= RANK[h_less]


@given(expected=unit_interval, a=unit_interval, b=unit_interval, at_risk=gaps, extra=gaps)
def test_more_progress_is_never_less_healthy(expected, a, b, at_risk, extra):
    low, high = sorted((a, b))
    h_low = progress.health(low, expected, at_risk_gap=at_risk, off_track_gap=at_risk + extra)
    h_high = progress.health(high, expected, at_risk_gap=at_risk, off_track_gap=at_risk + extra)
    assert RANK[h_high] <= RANK[h_low]


@given(actual=unit_interval, expected=unit_interval)
def test_on_or_ahead_of_pace_is_on_track(actual, expected):
    assume(actual >= expected)
    assert progress.health(actual, expected) == progress.ON_TRACK


@given(actual=unit_interval)
def test_no_expected_pace_is_on_track(actual):
    assert progress.health(actual, None) == progress.ON_TRACK


@pytest.mark.parametrize(
    ("actual", "expected", "status"),
    [
        (0.50, 0.60, progress.ON_TRACK),  # 10 points behind: the at-risk gap itself is still on track
        (0.50, 0.61, progress.AT_RISK),
        (0.50, 0.75, progress.AT_RISK),  # 25 points: still at risk
        (0.50, 0.76, progress.OFF_TRACK),
        (0.00, 1.00, progress.OFF_TRACK),
        (1.00, 1.00, progress.ON_TRACK),
    ],
)
def test_health_thresholds(actual, expected, status):
    assert progress.health(actual, expected, at_risk_gap=10, off_track_gap=25) == status


@given(a=st.sampled_from(list(RANK)), b=st.sampled_from(list(RANK)))
def test_rank_worse_picks_the_less_healthy(a, b):
    assert RANK[progress.rank_worse(a, b)] == max(RANK[a], RANK[b])


# --- roll-up in the database ---------------------------------------------------------

kr_specs = st.lists(
    st.tuples(
        st.sampled_from(["increase", "decrease", "at_least", "at_most"]),
        small,  # start
        st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=2),  # distance to target
        st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2"), Decimal("3.25")]),  # weight
    ),
    min_size=1,
    max_size=5,
)
updates = st.lists(st.tuples(st.integers(min_value=0, max_value=4), small), min_size=1, max_size=8)


class Rollback(Exception):
    """Raised to undo one hypothesis example's rows."""


def _expected_goal_progress(goal) -> float:
    krs = list(KeyResult.objects.filter(goal=goal))
    for kr in krs:
        assert kr.progress == pytest.approx(
            progress.kr_progress(
                start=kr.start_value, target=kr.target_value, current=kr.current_value, direction=kr.direction
            ),
            abs=EPS,
        )
    return progress.weighted_mean([(kr.progress, kr.weight) for kr in krs])


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=kr_specs, changes=updates)
def test_goal_progress_is_the_weighted_mean_of_its_key_results_after_any_updates(gw, specs, changes):
    try:
        with transaction.atomic():
            goal = services.goal_create(actor=gw.member, title="Grow the weekly pipeline to 40 deals", cycle=gw.cycle)
            krs = []
            for index, (direction, start, distance, weight) in enumerate(specs):
                target = start - distance if direction == "decrease" else start + distance
                krs.append(
                    services.kr_create(
                        actor=gw.member,
                        goal=goal,
                        title=f"Key result {index}",
                        unit="deals",
                        start_value=start,
                        target_value=target,
                        direction=direction,
                        weight=weight,
                    )
                )
            for position, value in changes:
                kr = krs[position % len(krs)]
                services.kr_set_value(actor=gw.member, kr=kr, value=value, reason="weekly check-in")
                goal.refresh_from_db()
                assert goal.progress == pytest.approx(_expected_goal_progress(goal), abs=EPS)
                assert 0.0 <= goal.progress <= 1.0
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mode=st.sampled_from(list(GoalSettings.RollupMode.values)),
    child_values=st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=2),
    parent_kr_value=st.integers(min_value=0, max_value=100),
    link_weights=st.tuples(st.sampled_from([0, 1, 2]), st.sampled_from([1, 3])),
)
def test_parent_goal_is_recomputed_when_an_aligned_child_changes(gw, mode, child_values, parent_kr_value, link_weights):
    try:
        with transaction.atomic():
            GoalSettings.objects.update_or_create(organization=gw.org_a, defaults={"rollup_mode": mode})
            parent = services.goal_create(
                actor=gw.manager, title="Rockets ship faster than ever", cycle=gw.cycle, owner_team=gw.rockets
            )
            parent_kr = services.kr_create(
                actor=gw.manager, goal=parent, title="Releases per month", unit="releases", target_value=100
            )
            services.kr_set_value(actor=gw.manager, kr=parent_kr, value=parent_kr_value)
            children, child_krs = [], []
            for who, weight in zip((gw.member, gw.teammate), link_weights, strict=True):
                child = services.goal_create(actor=who, title=f"{who.user.full_name} ships 100 changes", cycle=gw.cycle)
                child_krs.append(
                    services.kr_create(actor=who, goal=child, title="Changes shipped", unit="changes", target_value=100)
                )
                GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=parent, weight=weight)
                services.goal_recompute_progress(child)  # what aligning does: the parent counts the child now
                children.append(child)
            for who, kr, value in zip((gw.member, gw.teammate), child_krs, child_values, strict=True):
                services.kr_set_value(actor=who, kr=kr, value=value)

            parent.refresh_from_db()
            kr_part = [(parent_kr_value / 100, 1)]
            child_parts = [(v / 100, w) for v, w in zip(child_values, link_weights, strict=True)]
            expected = {
                "krs": progress.weighted_mean(kr_part),
                "children": progress.weighted_mean(child_parts),
                "both": progress.weighted_mean(kr_part + child_parts),
            }[mode]
            assert parent.progress == pytest.approx(expected, abs=EPS)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_roll_up_climbs_the_whole_alignment_tree(gw):
    company = services.goal_create(actor=gw.admin, title="Acme wins its market", cycle=gw.cycle, owner_team=gw.company)
    team = services.goal_create(actor=gw.manager, title="Rockets double output", cycle=gw.cycle, owner_team=gw.rockets)
    mine = services.goal_create(actor=gw.member, title="Ship 10 features this quarter", cycle=gw.cycle)
    GoalAlignment.objects.create(organization=gw.org_a, child=team, parent=company)
    GoalAlignment.objects.create(organization=gw.org_a, child=mine, parent=team)
    kr = services.kr_create(actor=gw.member, goal=mine, title="Features shipped", unit="features", target_value=10)

    services.kr_set_value(actor=gw.member, kr=kr, value=5)

    for goal in (mine, team, company):
        goal.refresh_from_db()
        assert goal.progress == pytest.approx(0.5)


@pytest.mark.django_db
def test_leaf_goal_keeps_its_own_progress_when_roll_up_counts_aligned_goals_only(gw):
    GoalSettings.objects.update_or_create(organization=gw.org_a, defaults={"rollup_mode": "children"})
    parent = services.goal_create(
        actor=gw.manager, title="Rockets double output", cycle=gw.cycle, owner_team=gw.rockets
    )
    parent_kr = services.kr_create(actor=gw.manager, goal=parent, title="Output", unit="units", target_value=10)
    services.kr_set_value(actor=gw.manager, kr=parent_kr, value=10)
    child = services.goal_create(actor=gw.member, title="Ship 10 features this quarter", cycle=gw.cycle)
    GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=parent)
    kr = services.kr_create(actor=gw.member, goal=child, title="Features shipped", unit="features", target_value=10)

    services.kr_set_value(actor=gw.member, kr=kr, value=4)

    child.refresh_from_db()
    parent.refresh_from_db()
    assert child.progress == pytest.approx(0.4)  # a goal with no aligned goals is measured by its own KRs
    assert parent.progress == pytest.approx(0.4)  # the parent counts only its aligned goals


@pytest.mark.django_db
def test_dropping_a_child_goal_takes_it_out_of_the_parent_progress(gw):
    parent = services.goal_create(
        actor=gw.manager, title="Rockets double output", cycle=gw.cycle, owner_team=gw.rockets
    )
    done = services.goal_create(actor=gw.member, title="Ship 10 features this quarter", cycle=gw.cycle)
    stalled = services.goal_create(actor=gw.teammate, title="Write 4 design documents", cycle=gw.cycle)
    for child in (done, stalled):
        GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=parent)
    kr = services.kr_create(actor=gw.member, goal=done, title="Features", unit="features", target_value=10)
    services.kr_create(actor=gw.teammate, goal=stalled, title="Documents", unit="documents", target_value=4)
    services.kr_set_value(actor=gw.member, kr=kr, value=10)
    parent.refresh_from_db()
    assert parent.progress == pytest.approx(0.5)

    services.goal_close(actor=gw.teammate, goal=stalled, status=GoalStatus.DROPPED)

    parent.refresh_from_db()
    assert parent.progress == pytest.approx(1.0)


@pytest.mark.django_db
def test_plan_progress_is_the_share_of_completed_steps(gw):
    goal = services.goal_create(
        actor=gw.member, title="Become a project manager by 2027", framework=Framework.PLAN, cycle=gw.cycle
    )
    steps = [services.milestone_add(actor=gw.member, goal=goal, title=f"Step {i}") for i in range(4)]
    services.milestone_set_done(actor=gw.member, milestone=steps[0], done=True)
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(0.25)
    services.milestone_set_done(actor=gw.member, milestone=steps[0], done=False)
    goal.refresh_from_db()
    assert goal.progress == 0.0
