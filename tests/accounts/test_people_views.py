import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Role
from tests.conftest import HTMX, assert_page
from tests.factories import InvitationFactory

PEOPLE = reverse("accounts:people")


def detail_url(membership):
    return reverse("accounts:person_detail", args=[membership.public_id])


# --- people list ---------------------------------------------------------------------


def test_people_lists_everyone_in_the_organization_and_nobody_else(member_client, world):
    html = assert_page(member_client.get(PEOPLE), "4 in Acme")
    for name in ["Ada Admin", "Mona Manager", "Mel Member", "Pete Peer"]:
        assert name in html
    assert "Otto Outsider" not in html
    assert "Olga Outsider" not in html
    assert detail_url(world.member) in html


def test_people_shows_team_and_line_manager_columns(member_client, world):
    html = member_client.get(PEOPLE).content.decode()
    assert "Rockets (manager)" in html  # Mona manages Rockets
    assert html.count("Mona Manager") >= 2  # her own row and Mel's line manager column


def test_people_hides_invitations_and_the_invite_button_from_members(member_client, world):
    InvitationFactory(organization=world.org_a, email="secret.hire@acme.example")
    html = member_client.get(PEOPLE).content.decode()
    assert reverse("accounts:invite") not in html
    assert "secret.hire@acme.example" not in html


def test_people_shows_the_invite_button_to_admins(admin_client, world):
    assert reverse("accounts:invite") in admin_client.get(PEOPLE).content.decode()


def test_people_refuses_post(member_client, world):
    assert member_client.post(PEOPLE).status_code == 405


def test_people_requires_sign_in(client, world):
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- person detail -------------------------------------------------------------------


def _member_data(world, **overrides):
    return {
        "role": Role.MEMBER,
        "title": "Rocket scientist",
        "line_manager": str(world.manager.public_id),
        "is_active": "on",
        **overrides,
    }


def test_person_detail_shows_the_person_without_the_manage_form_to_members(peer_client, world):
    html = assert_page(peer_client.get(detail_url(world.member)), "Mel Member", "mel.member@acme.example")
    assert "Mona Manager" in html  # line manager
    assert "Rockets" in html  # team
    assert 'name="role"' not in html


def test_person_detail_lists_direct_reports(member_client, world):
    html = member_client.get(detail_url(world.manager)).content.decode()
    assert detail_url(world.member) in html


def test_person_detail_offers_the_manage_form_to_admins(admin_client, world):
    html = assert_page(admin_client.get(detail_url(world.member)), 'name="role"', 'name="line_manager"')
    # a person cannot be chosen as their own line manager
    assert f'value="{world.member.public_id}"' not in html


def test_admin_updates_a_person_and_is_redirected_to_them(admin_client, world):
    response = admin_client.post(detail_url(world.member), _member_data(world, role=Role.MANAGER, line_manager=""))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.member)
    world.member.refresh_from_db()
    assert (world.member.role, world.member.title, world.member.line_manager) == (
        Role.MANAGER,
        "Rocket scientist",
        None,
    )


def test_admin_update_with_htmx_answers_with_a_client_redirect(admin_client, world):
    response = admin_client.post(detail_url(world.member), _member_data(world, title="Lead"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail_url(world.member)
    world.member.refresh_from_db()
    assert world.member.title == "Lead"


def test_admin_update_that_makes_a_manager_loop_rerenders_with_the_error(admin_client, world):
    # Mel reports to Mona; making Mel Mona's manager would close a loop.
    response = admin_client.post(
        detail_url(world.manager), _member_data(world, role=Role.MANAGER, line_manager=str(world.member.public_id))
    )
    assert_page(response, "That would make a loop")
    world.manager.refresh_from_db()
    assert world.manager.line_manager == world.admin


def test_admin_cannot_pick_a_line_manager_from_another_organization(admin_client, world):
    response = admin_client.post(
        detail_url(world.member), _member_data(world, line_manager=str(world.outsider.public_id))
    )
    assert_page(response, "Select a valid choice")
    world.member.refresh_from_db()
    assert world.member.line_manager == world.manager


def test_admin_cannot_demote_themselves(admin_client, world):
    response = admin_client.post(detail_url(world.admin), _member_data(world, line_manager="", role=Role.MEMBER))
    assert_page(response, "You cannot remove your own admin rights")
    world.admin.refresh_from_db()
    assert world.admin.role == Role.ADMIN


def test_member_cannot_update_a_person(member_client, world):
    response = member_client.post(detail_url(world.peer), _member_data(world, role=Role.ADMIN))
    assert response.status_code == 403
    world.peer.refresh_from_db()
    assert world.peer.role == Role.MEMBER


def test_manager_cannot_update_their_report(manager_client, world):
    response = manager_client.post(detail_url(world.member), _member_data(world, title="Intern"))
    assert response.status_code == 403
    world.member.refresh_from_db()
    assert world.member.title == ""


@pytest.mark.parametrize("method", ["get", "post"])
def test_person_of_another_organization_is_not_found(admin_client, world, method):
    response = getattr(admin_client, method)(detail_url(world.outsider_member), _member_data(world))
    assert response.status_code == 404
    world.outsider_member.refresh_from_db()
    assert world.outsider_member.title == ""


def test_unknown_person_is_not_found(member_client, world):
    response = member_client.get(reverse("accounts:person_detail", args=["00000000-0000-0000-0000-000000000000"]))
    assert response.status_code == 404


def test_person_detail_refuses_put(admin_client, world):
    assert admin_client.put(detail_url(world.member)).status_code == 405
    assert Membership.objects.get(pk=world.member.pk).title == ""
