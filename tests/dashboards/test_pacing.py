"""The pacing points: each goal's best check-in of each week, kept in dashboards_goalweek by triggers."""

from apps.checkins.models import CheckIn
from apps.dashboards import selectors, weeks
from apps.dashboards.models import GoalWeek

from .conftest import check_in, make_goal, make_person


def _pacing(actor, **kwargs) -> dict:
    data = selectors.team_dashboard(actor=actor, **kwargs)
    return {p.week: (p.goals, round(p.actual, 6)) for p in data.pacing}


def _cells(goal) -> dict:
    return dict(GoalWeek.objects.filter(goal=goal).values_list("week", "progress"))


def test_each_week_averages_every_goals_best_check_in(world, cycle):
    first = make_goal(cycle, owner_member=world.member)
    second = make_goal(cycle, owner_member=make_person(world.org_a, "Second", team=world.team))
    a = check_in(first, weeks_ago=1, progress=0.2)
    check_in(first, weeks_ago=1, progress=0.4)  # the same week: the best counts
    check_in(second, weeks_ago=1, progress=0.6)
    b = check_in(first, weeks_ago=0, progress=0.5)
    pacing = _pacing(world.manager)
    assert pacing[a.period_start] == (2, 0.5)  # (0.4 + 0.6) / 2
    assert pacing[b.period_start] == (1, 0.5)


def test_editing_or_deleting_a_check_in_recomputes_its_week(world, cycle):
    goal = make_goal(cycle, owner_member=world.member)
    low = check_in(goal, weeks_ago=1, progress=0.3)
    high = check_in(goal, weeks_ago=1, progress=0.7)
    assert _cells(goal) == {low.period_start: 0.7}
    CheckIn.objects.filter(pk=high.pk).update(progress=0.1)  # lower than the other one now
    assert _cells(goal) == {low.period_start: 0.3}
    CheckIn.objects.filter(pk=low.pk).delete()
    assert _cells(goal) == {low.period_start: 0.1}
    CheckIn.objects.filter(pk=high.pk).update(period_start=high.period_start.replace(day=1))
    assert _cells(goal) == {high.period_start.replace(day=1): 0.1}


def test_a_rebuild_gives_the_rows_the_triggers_keep(world, cycle):
    goal = make_goal(cycle, owner_member=world.member)
    for weeks_ago, progress in ((2, 0.1), (1, 0.3), (1, 0.2), (0, 0.4)):
        check_in(goal, weeks_ago=weeks_ago, progress=progress)
    kept = _cells(goal)
    weeks.rebuild()
    assert _cells(goal) == kept and len(kept) == 3


def test_a_large_scope_gives_the_same_numbers_with_hash_joins(world, cycle, monkeypatch):
    for index in range(3):
        goal = make_goal(cycle, owner_member=make_person(world.org_a, f"P{index}", team=world.team))
        check_in(goal, weeks_ago=1, progress=0.1 * index)
        check_in(goal, weeks_ago=0, progress=0.2 * index)
    normal = selectors.team_dashboard(actor=world.admin, team_param="org")
    monkeypatch.setattr(selectors, "HASH_JOIN_OWNERS", 0)
    large = selectors.team_dashboard(actor=world.admin, team_param="org")
    assert [(p.week, p.goals, p.actual) for p in large.pacing] == [(p.week, p.goals, p.actual) for p in normal.pacing]
    assert large.distribution == normal.distribution and large.total_goals == normal.total_goals


def test_the_rebuild_command_runs(world, cycle):
    from django.core.management import call_command

    goal = make_goal(cycle, owner_member=world.member)
    check_in(goal, weeks_ago=1, progress=0.3)
    GoalWeek.objects.filter(goal=goal).delete()
    call_command("dashboards_rebuild_weeks")
    assert len(_cells(goal)) == 1
