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


# --- the past weeks, kept between requests (dashboards.history) ------------------------------


def _spy(monkeypatch) -> list:
    """The ``since`` of every aggregate statement the dashboards run (None: every week of the cycle)."""
    calls = []
    real = selectors._aggregates

    def spy(**kwargs):
        calls.append(kwargs.get("since"))
        return real(**kwargs)

    monkeypatch.setattr(selectors, "_aggregates", spy)
    return calls


def test_past_weeks_are_kept_and_a_check_in_of_this_week_reads_only_this_week(world, cycle, monkeypatch):
    first = make_goal(cycle, owner_member=world.member)
    second = make_goal(cycle, owner_member=make_person(world.org_a, "Second", team=world.team))
    last_week = check_in(first, weeks_ago=1, progress=0.2).period_start
    this_week = check_in(first, weeks_ago=0, progress=0.4).period_start
    calls = _spy(monkeypatch)
    assert _pacing(world.manager) == {last_week: (1, 0.2), this_week: (1, 0.4)}
    assert calls == [None]  # computed in full, then kept
    check_in(second, weeks_ago=0, progress=0.8)  # the common write: this week's
    assert _pacing(world.manager) == {last_week: (1, 0.2), this_week: (2, 0.6)}
    assert calls == [None, this_week]  # the kept weeks served, only this week read


def test_a_goal_leaving_the_scope_changes_its_past_weeks(world, cycle, monkeypatch):
    from apps.goals.models import GoalStatus

    first = make_goal(cycle, owner_member=world.member)
    second = make_goal(cycle, owner_member=world.member)
    last_week = check_in(first, weeks_ago=1, progress=0.2).period_start
    check_in(second, weeks_ago=1, progress=0.6)
    calls = _spy(monkeypatch)
    assert _pacing(world.manager)[last_week] == (2, 0.4)
    second.status = GoalStatus.DROPPED
    second.save()
    assert _pacing(world.manager)[last_week] == (1, 0.2)
    assert calls == [None, None]


def test_a_late_check_in_of_an_earlier_week_changes_that_week(world, cycle, monkeypatch):
    first = make_goal(cycle, owner_member=world.member)
    second = make_goal(cycle, owner_member=world.member)
    last_week = check_in(first, weeks_ago=1, progress=0.2).period_start
    calls = _spy(monkeypatch)
    assert _pacing(world.manager)[last_week] == (1, 0.2)
    check_in(second, weeks_ago=1, progress=0.6)
    assert _pacing(world.manager)[last_week] == (2, 0.4)
    assert calls == [None, None]


def test_kept_weeks_are_per_scope(world, cycle):
    goal = make_goal(cycle, owner_member=world.member)
    peers = make_goal(cycle, owner_member=world.peer)
    last_week = check_in(goal, weeks_ago=1, progress=0.2).period_start
    check_in(peers, weeks_ago=1, progress=0.6)
    assert _pacing(world.manager)[last_week] == (1, 0.2)  # Rockets only
    assert _pacing(world.admin, team_param="org")[last_week] == (2, 0.4)  # the whole organization
    assert _pacing(world.manager)[last_week] == (1, 0.2)  # each scope its own kept weeks
