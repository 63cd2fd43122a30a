import pytest
from django.urls import reverse

from apps.accounts.models import Team, TeamKind, TeamMembership, TeamRole
from tests.conftest import HTMX, assert_fragment, assert_page

TEAMS = reverse("accounts:teams")
TEAM_CREATE = reverse("accounts:team_create")


def detail_url(team):
    return reverse("accounts:team_detail", args=[team.public_id])


def edit_url(team):
    return reverse("accounts:team_edit", args=[team.public_id])


def add_url(team):
    return reverse("accounts:team_member_add", args=[team.public_id])


def remove_url(team, membership):
    return reverse("accounts:team_member_remove", args=[team.public_id, membership.public_id])


def member_list(html: str) -> str:
    """The markup of the team's member list only (not the menu, not the add form)."""
    start = html.index('<ul class="list" id="member-list">')
    return html[start : html.index("</ul>", start)]


# --- teams list ----------------------------------------------------------------------


def test_teams_shows_the_organization_tree_only(member_client, world):
    html = assert_page(member_client.get(TEAMS), 'class="tree"')
    assert "Feathers" not in html
    # depth-first: the company first, its teams (alphabetical) indented below it
    positions = [html.index(f"<strong>{name}</strong>") for name in ["Acme", "Anvils", "Rockets"]]
    assert positions == sorted(positions)
    assert (
        f'<li class="indent-1">\n      <span aria-hidden="true" class="muted">↳</span>\n      <a href="{detail_url(world.team)}">'
        in html
    )
    assert "2 people" in html  # Rockets: Mona and Mel


def test_teams_offers_new_team_to_admins_only(member_client, admin_client, world):
    assert TEAM_CREATE not in member_client.get(TEAMS).content.decode()
    assert TEAM_CREATE in admin_client.get(TEAMS).content.decode()


def test_teams_refuses_post(admin_client, world):
    assert admin_client.post(TEAMS).status_code == 405


# --- create --------------------------------------------------------------------------


def _team_data(**overrides):
    return {"name": "Lasers", "kind": TeamKind.TEAM, "parent": "", "description": "Pew", **overrides}


def test_team_create_page_offers_only_own_teams_as_parents(admin_client, world):
    html = assert_page(admin_client.get(TEAM_CREATE), 'name="name"', 'name="parent"')
    assert str(world.company.public_id) in html
    assert str(world.team_b.public_id) not in html


def test_admin_creates_a_team_and_lands_on_it(admin_client, world):
    response = admin_client.post(TEAM_CREATE, _team_data(parent=str(world.company.public_id)))
    team = Team.objects.get(name="Lasers")
    assert response.status_code == 302
    assert response["Location"] == detail_url(team)
    assert (team.organization, team.parent, team.kind, team.description) == (world.org_a, world.company, "team", "Pew")


def test_team_create_with_a_taken_name_rerenders_with_the_error(admin_client, world):
    response = admin_client.post(TEAM_CREATE, _team_data(name="rockets"))
    assert_page(response, "Another team already has this name.")
    assert Team.objects.filter(organization=world.org_a).count() == 3


def test_team_name_may_repeat_across_organizations(admin_client, world):
    assert admin_client.post(TEAM_CREATE, _team_data(name="Feathers")).status_code == 302
    assert Team.objects.filter(name="Feathers").count() == 2


def test_team_create_cannot_use_a_parent_of_another_organization(admin_client, world):
    response = admin_client.post(TEAM_CREATE, _team_data(parent=str(world.team_b.public_id)))
    assert_page(response, "Select a valid choice")
    assert not Team.objects.filter(name="Lasers").exists()


@pytest.mark.parametrize("who", ["member_client", "manager_client"])
def test_only_admins_create_teams(request, world, who):
    client = request.getfixturevalue(who)
    assert client.get(TEAM_CREATE).status_code == 403
    assert client.post(TEAM_CREATE, _team_data()).status_code == 403
    assert not Team.objects.filter(name="Lasers").exists()


