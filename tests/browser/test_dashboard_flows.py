"""A manager's day: the team dashboard, an at-risk goal, the alignment tree and a goal's path to the top."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import TeamKind
from apps.goals.models import Goal, GoalStatus

from .flows import member, patient, seed_full_demo


@pytest.fixture
def demo(demo_org):
    seed_full_demo()
    return demo_org


def _company_chain(goal: Goal) -> list[Goal] | None:
    """The goals from ``goal`` up to a company objective (first parent at each level), if it reaches one."""
    chain, seen = [goal], {goal.pk}
    while chain[-1].owner_team is None or chain[-1].owner_team.kind != TeamKind.COMPANY:
        link = chain[-1].parent_links.select_related("parent__owner_team").order_by("id").first()
        if link is None or link.parent.pk in seen:
            return None
        chain.append(link.parent)
        seen.add(link.parent.pk)
    return chain


def test_manager_dashboard_at_risk_goal_alignment_tree_and_path(
    demo, live_server, page, sign_in, screenshot, console_errors
):
    bo = member("bo")
    today = timezone.localdate()
    candidates = Goal.objects.filter(
        owner_member=bo, status=GoalStatus.ACTIVE, cycle__starts_on__lte=today, cycle__ends_on__gte=today
    ).order_by("title")
    aligned = next((g for g in candidates if (chain := _company_chain(g)) and len(chain) > 2), None)
    assert aligned is not None, "the demo aligns one of bo's goals up to a company objective"
    objective = chain[-1]

    # Managers land on their team's dashboard.
    sign_in(patient(page), "ana@brightwave.example")
    assert page.url == f"{live_server.url}/dashboard/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales")
    expect(page.locator(".dash-summary")).to_contain_text("at risk")
    screenshot(page, "dashboard")

    # An at-risk goal from "Needs attention" opens on its own page, still at risk there.
    attention = page.locator(".dash-attention")
    at_risk = attention.locator("li", has=page.locator(".status--at_risk")).first
    expect(at_risk).to_be_visible()
    link = at_risk.get_by_role("link").first
    title = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/goals/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("#goal-summary .goal-summary__status")).to_contain_text("At risk")
    screenshot(page, "at-risk-goal")

    # The alignment tree, opened from the dashboard, expands in place with htmx.
    page.go_back()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.locator(".dash-links").get_by_role("link", name="Alignment tree").click()
    page.wait_for_url(re.compile(r"/alignment/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alignment")
    page.wait_for_load_state("networkidle")
    tree_url = page.url
    page.evaluate("window.__marker = 1")
    toggle = page.get_by_role("link", name=f"Expand {bo.user.full_name}", exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    collapse = page.get_by_role("link", name=f"Collapse {bo.user.full_name}", exact=True)
    expect(collapse).to_have_attribute("aria-expanded", "true")
    person = page.locator("li.anode--person", has=collapse)
    path_link = person.get_by_role("link", name=re.compile(rf"^Path to the top\s*: {re.escape(aligned.title)}$"))
    expect(path_link).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "expanding a tree node reloaded the page"
    assert page.url.split("?")[0] == tree_url.split("?")[0]
    screenshot(page, "tree-expanded")

    # The goal's path climbs to the company objective.
    path_link.click()
    page.wait_for_url(f"{live_server.url}/alignment/path/{aligned.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why does this matter?")
    steps = page.locator(".apath").first.locator("> li")
    expect(steps).to_have_count(len(chain))
    for goal in chain:
        expect(page.locator(".apath").first).to_contain_text(goal.title)
    expect(page.locator(".apath__step--current")).to_contain_text(aligned.title)
    top = page.locator(".apath").first.locator("> li", has_text=objective.title)
    expect(top).to_contain_text(objective.owner_team.name)
    top.get_by_role("link", name=objective.title, exact=True).click()
    page.wait_for_url(f"{live_server.url}/goals/{objective.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(objective.title)
    screenshot(page, "company-objective")
    assert console_errors == []
