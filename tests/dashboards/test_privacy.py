"""Private goals count in a team's numbers and are never listed or named to someone who cannot see them."""

import re

import pytest

from .conftest import check_in, make_goal, make_person

URL = "/dashboard/"
SECRET = "Quietly interview at a competitor"


@pytest.fixture
def secret(world, cycle):
    # In the manager's team, but line-managed by the admin: the team manager may not see private goals.
    person = make_person(world.org_a, "Sid Secret", team=world.team, line_manager=world.admin)
    goal = make_goal(cycle, owner_member=person, status_code="off_track", title=SECRET, visibility="private")
    check_in(goal, blocker="Private blocker text")
    visible = make_goal(cycle, owner_member=world.member, status_code="at_risk", title="Ship the playbook")
    return {"person": person, "goal": goal, "visible": visible}


def test_a_private_goal_is_never_listed_to_a_manager_who_cannot_see_it(manager_client, secret):
    html = manager_client.get(URL).content.decode()
    assert SECRET not in html
    assert "Private blocker text" not in html
    assert str(secret["goal"].public_id) not in html
    assert "Ship the playbook" in html


def test_it_still_counts_in_the_teams_numbers(manager_client, secret):
    html = manager_client.get(URL).content.decode()
    assert re.search(r"■</span> 1 off track", html), "the private off-track goal counts in the header"
    assert "1 more you cannot see (private)" in html or "private goal" in html
    # Sid's own row counts only goals the viewer can open: none.
    row = html[html.index("Sid Secret") :]
    row = row[: row.index("</tr>")]
    assert re.search(r'title="Active goals[^"]*">0</td>', row)


def test_someone_who_may_see_it_gets_it_listed(admin_client, world, secret):
    html = admin_client.get(URL, {"team": world.team.public_id}).content.decode()
    assert SECRET in html
    assert "Private blocker text" in html


def test_the_dashboards_visibility_rule_is_goal_visible_to(world, cycle, secret):
    """The dashboards check visibility row by row (``_visible_q``); it must answer exactly like visible_to."""
    from apps.dashboards.selectors import _reach, _visible_q
    from apps.goals.models import Goal

    for owner in (world.member, world.peer, world.manager, world.admin, secret["person"]):
        for visibility in ("org", "team", "private"):
            make_goal(cycle, owner_member=owner, visibility=visibility)
    for team in (world.team, world.peer_team, world.company):
        for visibility in ("org", "team", "private"):
            make_goal(cycle, owner_team=team, visibility=visibility)
    for actor in (world.admin, world.manager, world.member, world.peer, secret["person"]):
        expected = set(Goal.objects.visible_to(actor).values_list("pk", flat=True))
        rule = set(Goal.objects.filter(organization=world.org_a).filter(_visible_q(actor)).values_list("pk", flat=True))
        assert rule == expected, actor
        # The same rule with the viewer's ids read once up front (what the dashboard page does).
        reach = _reach(actor)
        ids = Goal.objects.filter(organization=world.org_a).filter(_visible_q(actor, reach=reach))
        assert set(ids.values_list("pk", flat=True)) == expected, actor
