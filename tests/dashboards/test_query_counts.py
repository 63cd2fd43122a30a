"""The dashboard reads a fixed number of queries, however many people the team has."""

from apps.accounts.models import Team

from .conftest import get_counted, grow_team, make_goal, make_person

URL = "/dashboard/"
BUDGET = 15  # the whole request: session, user, membership, the unread bell and the dashboard's own


def test_ten_and_a_hundred_reports_cost_the_same_number_of_queries(world, cycle, manager_client):
    make_goal(cycle, owner_team=world.team, title="Team objective")
    grow_team(world, cycle, 10)
    small, html = get_counted(manager_client)
    assert html.count('class="person"') >= 10
    grow_team(world, cycle, 90)
    large, html = get_counted(manager_client)
    assert html.count('class="person"') >= 100
    assert small == large, f"{small} queries for 10 reports, {large} for 100"
    assert large <= BUDGET, f"{large} queries (budget {BUDGET})"


def test_sub_teams_and_the_whole_organization_stay_within_budget(world, cycle, client_for):
    make_goal(cycle, owner_team=world.team, title="Team objective")
    counts = []
    for teams in (2, 12):
        for index in range(len(counts) * 2, teams):
            sub = Team.objects.create(organization=world.org_a, name=f"Squad {index}", parent=world.team)
            person = make_person(world.org_a, f"Squad lead {index}", team=sub, line_manager=world.manager)
            make_goal(cycle, owner_member=person, status_code="at_risk")
        manager_count, _ = get_counted(client_for(world.manager))
        admin_count, _ = get_counted(client_for(world.admin), {"team": "org"})
        counts.append((manager_count, admin_count))
    assert counts[0] == counts[1], counts
    assert max(max(c) for c in counts) <= BUDGET, counts
