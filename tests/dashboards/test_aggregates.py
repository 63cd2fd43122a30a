"""The numbers on a small known world: the heatmap, the distribution, SQL status = goal_health."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Team
from apps.dashboards import selectors
from apps.dashboards.sql import health_sql
from apps.goals.models import Goal, GoalSettings
from apps.goals.selectors import goal_health

from .conftest import check_in, make_goal, make_person


@pytest.fixture
def known(world, cycle):
    """Rockets: 2 on track, 1 at risk, 1 off track (one of them private); Anvils: 1 achieved, 2 not started;
    a sub-team of Rockets (Boosters) with 1 at risk. Org B has goals that must never count."""
    boosters = Team.objects.create(organization=world.org_a, name="Boosters", parent=world.team)
    bea = make_person(world.org_a, "Bea Booster", team=boosters, line_manager=world.manager)
    make_goal(cycle, owner_team=world.team, status_code="on_track", title="Rockets objective")
    make_goal(cycle, owner_member=world.member, status_code="on_track")
    make_goal(cycle, owner_member=world.manager, status_code="at_risk")
    make_goal(cycle, owner_member=world.member, status_code="off_track", visibility="private")
    make_goal(cycle, owner_member=bea, status_code="at_risk")
    make_goal(cycle, owner_member=world.peer, status_code="achieved")
    make_goal(cycle, owner_member=world.peer, status_code="not_started")
    make_goal(cycle, owner_team=world.peer_team, status_code="not_started")
    draft = make_goal(cycle, owner_member=world.peer, status_code="on_track")
    Goal.objects.filter(pk=draft.pk).update(status="draft")  # drafts never count
    from .conftest import make_cycle

    make_goal(make_cycle(world.org_b), owner_member=world.outsider_member, status_code="off_track")
    check_in(Goal.objects.get(title="Rockets objective"), author=world.manager)
    return boosters


def test_the_admin_heatmap_counts_each_team_with_everything_below_it(world, known):
    data = selectors.team_dashboard(actor=world.admin, team_param="org")
    rows = {row.team.name: row for row in data.team_rows}
    assert set(rows) == {"Rockets", "Anvils"}
    # Rockets includes Boosters; Bea is in Boosters (a sub-team of Rockets), so she counts there.
    assert rows["Rockets"].counts == {"on_track": 2, "at_risk": 2, "off_track": 1}
    assert rows["Rockets"].goals == 5
    assert rows["Rockets"].people == 3  # manager, member, Bea
    assert rows["Anvils"].counts == {"achieved": 1, "not_started": 2}
    assert rows["Anvils"].people == 1
    assert {s.code: s.count for s in data.distribution} == {
        "on_track": 2, "at_risk": 2, "off_track": 1, "not_started": 2, "achieved": 1, "missed": 0,
    }  # fmt: skip
    assert data.total_goals == 8
    assert data.people_total == 4


def test_the_heatmap_cells_print_their_numbers(admin_client, world, known):
    html = admin_client.get("/dashboard/", {"team": "org"}).content.decode()
    assert 'title="Rockets: 2 of 5 goals at risk">2</td>' in html
    assert 'title="Anvils: 2 of 3 goals not started">2</td>' in html
    assert 'title="Anvils: 0 of 3 goals off track">0</td>' in html


def test_a_managers_team_rolls_up_its_sub_team(world, known):
    data = selectors.team_dashboard(actor=world.manager)
    assert data.scope.team.name == "Rockets"
    assert [row.team.name for row in data.team_rows] == ["Boosters"]
    assert data.team_rows[0].counts == {"at_risk": 1}
    assert data.direct_row.counts == {"on_track": 2, "at_risk": 1, "off_track": 1}
    assert (data.at_risk, data.off_track) == (2, 1)
    assert data.overall == pytest.approx(0.5)  # the one objective
    assert data.checked_in_total == 1 and data.people_total == 3  # the manager checked in on the objective
    assert [p.member.user.full_name for p in data.people] == ["Mel Member", "Mona Manager"]


def test_attention_is_ranked_by_how_far_behind(world, known):
    data = selectors.team_dashboard(actor=world.admin, team_param=str(world.team.public_id))
    gaps = [round(row.behind) for row in data.attention]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[0] == 40  # the off-track goal: 10 % done, 50 % expected


def test_attention_lists_the_furthest_behind_and_counts_the_rest(world, cycle):
    """More goals need attention than the list shows: the furthest behind are listed, in order, with their
    owners; the count covers them all; an off-track objective is both an objective and in the list."""
    objective = make_goal(cycle, owner_team=world.team, status_code="off_track", title="Rockets objective")
    for index in range(selectors.LIST_LIMIT + 3):
        goal = make_goal(cycle, owner_member=world.member, status_code="at_risk", title=f"Behind {index:02}")
        Goal.objects.filter(pk=goal.pk).update(progress=0.3 - index / 100)  # further behind as the index grows
    data = selectors.team_dashboard(actor=world.manager)
    assert [o.goal.title for o in data.objectives] == ["Rockets objective"]
    listed = [row.goal.title for row in data.attention]
    assert len(listed) == selectors.LIST_LIMIT
    assert listed[0] == "Rockets objective"  # 10 % done, the furthest behind
    assert listed[1:] == [f"Behind {i:02}" for i in range(selectors.LIST_LIMIT + 2, 3, -1)]
    assert data.attention_visible == selectors.LIST_LIMIT + 4 == data.attention_total
    assert {row.goal.owner_name for row in data.attention} == {"Rockets", "Mel Member"}
    assert data.attention[0].goal.pk == objective.pk and data.attention[0].health.code == "off_track"


@pytest.mark.parametrize("confidence", ["", "at_risk"])
def test_status_in_sql_matches_goal_health(world, cycle, confidence):
    today = timezone.localdate()
    settings_row = GoalSettings(organization=world.org_a)
    cases = []
    for start_offset, due_offset, progress, status in [
        (-50, 50, 0.5, "active"), (-50, 50, 0.39, "active"), (-50, 50, 0.36, "active"), (-50, 50, 0.24, "active"),
        (-50, 50, 0.0, "active"), (-5, 95, 0.0, "active"), (10, 40, 0.0, "active"), (-90, -1, 0.8, "active"),
        (None, None, 0.3, "active"), (None, None, 0.0, "active"), (-50, 50, 0.2, "achieved"),
        (-50, 50, 0.2, "missed"), (-50, 50, 0.2, "draft"), (-50, -50, 0.1, "active"), (-30, 70, 0.05, "active"),
    ]:  # fmt: skip
        cases.append(
            Goal.objects.create(
                organization=world.org_a,
                cycle=cycle,
                owner_member=world.member,
                title="g",
                status=status,
                progress=progress,
                confidence=confidence,
                start_date=today + timedelta(days=start_offset) if start_offset is not None else None,
                due_date=today + timedelta(days=due_offset) if due_offset is not None else None,
            )
        )
    from django.db.models.expressions import RawSQL

    sql = health_sql("goals_goal", today, at_risk_gap=10, off_track_gap=25)
    got = dict(Goal.objects.filter(pk__in=[g.pk for g in cases]).annotate(h=RawSQL(sql, [])).values_list("pk", "h"))
    for goal in cases:
        assert got[goal.pk] == goal_health(goal, settings_row, today).code, (goal.start_date, goal.progress)


def _link(child: Goal, parent: Goal, weight: str = "1") -> None:
    from decimal import Decimal

    from apps.goals.models import GoalAlignment

    GoalAlignment.objects.create(organization=parent.organization, child=child, parent=parent, weight=Decimal(weight))


def test_an_objective_is_at_most_as_healthy_as_its_contributors_say_as_in_the_tree(world, cycle, manager_client):
    """On pace itself, the objective is capped at off track by its heavier off-track contributors (one of
    them private, counted but never named); a dropped contributor does not count. The dashboard shows the
    same status, with the same reason, as the alignment roll-up."""
    from apps.alignment.selectors import goal_rolled_health

    objective = make_goal(cycle, owner_team=world.team, status_code="on_track", title="Rockets objective")
    _link(make_goal(cycle, owner_member=world.member, status_code="on_track"), objective, "1")
    _link(make_goal(cycle, owner_member=world.member, status_code="off_track", visibility="private"), objective, "2")
    _link(make_goal(cycle, owner_member=world.manager, status_code="at_risk"), objective, "1")
    dropped = make_goal(cycle, owner_member=world.manager, status_code="on_track")
    _link(dropped, objective, "5")
    Goal.objects.filter(pk=dropped.pk).update(status="dropped")
    other = make_goal(cycle, owner_team=world.team, status_code="at_risk", title="Rockets second objective")

    data = selectors.team_dashboard(actor=world.manager, team_param=str(world.team.public_id))
    rows = {row.goal.pk: row.health for row in data.objectives}
    capped = rows[objective.pk]
    assert (capped.code, capped.lowered, capped.own.code) == ("off_track", True, "on_track")
    assert capped.evidence.counted == 3 and capped.evidence.off == 1 and capped.evidence.risk == 1
    assert capped.evidence.off_share == pytest.approx(0.5)
    assert (rows[other.pk].code, rows[other.pk].lowered) == ("at_risk", False)  # no contributors: its own pace
    tree = goal_rolled_health(actor=world.admin, goal=Goal.objects.get(pk=objective.pk))
    assert (tree.code, tree.why, tree.evidence) == (capped.code, capped.why, capped.evidence)

    html = manager_client.get("/dashboard/").content.decode()
    assert "capped by its contributors: 1 of 3 contributing goals off track, weighted 50 %" in html
