"""Lists cost a fixed number of queries however many people they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Membership, Team, TeamRole
from tests.factories import MembershipFactory, TeamFactory, TeamMembershipFactory

# The bound each page must stay within: session, the user with their membership, the page's
# own reads, the menus. A page that grows past it needs a look, not a bump.
PEOPLE_QUERIES = 5
TEAM_DETAIL_QUERIES = 7


def _grow_organization(world, size: int) -> None:
    """Add people until org A has ``size`` members, each with a manager, two teams and a title."""
    extra_team = Team.objects.filter(organization=world.org_a, name="Extra").first() or TeamFactory(
        organization=world.org_a, name="Extra", parent=world.company
    )
    for n in range(size - Membership.objects.filter(organization=world.org_a).count()):
        person = MembershipFactory(organization=world.org_a, line_manager=world.manager, title=f"Engineer {n}")
        TeamMembershipFactory(team=world.team, membership=person)
        TeamMembershipFactory(team=extra_team, membership=person, role=TeamRole.MANAGER)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("size", [5, 50])
def test_people_list_query_count_does_not_grow_with_the_organization(
    admin_client, world, size, django_assert_num_queries
):
    _grow_organization(world, size)
    with django_assert_num_queries(PEOPLE_QUERIES):
        response = admin_client.get(reverse("accounts:people"))
    assert f"{size} in Acme" in response.content.decode()


@pytest.mark.parametrize("size", [5, 50])
def test_team_detail_query_count_does_not_grow_with_the_team(manager_client, world, size, django_assert_num_queries):
    _grow_organization(world, size)
    with django_assert_num_queries(TEAM_DETAIL_QUERIES):
        response = manager_client.get(reverse("accounts:team_detail", args=[world.team.public_id]))
    assert f"({size - 2})</span>" in response.content.decode()  # Mona and Mel, plus everyone added


def test_small_and_large_organizations_cost_the_same_queries(admin_client, manager_client, world):
    people = reverse("accounts:people")
    team = reverse("accounts:team_detail", args=[world.team.public_id])
    _grow_organization(world, 5)
    small = (_queries(admin_client, people), _queries(manager_client, team))
    _grow_organization(world, 50)
    large = (_queries(admin_client, people), _queries(manager_client, team))
    assert small == large
