"""The weekly check-in in a real browser: several goals in one go, its speed, and the manager's review."""

import re
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import Membership, Role, User
from apps.checkins.models import Blocker, CheckIn
from apps.checkins.services import kr_field_key, local_today, period_start
from apps.goals import services
from apps.goals.models import Goal, GoalStatus

from .flows import member, patient, seed_full_demo


@pytest.fixture
def demo(demo_org):
    seed_full_demo()
    return demo_org


def _current_cycle(organization):
    current, _next = services.cycle_ensure_quarters(organization=organization, today=timezone.localdate())
    return current


def _active_goal(actor, cycle, title: str, kr_title: str, target: int, current: int = 0) -> Goal:
    goal = services.goal_create(actor=actor, title=title, cycle=cycle)
    services.kr_create(actor=actor, goal=goal, title=kr_title, target_value=target, unit="items", current_value=current)
    return services.goal_activate(actor=actor, goal=goal)


def _halfway(kr) -> Decimal:
    """A value half-way from the current value to the target: every kind of direction moves forward."""
    step = (kr.target_value - kr.current_value) / 2
    value = kr.current_value + step
    return value.quantize(Decimal("1") if abs(kr.target_value - kr.start_value) >= 10 else Decimal("0.1"))


def _numeric_krs(goal: Goal):
    return [kr for kr in goal.key_results.order_by("position", "id") if kr.metric_type not in ("boolean", "milestone")]


