"""The core app: the membership on every request, sign-in by default, health, home and shared helpers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import CharField, Form
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import services
from apps.core.http import apply_validation_error, redirect_or_htmx
from apps.core.models import BeatTick
from tests.conftest import assert_page
from tests.factories import MembershipFactory, UserFactory

PROFILE = reverse("accounts:profile")


# --- sign-in and membership on every request ----------------------------------------


def test_pages_need_sign_in_by_default(client, world):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={PROFILE}"


def test_sign_in_page_is_open_to_visitors(client, db):
    assert_page(client.get(reverse("accounts:login")), "Sign in to Goalsite")


def test_request_carries_the_signed_in_persons_own_organization(member_client, world):
    response = member_client.get(PROFILE)
    assert response.wsgi_request.membership == world.member
    assert response.wsgi_request.organization == world.org_a
    assert "Acme" in response.content.decode()


def test_an_account_without_organization_reaches_no_page(client, db):
    user = UserFactory()
    client.force_login(user)
    response = client.get(PROFILE)
    assert response.status_code == 403
    assert "No organization for this account" in response.content.decode()


def test_a_deactivated_member_reaches_no_organization_page(client, world):
    world.member.is_active = False
    world.member.save()
    client.force_login(world.member.user)
    for url in (PROFILE, reverse("accounts:people"), reverse("accounts:team_detail", args=[world.team.public_id])):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Rockets" not in response.content.decode()


def test_the_person_their_membership_and_organization_come_in_one_statement(member_client, world):
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(PROFILE)
    assert response.status_code == 200
    assert response.context["membership"] == world.member
    assert response.context["organization"] == world.org_a
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(reads) == 1
    assert 'JOIN "accounts_membership"' in reads[0] and 'JOIN "accounts_organization"' in reads[0]
    by_user = [q["sql"] for q in captured.captured_queries if '"accounts_membership"."user_id" =' in q["sql"]]
    assert by_user == []


def test_a_person_without_organization_can_still_sign_out(client, db):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_missing_page_uses_our_not_found_page(member_client, world):
    response = member_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is nothing here, or it is not yours to see." in response.content.decode()


# --- home ----------------------------------------------------------------------------


def test_home_answers_signed_in_people(member_client, world):
    response = member_client.get(reverse("core:home"))
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # a higher app chose where "/" lands (GOALSITE_HOME_RESOLVER)
        assert member_client.get(response["Location"]).status_code == 200


def test_home_without_a_resolver_lists_teams_and_reports(manager_client, world, settings):
    settings.GOALSITE_HOME_RESOLVER = ""
    html = assert_page(manager_client.get(reverse("core:home")), "Hello, Mona", "Rockets")
    assert "Mel Member" in html  # her direct report


def test_home_refuses_post(member_client, world):
    assert member_client.post(reverse("core:home")).status_code == 405


# --- health --------------------------------------------------------------------------


def test_healthz_reports_database_and_broker_without_sign_in(client, db):
    response = client.get(reverse("core:healthz"))
    report = response.json()
    assert report["database"] == {"ok": True, "detail": "postgresql"}
    assert set(report) == {"status", "database", "broker", "last_beat_tick"}
    assert response.status_code == (200 if report["broker"]["ok"] else 503)
    assert "no-cache" in response["Cache-Control"]


def test_healthz_shows_the_last_beat_tick(client, db):
    services.beat_tick_record(name="beat")
    services.beat_tick_record(name="beat")
    tick = BeatTick.objects.get(name="beat")
    assert tick.count == 2
    assert client.get(reverse("core:healthz")).json()["last_beat_tick"] == tick.ticked_at.isoformat()


def test_healthz_refuses_post(client, db):
    assert client.post(reverse("core:healthz")).status_code == 405


# --- helpers -------------------------------------------------------------------------


class _NameForm(Form):
    name = CharField()


def test_a_services_field_error_lands_on_its_field_and_others_on_the_form():
    form = _NameForm({"name": "x"})
    assert form.is_valid()
    apply_validation_error(form, ValidationError({"name": "Taken.", "colour": "Unknown field."}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Unknown field."]
    form = _NameForm({"name": "x"})
    form.is_valid()
    apply_validation_error(form, ValidationError("Not allowed."))
    assert form.non_field_errors() == ["Not allowed."]


@pytest.mark.parametrize(("htmx", "status", "header"), [(False, 302, "Location"), (True, 200, "HX-Redirect")])
def test_redirect_or_htmx_picks_the_redirect_htmx_follows(htmx, status, header):
    request = RequestFactory().post("/")
    request.htmx = htmx
    response = redirect_or_htmx(request, "/teams/")
    assert response.status_code == status
    assert response[header] == "/teams/"


def test_membership_factory_keeps_the_user_in_one_organization(db):
    membership = MembershipFactory()
    assert membership.user.membership == membership
    assert membership.user.check_password("correct-horse-battery-9")


def _main_nav(html: str) -> str:
    return html.split('<nav class="mainnav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]


def test_main_navigation_offers_the_dashboard_to_managers_and_one_goals_link_to_members(
    member_client, manager_client, admin_client
):
    from django.urls import reverse

    member_nav = _main_nav(member_client.get(reverse("goals:mine")).content.decode())
    assert ">Dashboard<" not in member_nav and ">Home<" not in member_nav
    assert member_nav.count(f'href="{reverse("goals:mine")}"') == 1
    for client in (manager_client, admin_client):
        nav = _main_nav(client.get(reverse("goals:mine")).content.decode())
        assert f'<a href="{reverse("dashboards:team")}" >Dashboard</a>' in nav


def test_everyone_reaches_the_alignment_tree_from_the_main_navigation(member_client, manager_client):
    tree = reverse("alignment:tree")
    for client in (member_client, manager_client):
        nav = _main_nav(client.get(reverse("goals:mine")).content.decode())
        assert f'<a href="{tree}" >Alignment</a>' in nav
    on_tree = _main_nav(member_client.get(tree).content.decode())
    assert f'<a href="{tree}" aria-current="page">Alignment</a>' in on_tree