def test_team_create_refuses_put(admin_client, world):
    assert admin_client.put(TEAM_CREATE).status_code == 405


# --- edit ----------------------------------------------------------------------------


def test_team_edit_page_is_prefilled(admin_client, world):
    html = assert_page(admin_client.get(edit_url(world.team)), 'value="Rockets"')
    assert f'<option value="{world.company.public_id}" selected>' in html
    assert f'<option value="{world.team.public_id}"' not in html  # not its own parent


def test_admin_edits_a_team(admin_client, world):
    response = admin_client.post(
        edit_url(world.team), _team_data(name="Rocketry", kind=TeamKind.DEPARTMENT, parent="", description="Up")
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.team)
    world.team.refresh_from_db()
    assert (world.team.name, world.team.kind, world.team.parent, world.team.description) == (
        "Rocketry",
        TeamKind.DEPARTMENT,
        None,
        "Up",
    )


def test_team_edit_that_nests_a_team_inside_its_own_subteam_rerenders_with_the_error(admin_client, world):
    response = admin_client.post(
        edit_url(world.company), _team_data(name="Acme", kind=TeamKind.COMPANY, parent=str(world.team.public_id))
    )
    assert_page(response, "A team cannot sit inside itself or one of its sub-teams.")
    world.company.refresh_from_db()
    assert world.company.parent is None


def test_team_manager_cannot_edit_their_team(manager_client, world):
    assert manager_client.get(edit_url(world.team)).status_code == 403
    assert manager_client.post(edit_url(world.team), _team_data()).status_code == 403
    world.team.refresh_from_db()
    assert world.team.name == "Rockets"


@pytest.mark.parametrize("method", ["get", "post"])
def test_team_edit_of_another_organization_is_not_found(admin_client, world, method):
    assert getattr(admin_client, method)(edit_url(world.team_b), _team_data()).status_code == 404
    world.team_b.refresh_from_db()
    assert world.team_b.name == "Feathers"


def test_team_edit_refuses_put(admin_client, world):
    assert admin_client.put(edit_url(world.team)).status_code == 405


# --- detail --------------------------------------------------------------------------


def test_team_detail_lists_members_managers_first_without_controls_for_members(member_client, world):
    html = assert_page(member_client.get(detail_url(world.team)), "<h1>Rockets</h1>", "Members <span")
    members = member_list(html)
    assert members.index("Mona Manager") < members.index("Mel Member")
    assert "part of" in html and detail_url(world.company) in html
    assert remove_url(world.team, world.member) not in html
    assert add_url(world.team) not in html
    assert edit_url(world.team) not in html


def test_team_detail_gives_its_manager_the_member_controls(manager_client, world):
    html = manager_client.get(detail_url(world.team)).content.decode()
    assert remove_url(world.team, world.member) in html
    assert f'hx-post="{add_url(world.team)}"' in html
    assert edit_url(world.team) not in html  # editing the team itself is for admins


def test_team_detail_gives_admins_the_edit_link(admin_client, world):
    assert edit_url(world.team) in admin_client.get(detail_url(world.team)).content.decode()


def test_team_detail_of_another_organization_is_not_found(admin_client, world):
    assert admin_client.get(detail_url(world.team_b)).status_code == 404


def test_team_detail_refuses_post(manager_client, world):
    assert manager_client.post(detail_url(world.team)).status_code == 405


# --- add member ----------------------------------------------------------------------


def _add_data(membership, role=TeamRole.MEMBER):
    return {"member": str(membership.public_id), "role": role}


def test_team_manager_adds_a_person_and_returns_to_the_team(manager_client, world):
    response = manager_client.post(add_url(world.team), _add_data(world.peer))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.team)
    tm = TeamMembership.objects.get(team=world.team, membership=world.peer)
    assert (tm.organization, tm.role) == (world.org_a, TeamRole.MEMBER)