def test_weekly_checkin_moves_three_goals_at_once(demo, live_server, page, sign_in, screenshot, console_errors):
    bo = member("bo")
    cycle = _current_cycle(demo)
    _active_goal(bo, cycle, "Run 12 customer reference calls this quarter", "Reference calls held", 12, 2)
    _active_goal(bo, cycle, "Publish 6 deal reviews for the Sales team", "Deal reviews published", 6, 1)
    goals = [
        g
        for g in Goal.objects.filter(owner_member=bo, status=GoalStatus.ACTIVE, cycle=cycle).order_by("title")
        if _numeric_krs(g)
    ]
    assert len(goals) >= 3, "bo needs three active goals with key results"
    chosen = goals[:3]
    moves = {goal.pk: (kr := _numeric_krs(goal)[0], kr.current_value, _halfway(kr)) for goal in chosen}
    checkins_before = {goal.pk: goal.checkins.count() for goal in chosen}

    sign_in(patient(page), "bo@brightwave.example")
    page.goto(f"{live_server.url}/checkins/week/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week’s check-in")
    for goal in chosen:
        kr, old, new = moves[goal.pk]
        section = page.locator(f"#ci-{goal.public_id}")
        field = section.locator(f'[name="{kr_field_key(kr)}"]')
        expect(field).to_have_value(re.compile(rf"^{re.escape(f'{old.normalize():f}')}"))
        field.fill(f"{new.normalize():f}")
        section.locator(f'input[name="g-{goal.public_id}-confidence"][value="8"]').check()
    first = page.locator(f"#ci-{chosen[0].public_id}")
    first.get_by_label("Wins").fill("Two reference customers said yes on the same day.")
    # Ask someone outside the team for help: typing searches the organization (htmx fills the shared list).
    first.get_by_label("Blockers").fill("Need an API sandbox for the reference customer.")
    helper_field = first.locator(f'[name="g-{chosen[0].public_id}-help_from"]')
    expect(page.locator('#help-people option[value="zoe@brightwave.example"]')).to_have_count(0)
    helper_field.press_sequentially("Zoe F", delay=40)
    expect(page.locator('#help-people option[value="zoe@brightwave.example"]')).to_have_count(1)
    helper_field.fill("zoe@brightwave.example")
    screenshot(page, "filled")

    page.get_by_role("button", name=re.compile("^Submit all")).click()
    page.wait_for_url(re.compile(r"/checkins/submitted/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in saved")
    moved = page.locator(".ci-moved")
    expect(moved.locator("> li")).to_have_count(3)
    for goal in chosen:
        kr, old, new = moves[goal.pk]
        item = moved.locator("> li", has=page.get_by_role("link", name=goal.title, exact=True))
        expect(item).to_contain_text(kr.title)
        expect(item).to_contain_text("confidence 8/10")
    expect(moved).to_contain_text("Two reference customers said yes on the same day.")
    screenshot(page, "summary")
    blocker = Blocker.objects.get(goal=chosen[0], text__startswith="Need an API sandbox")
    assert blocker.help_from == member("zoe")
    for goal in chosen:
        assert goal.checkins.count() == checkins_before[goal.pk] + 1
        kr, _old, new = moves[goal.pk]
        kr.refresh_from_db()
        assert kr.current_value == new

    # The goal's check-in chart has the new point: its table's newest row is today at the new progress.
    goal = chosen[0]
    goal.refresh_from_db()
    latest = goal.checkins.order_by("-created_at").first()
    assert latest.confidence == 8
    moved.get_by_role("link", name=goal.title, exact=True).click()
    page.wait_for_url(re.compile(rf"/goals/{goal.public_id}/"))
    section = page.locator("#goal-checkins")
    expect(section).to_be_visible()
    newest = section.locator(".chart--progress table tbody tr").first
    expect(newest).to_contain_text(f"{round(latest.progress * 100)} %")
    expect(newest).to_contain_text(str(timezone.localdate().day))
    expect(section.locator(".ci-history > li").first).to_contain_text("Two reference customers said yes")
    chart = section.locator(".chart--progress svg[role='img']").first
    expect(chart).to_have_attribute("aria-label", re.compile(rf"{round(latest.progress * 100)} % at the last check-in"))
    screenshot(page, "goal-chart")
    assert console_errors == []


def test_five_goal_checkin_by_keyboard_is_quick(demo_org, live_server, page, sign_in, screenshot, console_errors):
    cycle = _current_cycle(demo_org)
    user = User.objects.create(email="pia@brightwave.example", full_name="Pia Quick", time_zone="Europe/Berlin")
    user.set_password("goalsite-demo-2026")
    user.save()
    pia = Membership.objects.create(
        user=user, organization=demo_org, role=Role.MEMBER, title="Account executive", line_manager=member("ana")
    )
    goals = [
        _active_goal(pia, cycle, f"Quick goal {n}: ship {10 * n} proposals", f"Proposals sent ({n})", 10 * n)
        for n in range(1, 6)
    ]
    krs = [g.key_results.get() for g in goals]
    sign_in(patient(page), "pia@brightwave.example")

    clicks = 0
    keys = 0
    started = time.monotonic()
    page.goto(f"{live_server.url}/checkins/week/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("5 goals")
    for n, (goal, kr) in enumerate(zip(goals, krs, strict=True), start=1):
        field = page.locator(f'[name="{kr_field_key(kr)}"]')
        field.fill(str(4 * n))  # typed values, no clicks
        field.press("Tab")  # into the confidence scale (nothing picked yet: its first choice)
        for _ in range(6):
            page.keyboard.press("ArrowRight")  # 1 → 7
        keys += 7
        expect(page.locator(f'input[name="g-{goal.public_id}-confidence"][value="7"]')).to_be_checked()
    page.get_by_role("button", name=re.compile("^Submit all")).click()
    clicks += 1
    page.wait_for_url(re.compile(r"/checkins/submitted/[0-9a-f-]{36}/$"))
    expect(page.locator(".ci-moved > li")).to_have_count(5)
    seconds = time.monotonic() - started
    print(f"5-goal check-in: {clicks} clicks, {seconds:.2f} s ({keys} keys pressed besides the typed values)")
    screenshot(page, "summary")

    assert CheckIn.objects.filter(author=pia).count() == 5
    assert set(CheckIn.objects.filter(author=pia).values_list("confidence", flat=True)) == {7}
    for n, kr in enumerate(krs, start=1):
        kr.refresh_from_db()
        assert kr.current_value == 4 * n
    assert clicks <= 6
    assert seconds < 30, f"the 5-goal check-in took {seconds:.1f} s"
    assert console_errors == []


def test_manager_sees_who_has_not_checked_in_this_week(demo, live_server, page, sign_in, screenshot, console_errors):
    ana = member("ana")
    reports = list(Membership.objects.filter(line_manager=ana, is_active=True).select_related("user"))
    missing, present = [], []
    for report in reports:
        week = period_start(local_today(report))
        (present if CheckIn.objects.filter(author=report, period_start=week).exists() else missing).append(report)
    assert missing and present, "the demo leaves some of ana's reports without a check-in this week"

    sign_in(patient(page), "ana@brightwave.example")
    page.goto(f"{live_server.url}/checkins/team/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team check-ins")
    expect(page.locator(".ci-tally")).to_contain_text(f"{len(present)}/{len(reports)}")
    not_in = page.locator(".ci-missing")
    expect(not_in.get_by_role("heading")).to_contain_text("Not checked in this week")
    expect(not_in.locator(".ci-missing__row")).to_have_count(len(missing))
    for report in missing:
        expect(not_in.get_by_role("link", name=report.user.full_name)).to_be_visible()
    for report in present:
        expect(not_in).not_to_contain_text(report.user.full_name)
        expect(page.locator(".ci-report", has_text=report.user.full_name)).to_be_visible()
    screenshot(page)
    assert console_errors == []
