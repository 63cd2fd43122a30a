"""The team dashboard's view matrix: who may open what, methods, htmx, the landing page."""

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import Team, TeamMembership, TeamRole
from tests.conftest import HTMX, assert_fragment, assert_page

from .conftest import check_in, make_cycle, make_goal, make_person

URL = "/dashboard/"


@pytest.fixture
def filled(world, cycle):
    """Rockets (managed by ``manager``) with an objective, a goal per member and a sub-team below it."""
    objective = make_goal(cycle, owner_team=world.team, title="Win twenty enterprise logos", status_code="on_track")
    goal = make_goal(cycle, owner_member=world.member, title="Renewals pipeline", status_code="at_risk")
    check_in(goal, blocker="Legal review is stuck")
    sub = Team.objects.create(organization=world.org_a, name="Rocket boosters", parent=world.team)
    booster = make_person(world.org_a, "Bea Booster", team=sub, line_manager=world.manager)
    make_goal(cycle, owner_member=booster, title="Booster goal", status_code="off_track")
    return {"objective": objective, "goal": goal, "sub": sub, "booster": booster}


def test_url_name():
    assert reverse("dashboards:team") == URL


def test_a_manager_sees_their_team(manager_client, filled):
    html = assert_page(
        manager_client.get(URL),
        "<h1>Rockets",
        "Win twenty enterprise logos",
        "Renewals pipeline",
        "Legal review is stuck",
        "Mel Member",
        'aria-labelledby="pacing-heading"',
        'aria-labelledby="status-heading"',
    )
    # The sub-team is a row to drill into, with the off-track goal counted but not listed by name here.
    assert f'href="?team={filled["sub"].public_id}"' in html
    assert "Rocket boosters" in html


def test_a_manager_of_managers_drills_into_a_sub_team(manager_client, filled):
    html = assert_page(manager_client.get(URL, {"team": filled["sub"].public_id}), "<h1>Rocket boosters", "Bea Booster")
    assert f'href="?team={filled["sub"].public_id}"' not in html or "Rockets" in html  # breadcrumb back up
    assert 'aria-label="Teams above"' in html


def test_a_member_who_manages_no_team_gets_a_friendly_page(member_client, filled):
    html = assert_page(member_client.get(URL), "You don't manage a team", reverse("goals:mine"))
    assert "Renewals pipeline" not in html


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_another_organizations_team_is_not_found(world, client_for, filled, who):
    client = client_for(getattr(world, who))
    assert client.get(URL, {"team": world.team_b.public_id}).status_code == 404
    assert client.get(URL, {"team": uuid.uuid4()}).status_code == 404
    assert client.get(URL, {"team": "not-a-uuid"}).status_code == 404


def test_a_team_the_manager_does_not_manage_is_not_found(manager_client, world, filled):
    assert manager_client.get(URL, {"team": world.peer_team.public_id}).status_code == 404
    assert manager_client.get(URL, {"team": world.company.public_id}).status_code == 404  # above, not below
    assert manager_client.get(URL, {"team": "org"}).status_code == 404


def test_an_admin_opens_any_team_and_the_whole_organization(admin_client, world, filled):
    assert_page(admin_client.get(URL, {"team": world.peer_team.public_id}), "<h1>Anvils")
    html = assert_page(admin_client.get(URL, {"team": "org"}), "whole organization", "Teams side by side")
    assert f'href="?team={world.team.public_id}"' in html and f'href="?team={world.peer_team.public_id}"' in html


def test_an_admin_without_a_team_lands_on_the_organization(admin_client, filled):
    assert_page(admin_client.get(URL), "whole organization")


def test_an_admin_who_manages_a_team_lands_on_that_team(admin_client, world, filled):
    TeamMembership.objects.create(
        organization=world.org_a, team=world.peer_team, membership=world.admin, role=TeamRole.MANAGER
    )
    html = assert_page(admin_client.get(URL), "<h1>Anvils")
    assert "whole organization</span>" not in html


def test_a_renamed_and_a_new_team_show_at_once_although_the_teams_are_kept(admin_client, world, filled):
    assert_page(admin_client.get(URL, {"team": "org"}), "Anvils")
    world.peer_team.name = "Hammers"
    world.peer_team.save()
    Team.objects.create(organization=world.org_a, name="Rocket nozzles", parent=world.team)
    html = assert_page(admin_client.get(URL, {"team": "org"}), "Hammers", "Rocket nozzles")
    assert "Anvils" not in html
    assert_page(admin_client.get(URL, {"team": world.peer_team.public_id}), "<h1>Hammers")


def test_other_methods_are_refused(manager_client, filled):
    assert manager_client.post(URL).status_code == 405
    assert manager_client.put(URL).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_with_htmx_the_picker_gets_just_the_dashboard(manager_client, filled):
    response = manager_client.get(URL, {"team": filled["sub"].public_id}, headers={"HX-Target": "dashboard"}, **HTMX)
    html = assert_fragment(response, 'id="dashboard"', "Rocket boosters")
    assert '<nav class="mainnav"' not in html


def test_without_htmx_the_picker_form_reloads_the_page(manager_client, filled):
    html = assert_page(manager_client.get(URL, {"team": filled["sub"].public_id}), 'id="dashboard"')
    assert 'method="get"' in html and 'hx-get="/dashboard/"' in html


def test_an_organization_without_a_cycle_says_so(manager_client, world):
    assert_page(manager_client.get(URL), "No cycle yet")


def test_a_cycle_can_be_picked_and_a_foreign_one_is_not_found(manager_client, world, cycle, filled):
    other = make_cycle(world.org_b)
    assert manager_client.get(URL, {"cycle": other.public_id}).status_code == 404
    assert_page(manager_client.get(URL, {"cycle": cycle.public_id}), "Win twenty enterprise logos")


def test_every_number_has_an_explanation(manager_client, filled):
    html = assert_page(manager_client.get(URL), "How are these numbers computed?")
    assert 'title="Overall: the mean of its 1 objective' in html
    assert "Goals at risk:" in html and "checked in" in html


def test_no_inline_styles_or_scripts(manager_client, filled):
    html = assert_page(manager_client.get(URL))
    assert "style=" not in html
    assert "<script>" not in html and "onclick" not in html


# --- the landing page ---------------------------------------------------------------------


def test_home_sends_managers_and_admins_to_the_dashboard_and_members_to_my_goals(world, client_for):
    assert client_for(world.manager).get("/")["Location"] == URL
    assert client_for(world.admin).get("/")["Location"] == URL
    assert client_for(world.member).get("/")["Location"] == reverse("goals:mine")


def test_a_member_made_manager_of_a_team_lands_on_the_dashboard(world, client_for):
    TeamMembership.objects.filter(team=world.peer_team, membership=world.peer).update(role=TeamRole.MANAGER)
    assert client_for(world.peer).get("/")["Location"] == URL


@override_settings(GOALSITE_HOME_RESOLVER="")
def test_without_a_resolver_core_keeps_its_own_home_page(member_client):
    assert_page(member_client.get("/"), "Hello, Mel")
