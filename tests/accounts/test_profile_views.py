import pytest
from django.urls import reverse

from tests.conftest import HTMX, assert_fragment, assert_page

URL = reverse("accounts:profile")


def _data(**overrides):
    return {"full_name": "Mel Renamed", "time_zone": "Europe/Berlin", "email_notifications": "", **overrides}


def test_profile_page_shows_the_signed_in_persons_details(member_client, world):
    html = assert_page(member_client.get(URL), 'id="profile-form"', 'value="Mel Member"', "mel.member@acme.example")
    assert "Europe/Berlin" in html  # the time zone list is offered


def test_profile_requires_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_profile_save_without_htmx_redirects_and_stores_the_changes(member_client, world):
    response = member_client.post(URL, _data())
    assert response.status_code == 302
    assert response["Location"] == URL
    user = world.member.user
    user.refresh_from_db()
    assert (user.full_name, user.time_zone, user.email_notifications) == ("Mel Renamed", "Europe/Berlin", False)
    assert "Profile saved." in member_client.get(URL).content.decode()


def test_profile_save_with_htmx_returns_the_form_fragment(member_client, world):
    response = member_client.post(URL, _data(email_notifications="on"), **HTMX)
    assert_fragment(response, 'id="profile-form"', "Saved.", 'value="Mel Renamed"')
    user = world.member.user
    user.refresh_from_db()
    assert user.full_name == "Mel Renamed"
    assert user.email_notifications is True


def test_profile_save_changes_nobody_else(member_client, world):
    member_client.post(URL, _data())
    world.peer.user.refresh_from_db()
    world.outsider_member.user.refresh_from_db()
    assert world.peer.user.full_name == "Pete Peer"
    assert world.outsider_member.user.full_name == "Otto Outsider"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_profile_with_unknown_time_zone_rerenders_with_the_error(member_client, world, headers):
    response = member_client.post(URL, _data(time_zone="Mars/Olympus_Mons"), **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert ("<html" in html) is (not headers)
    world.member.user.refresh_from_db()
    assert world.member.user.time_zone == "UTC"


def test_profile_with_blank_name_rerenders_with_the_error(member_client, world):
    response = member_client.post(URL, _data(full_name="   "))
    html = assert_page(response, "This field is required.")
    assert 'aria-invalid="true"' in html
    world.member.user.refresh_from_db()
    assert world.member.user.full_name == "Mel Member"


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_profile_refuses_other_methods(member_client, world, method):
    assert getattr(member_client, method)(URL).status_code == 405
