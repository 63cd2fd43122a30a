"""A person sets a goal from the template library, adds key results, moves one inline and activates it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.goals import services
from apps.goals.models import Goal, GoalStatus

from .flows import member, patient, percent


@pytest.fixture
def cycle(demo_org):
    current, _next = services.cycle_ensure_quarters(organization=demo_org, today=timezone.localdate())
    return current


def test_goal_from_a_template_gets_key_results_moves_inline_and_is_activated(
    demo_org, cycle, live_server, page, sign_in, screenshot, console_errors
):
    bo = member("bo")
    due = cycle.ends_on
    sign_in(patient(page), "bo@brightwave.example")

    # The library: narrow it down with the live search, then pick the template.
    page.goto(f"{live_server.url}/templates/")
    page.get_by_label("Search templates").fill("new accounts")
    expect(page.locator("#template-results .results-count")).to_contain_text("match")
    screenshot(page, "library")
    page.get_by_role("link", name=re.compile(r"Use this template: Sign \[number\] new accounts")).click()
    page.wait_for_url(f"{live_server.url}/templates/sales-new-accounts/use/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fill in the blanks")

    # Every blank, then the due date; the live preview follows.
    page.get_by_label("Number").fill("12")
    page.get_by_label("Territory").fill("the Nordics")
    page.get_by_label("Date", exact=True).fill(due.isoformat())
    page.get_by_label("Due date").fill(due.isoformat())
    preview = page.locator("#template-preview")
    expect(preview.locator(".preview__title")).to_contain_text("Sign 12 new accounts in the Nordics")
    expect(preview.locator(".gate")).not_to_contain_text("more blank")
    screenshot(page, "template-filled")
    page.get_by_role("button", name="Create draft goal").click()

    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/goals/[0-9a-f-]{{36}}/$"))
    goal = Goal.objects.get(owner_member=bo, from_template="sales-new-accounts")
    assert goal.status == GoalStatus.DRAFT
    assert page.url == f"{live_server.url}/goals/{goal.public_id}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign 12 new accounts in the Nordics")
    expect(page.locator(".goal-head__meta")).to_contain_text("Draft")
    expect(page.locator(".flash")).to_contain_text("Draft goal created")
    kr_list = page.locator("#kr-list")
    expect(kr_list.locator("> li")).to_have_count(1)  # the template's own key result
    template_kr = goal.key_results.get()
    screenshot(page, "draft-goal")
    # A full-page screenshot leaves style="" on the page's inputs (0 [style] elements before it, 20 after);
    # htmx's settle step copies such attributes with setAttribute and trips the CSP: start from a fresh page.
    page.reload()

    # A second key result, added in place.
    page.evaluate("window.__marker = 1")
    page.locator("#key-results summary", has_text="Add a key result").click()
    form = page.locator("#kr-add-form")
    form.get_by_label("Title").fill("Discovery calls booked")
    form.get_by_label("Measured as").select_option("number")
    form.get_by_label("Unit").fill("calls")
    form.get_by_label("Start").fill("0")
    form.get_by_label("Target").fill("40")
    form.get_by_role("button", name="Add key result").click()
    expect(kr_list.locator("> li")).to_have_count(2)
    expect(kr_list).to_contain_text("Discovery calls booked")
    assert page.evaluate("window.__marker") == 1, "adding a key result reloaded the page"
    assert goal.key_results.count() == 2

    # Move the template's key result inline: the goal's bar moves without a reload.
    summary_num = page.locator("#goal-summary .progress__num")
    before = percent(summary_num.inner_text())
    row = page.locator(f"#kr-{template_kr.public_id}")
    row_before = percent(row.locator(".progress__num").inner_text())
    row.get_by_label(re.compile(r"of “New accounts signed in the Nordics”")).fill("6")
    row.get_by_role("button", name=re.compile(r"^Update")).click()
    row = page.locator(f"#kr-{template_kr.public_id}")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator(".kr__numbers")).to_contain_text("6")
    expect(summary_num).not_to_have_text(f"{before} %")
    after = percent(summary_num.inner_text())
    row_after = percent(row.locator(".progress__num").inner_text())
    assert row_after > row_before, (row_before, row_after)
    assert after > before, f"the goal's progress bar did not move: {before} % → {after} %"
    assert page.evaluate("window.__marker") == 1, "updating a key result reloaded the page"
    expect(page.locator("#activity")).to_contain_text("New accounts signed in the Nordics")
    screenshot(page, "kr-updated")

    # All five SMART letters pass, so it can be activated.
    expect(page.locator("#smart-heading")).to_contain_text("5/5")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Goal activated")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Active")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    assert goal.progress > 0
    screenshot(page, "activated")
    assert console_errors == []
