"""The foundation's flows in a real browser: sign-in, invitations, and the htmx forms."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Invitation, Membership, Team, User
from goalsite.celery import app as celery_app

from .conftest import wait_for_landing

NEW_PASSWORD = "tangerine-lighthouse-4821"


def test_sign_in_lands_on_home_with_the_persons_name(demo_org, live_server, page, screenshot, console_errors):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/signin/\?next=/$"))

    page.get_by_label("Email").fill("bo@brightwave.example")
    page.get_by_label("Password").fill("goalsite-demo-2026")
    page.get_by_role("button", name="Sign in").click()

    wait_for_landing(page, live_server)
    expect(page.get_by_text("Hello, Bo", exact=True)).to_be_visible()
    expect(page.get_by_text("Account executive").first).to_be_visible()
    expect(page.get_by_label("Account menu for Bo Lindqvist")).to_be_visible()
    screenshot(page)
    assert console_errors == []


def test_navigation_is_usable_on_a_360px_wide_screen(demo_org, live_server, page, sign_in, screenshot, console_errors):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, "bo@brightwave.example")
    screenshot(page, "home")

    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")
    names = links.all_inner_texts()
    assert {"My goals", "Check-in", "Teams", "People"} <= set(names)
    assert "Dashboard" not in names and "Home" not in names  # a member's home is My goals: one link, not two
    for name, link in zip(names, links.all(), strict=True):
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, f"{name} is off screen: {box}"
        assert box["height"] >= 24, f"{name} is too small to tap: {box}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"The page scrolls sideways by {overflow}px at 360px"

    nav.get_by_role("link", name="Teams", exact=True).click()
    page.wait_for_url(f"{live_server.url}/teams/")
    expect(nav.get_by_role("link", name="Teams", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="Sales")).to_be_visible()

    page.get_by_label("Account menu for Bo Lindqvist").click()
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, f"Sign out is off screen: {box}"
    screenshot(page, "teams-menu-open")
    assert console_errors == []


@pytest.fixture
def eager_celery(monkeypatch):
    """No worker in browser tests: run tasks in the live server's thread when they are published.

    Only Celery's own setting changes, and it is put back afterwards. Celery reads Django's settings
    once, on first use: overriding ``CELERY_TASK_ALWAYS_EAGER`` here could make "eager" the value it
    keeps, and later tests in the same process would then run tasks without their worker.
    """
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def test_admin_invites_a_person_who_joins_with_the_emailed_link(
    demo_org,
    live_server,
    page,
    new_context,
    watch,
    sign_in,
    screenshot,
    console_errors,
    eager_celery,
    mailoutbox,
    settings,
):
    settings.SITE_URL = live_server.url
    sign_in(page, "maya@brightwave.example")
    page.goto(f"{live_server.url}/people/invite/")
    invite_url = page.url
    page.evaluate("window.__marker = 1")

    page.get_by_label("Email address").fill("nia.newcomer@brightwave.example")
    page.get_by_label("Team").select_option(label="Platform")
    page.get_by_role("button", name="Send invitation").click()

    notice = page.locator("#invite-panel .notice")
    expect(notice).to_have_text("Invitation sent to nia.newcomer@brightwave.example.")
    assert page.url == invite_url
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping the panel"
    expect(page.get_by_label("Email address")).to_have_value("")
    expect(page.locator("#invitation-list")).to_contain_text("nia.newcomer@brightwave.example")
    screenshot(page, "invitation-sent")

    invitation = Invitation.objects.get(email="nia.newcomer@brightwave.example")
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nia.newcomer@brightwave.example"]
    link = re.search(rf"{re.escape(live_server.url)}/join/\S+/", mailoutbox[0].body).group(0)

    newcomer = watch(new_context().new_page())
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Join Brightwave")
    expect(newcomer.get_by_text("nia.newcomer@brightwave.example")).to_be_visible()
    newcomer.get_by_label("Your name").fill("Nia Newcomer")
    newcomer.get_by_label("Choose a password").fill(NEW_PASSWORD)
    newcomer.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    screenshot(newcomer, "accept-form")
    newcomer.get_by_role("button", name="Create my account").click()

    wait_for_landing(newcomer, live_server)
    expect(newcomer.get_by_role("status").filter(has_text="Welcome")).to_have_text("Welcome to Brightwave, Nia!")
    expect(newcomer.get_by_text("Hello, Nia", exact=True)).to_be_visible()
    expect(newcomer.get_by_label("Account menu for Nia Newcomer")).to_be_visible()
    screenshot(newcomer, "welcome")
    user = User.objects.get(email="nia.newcomer@brightwave.example")
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.organization == demo_org
    assert [tm.team.name for tm in membership.team_memberships.all()] == ["Platform"]

    again = watch(new_context().new_page())
    response = again.goto(link)
    assert response.status == 410
    expect(again.get_by_role("heading", level=1)).to_have_text("This invitation was already used")
    screenshot(again, "link-reused")
    assert User.objects.filter(email="nia.newcomer@brightwave.example").count() == 1
    # The reused link is answered 410 on purpose; Chromium logs any 4xx document as a console error.
    assert [e for e in console_errors if "status of 410" not in e] == []


def test_team_member_is_added_in_place_with_htmx(demo_org, live_server, page, sign_in, screenshot, console_errors):
    sales = Team.objects.get(organization=demo_org, name="Sales")
    sign_in(page, "maya@brightwave.example")
    page.goto(f"{live_server.url}/teams/{sales.public_id}/")
    team_url = page.url
    members = page.locator("#member-list")
    expect(page.locator("#members-heading")).to_contain_text("(4)")
    expect(members).not_to_contain_text("Zoe Fischer")
    page.evaluate("window.__marker = 1")

    page.get_by_label("Person").select_option(label="Zoe Fischer · zoe@brightwave.example")
    page.get_by_role("button", name="Add to team").click()

    expect(members).to_contain_text("Zoe Fischer")
    expect(page.locator("#members-heading")).to_contain_text("(5)")
    assert page.url == team_url
    assert page.evaluate("window.__marker") == 1, "adding a member reloaded the page"
    expect(page.get_by_role("button", name="Remove Zoe Fischer from Sales")).to_be_visible()
    rows = members.locator("> li")
    expect(rows.first).to_contain_text("Ana Souza")  # the team's manager leads the list
    expect(rows.first).to_contain_text("Manager")
    assert sales.team_memberships.filter(membership__user__email="zoe@brightwave.example").exists()
    screenshot(page)
    assert console_errors == []


def test_profile_saves_in_place_with_htmx(demo_org, live_server, page, sign_in, screenshot, console_errors):
    sign_in(page, "maya@brightwave.example")
    page.goto(f"{live_server.url}/account/")
    profile_url = page.url
    page.evaluate("window.__marker = 1")

    page.get_by_label("Full name").fill("Maya Chen-Okafor")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_role("button", name="Save profile").click()

    expect(page.locator("#profile-form .notice")).to_have_text("Saved.")
    assert page.url == profile_url
    assert page.evaluate("window.__marker") == 1, "saving the profile reloaded the page"
    expect(page.get_by_label("Full name")).to_have_value("Maya Chen-Okafor")
    user = User.objects.get(email="maya@brightwave.example")
    assert (user.full_name, user.time_zone) == ("Maya Chen-Okafor", "Europe/Lisbon")
    screenshot(page)
    assert console_errors == []