def test_team_manager_adds_with_htmx_and_gets_the_member_list_back(manager_client, world):
    response = manager_client.post(add_url(world.team), _add_data(world.peer), **HTMX)
    html = assert_fragment(response, 'id="team-members"', 'Members <span class="muted small">(3)</span>')
    assert "Pete Peer" in member_list(html)
    assert TeamMembership.objects.filter(team=world.team, membership=world.peer).exists()


def test_adding_someone_already_in_the_team_changes_their_role(admin_client, world):
    admin_client.post(add_url(world.team), _add_data(world.member, TeamRole.MANAGER))
    assert TeamMembership.objects.filter(team=world.team, membership=world.member).count() == 1
    assert TeamMembership.objects.get(team=world.team, membership=world.member).role == TeamRole.MANAGER


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_adding_a_person_of_another_organization_rerenders_with_the_error(manager_client, world, headers):
    response = manager_client.post(add_url(world.team), _add_data(world.outsider_member), **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'id="team-members"' in html
    assert ("<html" in html) is (not headers)
    assert not TeamMembership.objects.filter(membership=world.outsider_member, team=world.team).exists()


@pytest.mark.parametrize("who", ["member_client", "peer_client"])
def test_people_who_do_not_manage_the_team_cannot_add_to_it(request, world, who):
    client = request.getfixturevalue(who)
    assert client.post(add_url(world.team), _add_data(world.peer)).status_code == 403
    assert not TeamMembership.objects.filter(team=world.team, membership=world.peer).exists()


def test_a_team_manager_cannot_add_to_another_team(manager_client, world):
    assert manager_client.post(add_url(world.peer_team), _add_data(world.member)).status_code == 403
    assert not TeamMembership.objects.filter(team=world.peer_team, membership=world.member).exists()


def test_add_member_refuses_get(manager_client, world):
    assert manager_client.get(add_url(world.team)).status_code == 405


def test_add_member_to_a_team_of_another_organization_is_not_found(outsider_client, world):
    assert outsider_client.post(add_url(world.team), _add_data(world.outsider_member)).status_code == 404
    assert not TeamMembership.objects.filter(team=world.team, membership=world.outsider_member).exists()


# --- remove member -------------------------------------------------------------------


def test_team_manager_removes_a_member_and_returns_to_the_team(manager_client, world):
    response = manager_client.post(remove_url(world.team, world.member))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.team)
    assert not TeamMembership.objects.filter(team=world.team, membership=world.member).exists()
    assert "Mel Member removed from Rockets." in manager_client.get(detail_url(world.team)).content.decode()


def test_team_manager_removes_with_htmx_and_gets_the_member_list_back(manager_client, world):
    response = manager_client.post(remove_url(world.team, world.member), **HTMX)
    members = member_list(assert_fragment(response, 'id="team-members"'))
    assert "Mona Manager" in members
    assert "Mel Member" not in members
    assert not TeamMembership.objects.filter(team=world.team, membership=world.member).exists()


def test_member_cannot_remove_a_teammate(member_client, world):
    assert member_client.post(remove_url(world.team, world.manager)).status_code == 403
    assert TeamMembership.objects.filter(team=world.team, membership=world.manager).exists()


def test_remove_member_refuses_get(manager_client, world):
    assert manager_client.get(remove_url(world.team, world.member)).status_code == 405
    assert TeamMembership.objects.filter(team=world.team, membership=world.member).exists()


def test_remove_from_a_team_of_another_organization_is_not_found(admin_client, world):
    assert admin_client.post(remove_url(world.team_b, world.outsider_member)).status_code == 404
    assert TeamMembership.objects.filter(team=world.team_b, membership=world.outsider_member).exists()


def test_remove_with_a_person_of_another_organization_is_not_found(admin_client, world):
    assert admin_client.post(remove_url(world.team, world.outsider_member)).status_code == 404
