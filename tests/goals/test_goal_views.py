"""My goals, goal pages, lifecycle, key results and plans: each view with and without htmx.

The world comes from tests/conftest.py: ``member`` owns the goals, ``manager`` is
their line manager (may edit), ``peer`` sees organization-wide goals but edits
none and cannot see private ones, ``outsider`` belongs to another organization.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.goals import selectors, services
from apps.goals.models import (
    Cycle,
    Goal,
    GoalAlignment,
    GoalEvent,
    GoalStatus,
    KeyResult,
    Milestone,
)
from apps.goals.templatetags.goals import markdown, progress_bar, status_badge
from tests.conftest import HTMX, assert_fragment, assert_page


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The shared world signs up several people; a fast hasher keeps this module quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class GoalWorld:
    cycle: Cycle
    next_cycle: Cycle
    goal: Goal  # member's active OKR, visible to the organization
    kr: KeyResult  # 10 → 50 leads, at 20
    private: Goal  # member's private goal: member, manager and admins only
    private_kr: KeyResult
    plan: Goal  # member's milestone plan with two steps
    step1: Milestone
    step2: Milestone
    draft: Goal
    closed: Goal
    cycle_b: Cycle
    goal_b: Goal  # another organization's goal
    kr_b: KeyResult
    step_b: Milestone


@pytest.fixture
def gv(world) -> GoalWorld:
    today = timezone.localdate()
    cycle, next_cycle = services.cycle_ensure_quarters(organization=world.org_a, today=today)
    (cycle_b, _) = services.cycle_ensure_quarters(organization=world.org_b, today=today)
    member = world.member
    goal = services.goal_create(
        actor=member,
        title="Grow the enterprise pipeline in the Nordics",
        framework="okr",
        cycle=cycle,
        status="active",
        description="Land logos **so that** the region pays for itself. <script>alert(1)</script>",
        tags="sales, nordics",
    )
    kr = services.kr_create(
        actor=member,
        goal=goal,
        title="Qualified leads",
        target_value=50,
        start_value=10,
        current_value=20,
        unit="leads",
    )
    private = services.goal_create(
        actor=member, title="Negotiate my promotion to senior", cycle=cycle, status="active", visibility="private"
    )
    private_kr = services.kr_create(actor=member, goal=private, title="Feedback talks", target_value=3, unit="talks")
    plan = services.goal_create(
        actor=member,
        title="Become a project manager",
        framework="plan",
        cycle=cycle,
        status="active",
        end_state="I run a cross-team project end to end.",
    )
    step2 = services.milestone_add(actor=member, goal=plan, title="Manage a small project")
    step1 = services.milestone_add(actor=member, goal=plan, title="Take a PM course", before_first=True)
    draft = services.goal_create(actor=member, title="Present a customer story at the all-hands", cycle=cycle)
    closed = services.goal_create(actor=member, title="Close the renewals backlog", cycle=cycle, status="active")
    services.goal_close(actor=member, goal=closed, status="achieved", reflection_worked="Weekly stand-ups.")
    goal_b = services.goal_create(actor=world.outsider_member, title="Bluebird goal", cycle=cycle_b, status="active")
    kr_b = services.kr_create(actor=world.outsider_member, goal=goal_b, title="Feathers", target_value=5, unit="f")
    step_b = services.milestone_add(actor=world.outsider_member, goal=goal_b, title="Bluebird step")
    return GoalWorld(
        cycle=cycle,
        next_cycle=next_cycle,
        goal=goal,
        kr=kr,
        private=private,
        private_kr=private_kr,
        plan=plan,
        step1=step1,
        step2=step2,
        draft=draft,
        closed=closed,
        cycle_b=cycle_b,
        goal_b=goal_b,
        kr_b=kr_b,
        step_b=step_b,
    )


def url(name, obj=None):
    return reverse(f"goals:{name}", args=[obj.public_id]) if obj is not None else reverse(f"goals:{name}")


def detail(goal):
    return url("detail", goal)


MINE = reverse("goals:mine")
CREATE = reverse("goals:create")

# Every goal-scoped view: (url name, which object it takes, methods it accepts, a valid POST body maker).
GOAL_VIEWS = ["detail", "edit", "activate", "close", "reopen", "carry_over", "confidence", "activity", "kr_add"]
GOAL_VIEWS += ["milestone_add", "plan_space"]
KR_VIEWS = ["kr_value", "kr_edit", "kr_delete"]
STEP_VIEWS = ["milestone_done", "milestone_reschedule", "milestone_move", "milestone_delete"]
POST_ONLY = ["activate", "kr_add", "milestone_add", "plan_space", "kr_value", "milestone_done", "milestone_move"]
GET_ONLY = ["detail", "activity"]
EDIT_VIEWS = [
    name for name in GOAL_VIEWS + KR_VIEWS + STEP_VIEWS if name not in GET_ONLY
]  # every view that changes something


def target(gv: GoalWorld, name: str, *, private: bool = False, other_org: bool = False):
    """The object a view is requested with: the visible goal, the private one, or org B's."""
    if name in KR_VIEWS:
        return gv.kr_b if other_org else gv.private_kr if private else gv.kr
    if name in STEP_VIEWS:
        return gv.step_b if other_org else gv.step1
    return gv.goal_b if other_org else gv.private if private else gv.goal


def valid_post(gv: GoalWorld, name: str) -> dict:
    return {
        "edit": {"title": "Grow the pipeline", "framework": "okr", "horizon": "short", "visibility": "org"},
        "close": {"status": "achieved", "reflection_worked": "Good habits."},
        "reopen": {"reason": "Not done after all"},
        "carry_over": {"cycle": str(gv.next_cycle.public_id)},
        "confidence": {"confidence": "at_risk", "note": "Slow month"},
        "kr_add": {"title": "Demos", "metric_type": "number", "unit": "demos", "target_value": "10"},
        "milestone_add": {"title": "A new step"},
        "kr_value": {"value": "30"},
        "kr_edit": {"title": "Leads", "metric_type": "number", "unit": "leads", "target_value": "60"},
        "milestone_reschedule": {"due_date": str(timezone.localdate()), "reason": "Moved"},
        "milestone_move": {"direction": "later"},
        "milestone_done": {"done": "1"},
    }.get(name, {})


def history_size() -> int:
    return GoalEvent.objects.count()


# --- the access matrix ---------------------------------------------------------------


@pytest.mark.parametrize("name", GOAL_VIEWS + KR_VIEWS + STEP_VIEWS)
def test_another_organizations_objects_are_not_found(outsider_client, gv, name):
    """Org B's admin asks for org A's objects: 404 for GET and POST, nothing written."""
    before = history_size()
    link = url(name, target(gv, name))
    assert outsider_client.get(link).status_code in (404, 405)
    assert outsider_client.post(link, valid_post(gv, name)).status_code in (404, 405)
    assert outsider_client.post(link, valid_post(gv, name), **HTMX).status_code in (404, 405)
    assert history_size() == before


@pytest.mark.parametrize("name", GOAL_VIEWS + KR_VIEWS + STEP_VIEWS)
def test_org_a_member_cannot_reach_org_b_objects(member_client, gv, name):
    link = url(name, target(gv, name, other_org=True))
    assert member_client.get(link).status_code in (404, 405)
    assert member_client.post(link, valid_post(gv, name)).status_code in (404, 405)


@pytest.mark.parametrize("name", GOAL_VIEWS + KR_VIEWS)
def test_a_peer_cannot_see_a_private_goal(peer_client, gv, name):
    before = history_size()
    link = url(name, target(gv, name, private=True))
    get = peer_client.get(link).status_code
    assert get == (405 if name in POST_ONLY else 404)
    assert peer_client.post(link, valid_post(gv, name)).status_code == (405 if name in GET_ONLY else 404)
    assert history_size() == before


@pytest.mark.parametrize("name", EDIT_VIEWS)
def test_a_peer_who_sees_the_goal_cannot_change_it(peer_client, gv, name):
    before = history_size()
    link = url(name, target(gv, name))
    assert peer_client.post(link, valid_post(gv, name)).status_code == 403
    assert peer_client.post(link, valid_post(gv, name), **HTMX).status_code == 403
    if name not in POST_ONLY:
        assert peer_client.get(link).status_code == 403
    assert history_size() == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(member_client, gv, name):
    assert member_client.get(url(name, target(gv, name))).status_code == 405


@pytest.mark.parametrize("name", GOAL_VIEWS + KR_VIEWS + STEP_VIEWS)
def test_views_refuse_put_and_delete(member_client, gv, name):
    link = url(name, target(gv, name))
    assert member_client.put(link).status_code == 405
    assert member_client.delete(link).status_code == 405


@pytest.mark.parametrize("name", GET_ONLY)
def test_read_only_goal_pages_refuse_post(member_client, gv, name):
    assert member_client.post(url(name, gv.goal)).status_code == 405


def test_the_line_manager_sees_and_edits_a_private_goal(manager_client, gv):
    assert_page(manager_client.get(detail(gv.private)), "Negotiate my promotion to senior", "Update")
    response = manager_client.post(url("kr_value", gv.private_kr), {"value": "2", "expected_current": "0"})
    assert response.status_code == 302
    gv.private_kr.refresh_from_db()
    assert gv.private_kr.current_value == 2


# --- my goals ------------------------------------------------------------------------


def test_my_goals_groups_active_drafts_closed_and_greets_by_name(member_client, world, gv):
    html = assert_page(member_client.get(MINE), "Mel Member", "Hello, Mel")
    active, drafts, closed = (
        html.index('id="active-heading"'),
        html.index('id="drafts-heading"'),
        html.index('id="closed-heading"'),
    )
    assert active < html.index(gv.goal.title) < drafts < html.index(gv.draft.title) < closed
    assert closed < html.index(gv.closed.title)
    assert "step 1 of 2" in html  # the plan's "work on this now" step
    assert 'role="img" aria-label="25 % done' in html  # (20 − 10) / (50 − 10)
    assert "Bluebird goal" not in html
    assert f'value="{gv.cycle.public_id}" selected' in html
    assert 'style="' not in html


def test_my_goals_shows_what_a_goal_contributes_to(member_client, world, gv):
    company_goal = services.goal_create(
        actor=world.admin, title="Double ARR", cycle=gv.cycle, owner_team=world.company, status="active"
    )
    GoalAlignment.objects.create(organization=world.org_a, child=gv.goal, parent=company_goal)
    html = assert_page(member_client.get(MINE))
    assert "contributes to:" in html and "Double ARR" in html and "(Acme)" in html


def test_my_goals_keeps_open_ended_goals_in_their_own_section(member_client, world, gv):
    services.goal_create(actor=world.member, title="Become a mentor to two juniors", cycle=None, horizon="long")
    html = assert_page(member_client.get(MINE))
    assert html.index('id="career-heading"') < html.index("Become a mentor to two juniors")


def test_my_goals_picks_another_cycle(member_client, world, gv):
    services.goal_create(actor=world.member, title="Goal for next quarter", cycle=gv.next_cycle, status="active")
    html = assert_page(member_client.get(MINE, {"cycle": str(gv.next_cycle.public_id)}), "Goal for next quarter")
    assert gv.goal.title not in html


def test_my_goals_with_htmx_swaps_only_the_lists(member_client, gv):
    html = assert_fragment(member_client.get(MINE, {"cycle": str(gv.cycle.public_id)}, **HTMX), 'id="goal-lists"')
    assert gv.goal.title in html


def test_my_goals_refuses_another_organizations_cycle(member_client, gv):
    assert member_client.get(MINE, {"cycle": str(gv.cycle_b.public_id)}).status_code == 404
    assert member_client.get(MINE, {"cycle": "not-a-uuid"}).status_code == 404


def test_my_goals_refuses_post(member_client, gv):
    assert member_client.post(MINE).status_code == 405


def test_my_goals_without_cycles_points_admins_to_the_cycles_page(admin_client, member_client, world):
    html = assert_page(admin_client.get(MINE), "No cycles yet")
    assert reverse("goals:cycles") in html
    assert reverse("goals:cycles") not in assert_page(member_client.get(MINE), "No cycles yet")
    assert not Cycle.objects.filter(organization=world.org_a).exists()  # the page never creates cycles


def _bulk_goals(world, cycle, count: int) -> None:
    """``count`` goals of the member, each with 3 key results; every third a plan with steps and a parent."""
    parent = Goal.objects.create(
        organization=world.org_a, owner_team=world.company, cycle=cycle, title="Company goal", status="active"
    )
    statuses = ["active", "draft", "achieved", "active"]
    goals = Goal.objects.bulk_create(
        Goal(
            organization=world.org_a,
            owner_member=world.member,
            cycle=cycle if i % 7 else None,
            title=f"Goal number {i}",
            framework="plan" if i % 3 == 0 else "okr",
            status=statuses[i % 4],
            start_date=cycle.starts_on,
            due_date=cycle.ends_on,
            progress=(i % 10) / 10,
        )
        for i in range(count)
    )
    KeyResult.objects.bulk_create(
        KeyResult(organization=world.org_a, goal=g, title=f"KR {n}", target_value=10, position=n)
        for g in goals
        for n in range(3)
    )
    Milestone.objects.bulk_create(
        Milestone(organization=world.org_a, goal=g, title=f"Step {n}", position=n)
        for g in goals
        if g.framework == "plan"
        for n in range(2)
    )
    GoalAlignment.objects.bulk_create(
        GoalAlignment(organization=world.org_a, child=g, parent=parent) for g in goals[::3]
    )


def _my_goals_queries(client, cycle) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MINE)
    assert response.status_code == 200
    return len(queries)


def test_my_goals_query_count_does_not_grow_with_the_number_of_goals(member_client, world):
    cycle, _ = services.cycle_ensure_quarters(organization=world.org_a, today=timezone.localdate())
    _bulk_goals(world, cycle, 5)
    member_client.get(MINE)  # the organization's goal settings row is created on first use
    few = _my_goals_queries(member_client, cycle)
    _bulk_goals(world, cycle, 195)
    html = member_client.get(MINE).content.decode()
    assert html.count('class="goal-row"') == 200
    many = _my_goals_queries(member_client, cycle)
    assert few == many
    assert many <= 12, many


# --- goal detail and activity --------------------------------------------------------


def test_goal_detail_shows_header_key_results_smart_check_and_history(member_client, gv):
    html = assert_page(
        member_client.get(detail(gv.goal)),
        gv.goal.title,
        "How is this computed?",
        "Qualified leads",
        'name="expected_current" value="20"',
        "SMART check",
        "Time-bound",
        "added a key result",
        "#nordics",
    )
    assert "<strong>so that</strong>" in html  # Markdown
    assert "<script>alert" not in html  # sanitised
    assert 'style="' not in html  # CSP: no inline styles
    assert 'role="img" aria-label="Goal progress: 25 % done' in html


def test_goal_detail_for_a_viewer_has_no_edit_controls(peer_client, gv):
    html = assert_page(peer_client.get(detail(gv.goal)), gv.goal.title)
    assert url("kr_value", gv.kr) not in html
    assert url("edit", gv.goal) not in html


def test_plan_page_shows_the_steps_forward_and_the_end_state_last(member_client, gv):
    html = assert_page(member_client.get(detail(gv.plan)), "What must be true just before “Take a PM course”?")
    assert html.index("Take a PM course") < html.index("Manage a small project") < html.index("I run a cross-team")
    assert "Work on this now" in html


def test_activity_page_lists_the_whole_history(member_client, gv):
    for value in range(21, 40):
        services.kr_set_value(actor=gv.goal.owner_member, kr=gv.kr, value=value)
    html = assert_page(member_client.get(url("activity", gv.goal)), "Activity")
    assert html.count('class="event"') == GoalEvent.objects.filter(goal=gv.goal).count() > 8


def test_activity_with_htmx_is_the_list_only(member_client, gv):
    assert_fragment(member_client.get(url("activity", gv.goal), **HTMX), 'id="activity"', "created the goal")


# --- create and edit -----------------------------------------------------------------


def _goal_data(gv, **overrides):
    return {
        "title": "Ship the onboarding revamp by March",
        "description": "",
        "framework": "okr",
        "horizon": "short",
        "cycle": str(gv.cycle.public_id),
        "due_date": "",
        "visibility": "org",
        "tags": "Onboarding, UX",
        "end_state": "",
        **overrides,
    }


def test_goal_create_form_offers_only_own_cycles_and_no_team_to_plain_members(member_client, gv):
    html = assert_page(member_client.get(CREATE), 'name="title"', "Open-ended (career goal)")
    assert str(gv.cycle_b.public_id) not in html
    assert 'name="owner_team"' not in html


def test_a_manager_can_set_a_goal_for_their_team(manager_client, world, gv):
    html = assert_page(manager_client.get(CREATE), 'name="owner_team"')
    assert str(world.team.public_id) in html and str(world.peer_team.public_id) not in html
    response = manager_client.post(CREATE, _goal_data(gv, owner_team=str(world.team.public_id), activate="1"))
    goal = Goal.objects.get(title="Ship the onboarding revamp by March")
    assert response.status_code == 302
    assert (goal.owner_team, goal.owner_member) == (world.team, None)


def test_goal_create_makes_an_active_goal_and_lands_on_it(member_client, world, gv):
    response = member_client.post(CREATE, _goal_data(gv, activate="1"))
    goal = Goal.objects.get(title="Ship the onboarding revamp by March")
    assert response.status_code == 302
    assert response["Location"] == detail(goal)
    assert (goal.status, goal.owner_member, goal.cycle, goal.due_date, goal.tags) == (
        GoalStatus.ACTIVE,
        world.member,
        gv.cycle,
        gv.cycle.ends_on,
        "onboarding, ux",
    )


def test_goal_create_can_save_a_draft(member_client, gv):
    member_client.post(CREATE, _goal_data(gv, draft="1"))
    assert Goal.objects.get(title="Ship the onboarding revamp by March").status == GoalStatus.DRAFT


def test_goal_create_with_htmx_redirects_the_client(member_client, gv):
    response = member_client.post(CREATE, _goal_data(gv, activate="1"), **HTMX)
    goal = Goal.objects.get(title="Ship the onboarding revamp by March")
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail(goal)


def test_goal_create_invalid_rerenders_with_messages_and_writes_nothing(member_client, gv):
    before = Goal.objects.count()
    html = assert_page(member_client.post(CREATE, _goal_data(gv, title="", framework="plan")))
    assert "This field is required." in html
    assert "A milestone plan starts from its end state" in html
    assert Goal.objects.count() == before


def test_goal_create_invalid_with_htmx_is_the_form_fragment(member_client, gv):
    assert_fragment(member_client.post(CREATE, _goal_data(gv, title=""), **HTMX), 'id="goal-form"', "required")


def test_goal_create_refuses_another_organizations_cycle(member_client, gv):
    html = assert_page(member_client.post(CREATE, _goal_data(gv, cycle=str(gv.cycle_b.public_id))))
    assert "Select a valid choice" in html
    assert not Goal.objects.filter(title="Ship the onboarding revamp by March").exists()


def test_goal_create_refuses_put(member_client, gv):
    assert member_client.put(CREATE).status_code == 405


def test_goal_edit_is_prefilled_and_asks_why_for_an_active_goal(member_client, gv):
    assert_page(member_client.get(url("edit", gv.goal)), f'value="{gv.goal.title}"', 'name="reason"')
    assert 'name="reason"' not in member_client.get(url("edit", gv.draft)).content.decode()


def test_goal_edit_saves_and_keeps_the_reason_in_history(member_client, gv):
    data = _goal_data(gv, title="Grow the Nordics pipeline to 4M", reason="Sharper target")
    response = member_client.post(url("edit", gv.goal), data)
    assert response.status_code == 302 and response["Location"] == detail(gv.goal)
    gv.goal.refresh_from_db()
    assert gv.goal.title == "Grow the Nordics pipeline to 4M"
    event = GoalEvent.objects.get(goal=gv.goal, field="title")
    assert (event.old_value, event.reason) == ("Grow the enterprise pipeline in the Nordics", "Sharper target")


def test_goal_edit_with_htmx(member_client, gv):
    response = member_client.post(url("edit", gv.goal), _goal_data(gv, title="Renamed goal"), **HTMX)
    assert response["HX-Redirect"] == detail(gv.goal)
    assert_fragment(member_client.post(url("edit", gv.goal), _goal_data(gv, title=""), **HTMX), 'id="goal-form"')
    gv.goal.refresh_from_db()
    assert gv.goal.title == "Renamed goal"


def test_goal_edit_of_a_closed_goal_is_refused_with_a_message(member_client, gv):
    html = assert_page(member_client.post(url("edit", gv.closed), _goal_data(gv, title="Different")))
    assert "A closed goal cannot be edited" in html
    gv.closed.refresh_from_db()
    assert gv.closed.title == "Close the renewals backlog"


# --- lifecycle -----------------------------------------------------------------------


def test_activate_a_draft(member_client, gv):
    response = member_client.post(url("activate", gv.draft))
    assert response.status_code == 302 and response["Location"] == detail(gv.draft)
    gv.draft.refresh_from_db()
    assert gv.draft.status == GoalStatus.ACTIVE


def test_activate_with_htmx_redirects_the_client(member_client, gv):
    assert member_client.post(url("activate", gv.draft), **HTMX)["HX-Redirect"] == detail(gv.draft)


def test_activating_an_active_goal_explains_why_not(member_client, gv):
    response = member_client.post(url("activate", gv.goal), follow=True)
    assert "Only a draft goal can be activated." in response.content.decode()


def test_close_page_prefills_the_score_from_progress(member_client, gv):
    assert_page(member_client.get(url("close", gv.goal)), 'name="score"', 'value="0.25"', "What worked?")


def test_close_without_a_reflection_is_refused(member_client, gv):
    html = assert_page(member_client.post(url("close", gv.goal), {"status": "achieved", "score": "0.8"}))
    assert "Write a short reflection" in html
    gv.goal.refresh_from_db()
    assert gv.goal.status == GoalStatus.ACTIVE


def test_close_with_a_reflection(member_client, gv):
    data = {"status": "missed", "score": "0.4", "reflection_differently": "Start outreach earlier."}
    response = member_client.post(url("close", gv.goal), data)
    assert response.status_code == 302 and response["Location"] == detail(gv.goal)
    gv.goal.refresh_from_db()
    assert (gv.goal.status, gv.goal.score, gv.goal.reflection_differently) == (
        GoalStatus.MISSED,
        Decimal("0.40"),
        "Start outreach earlier.",
    )
    assert_page(member_client.get(detail(gv.goal)), "Start outreach earlier.", "score 0.40", "Reopen")


def test_close_with_htmx(member_client, gv):
    bad = member_client.post(url("close", gv.goal), {"status": "achieved", "score": "3"}, **HTMX)
    assert_fragment(bad, 'id="close-form"', "less than or equal to 1")
    good = member_client.post(url("close", gv.goal), {"status": "dropped"}, **HTMX)
    assert good["HX-Redirect"] == detail(gv.goal)


def test_reopen_needs_a_reason(member_client, gv):
    assert_page(member_client.post(url("reopen", gv.closed), {"reason": "  "}), "This field is required.")
    gv.closed.refresh_from_db()
    assert gv.closed.status == GoalStatus.ACHIEVED
    assert_fragment(member_client.post(url("reopen", gv.closed), {"reason": ""}, **HTMX), "required")


def test_reopen_with_a_reason(member_client, gv):
    response = member_client.post(url("reopen", gv.closed), {"reason": "A customer came back"})
    assert response.status_code == 302
    gv.closed.refresh_from_db()
    assert gv.closed.status == GoalStatus.ACTIVE
    assert GoalEvent.objects.filter(goal=gv.closed, reason="A customer came back").exists()


def test_reopen_page_and_htmx(member_client, gv):
    assert_page(member_client.get(url("reopen", gv.closed)), "Reopen this goal", 'name="reason"')
    response = member_client.post(url("reopen", gv.closed), {"reason": "Back on"}, **HTMX)
    assert response["HX-Redirect"] == detail(gv.closed)


def test_reopen_an_open_goal_shows_the_service_message(member_client, gv):
    assert_page(member_client.post(url("reopen", gv.goal), {"reason": "x"}), "Only a closed goal can be reopened.")


def test_carry_over_defaults_to_the_next_cycle_and_opens_the_copy(member_client, gv):
    assert_page(member_client.get(url("carry_over", gv.goal)), f'value="{gv.next_cycle.public_id}" selected')
    response = member_client.post(url("carry_over", gv.goal), {"cycle": str(gv.next_cycle.public_id)})
    copy = Goal.objects.get(carried_from=gv.goal)
    assert response.status_code == 302 and response["Location"] == detail(copy)
    assert copy.cycle == gv.next_cycle and copy.key_results.get().current_value == 20


def test_carry_over_refuses_other_organizations_and_the_same_cycle(member_client, gv):
    for cycle in (gv.cycle_b, gv.cycle):
        html = assert_page(member_client.post(url("carry_over", gv.goal), {"cycle": str(cycle.public_id)}))
        assert "Select a valid choice" in html
    assert not Goal.objects.filter(carried_from=gv.goal).exists()


def test_carry_over_with_htmx(member_client, gv):
    assert_fragment(member_client.post(url("carry_over", gv.goal), {"cycle": ""}, **HTMX), "required")
    response = member_client.post(url("carry_over", gv.goal), {"cycle": str(gv.next_cycle.public_id)}, **HTMX)
    assert response["HX-Redirect"] == detail(Goal.objects.get(carried_from=gv.goal))


def test_confidence_overrides_the_status_and_says_why(member_client, gv):
    response = member_client.post(url("confidence", gv.goal), {"confidence": "off_track", "note": "Lost a champion"})
    assert response.status_code == 302
    html = assert_page(member_client.get(detail(gv.goal)), "Off track", "Lost a champion")
    assert "owner's call" in html


def test_confidence_invalid_and_htmx(member_client, gv):
    assert_page(member_client.post(url("confidence", gv.goal), {"confidence": "great"}), "Select a valid choice")
    assert_fragment(member_client.post(url("confidence", gv.goal), {"confidence": "great"}, **HTMX), "valid choice")
    response = member_client.post(url("confidence", gv.goal), {"confidence": "at_risk"}, **HTMX)
    assert response["HX-Redirect"] == detail(gv.goal)
    gv.goal.refresh_from_db()
    assert gv.goal.confidence == "at_risk"


# --- key results ---------------------------------------------------------------------


def test_kr_value_updates_and_redirects_to_the_row(member_client, gv):
    response = member_client.post(url("kr_value", gv.kr), {"value": "30", "expected_current": "20"})
    assert response.status_code == 302
    assert response["Location"] == detail(gv.goal) + f"#kr-{gv.kr.public_id}"
    gv.kr.refresh_from_db()
    gv.goal.refresh_from_db()
    assert (gv.kr.current_value, gv.goal.progress) == (30, 0.5)


def test_kr_value_with_htmx_swaps_the_row_and_the_header_out_of_band(member_client, gv):
    response = member_client.post(url("kr_value", gv.kr), {"value": "30", "expected_current": "20"}, **HTMX)
    html = assert_fragment(response, f'id="kr-{gv.kr.public_id}"', "Saved")
    assert '<div id="goal-summary" class="goal-summary" hx-swap-oob="true">' in html
    assert 'aria-label="Goal progress: 50 % done' in html
    assert 'name="expected_current" value="30"' in html


def test_kr_value_refuses_a_stale_form_and_keeps_the_newer_value(member_client, gv):
    services.kr_set_value(actor=gv.goal.owner_member, kr=gv.kr, value=25)  # someone else, meanwhile
    response = member_client.post(url("kr_value", gv.kr), {"value": "30", "expected_current": "20"})
    html = assert_page(response, "Someone changed this value to 25 since you loaded the page")
    assert 'name="expected_current" value="25"' in html  # submitting again now goes through
    gv.kr.refresh_from_db()
    assert gv.kr.current_value == 25
    htmx = member_client.post(url("kr_value", gv.kr), {"value": "30", "expected_current": "20"}, **HTMX)
    assert_fragment(htmx, "Someone changed this value to 25")
    gv.kr.refresh_from_db()
    assert gv.kr.current_value == 25


def test_kr_value_rejects_a_non_number(member_client, gv):
    before = history_size()
    assert_page(
        member_client.post(url("kr_value", gv.kr), {"value": "lots", "expected_current": "20"}), "Enter a number."
    )
    assert history_size() == before


def test_kr_value_for_a_yes_no_key_result(member_client, gv):
    kr = services.kr_create(
        actor=gv.goal.owner_member, goal=gv.goal, title="Pilot signed", target_value=1, metric_type="boolean"
    )
    assert 'value="1">Done</option>' in member_client.get(detail(gv.goal)).content.decode()
    member_client.post(url("kr_value", kr), {"value": "1", "expected_current": "0"})
    kr.refresh_from_db()
    assert kr.current_value == 1


def test_kr_add_appends_a_key_result(member_client, gv):
    response = member_client.post(url("kr_add", gv.goal), valid_post(gv, "kr_add"))
    kr = gv.goal.key_results.get(title="Demos")
    assert response.status_code == 302 and response["Location"].endswith(f"#kr-{kr.public_id}")
    assert (kr.target_value, kr.unit, kr.position) == (10, "demos", 1)


def test_kr_add_with_htmx_returns_the_new_row_a_fresh_form_and_the_header(member_client, gv):
    html = assert_fragment(member_client.post(url("kr_add", gv.goal), valid_post(gv, "kr_add"), **HTMX), "Demos")
    assert html.index('class="kr"') < html.index('id="kr-add-form"')
    assert html.count('hx-swap-oob="true"') == 4  # the form, the header, the SMART check, the history


def test_kr_add_invalid_shows_why_and_writes_nothing(member_client, gv):
    data = {"title": "Demos", "metric_type": "number", "target_value": ""}
    assert_page(member_client.post(url("kr_add", gv.goal), data), "Enter the target value.")
    response = member_client.post(url("kr_add", gv.goal), {**data, "target_value": "0", "start_value": "0"}, **HTMX)
    assert_fragment(response, 'id="kr-add-form"', "The target must differ from the start value.")
    assert response["HX-Retarget"] == "#kr-add-form" and response["HX-Reswap"] == "outerHTML"
    assert not gv.goal.key_results.filter(title="Demos").exists()


def test_kr_edit_page_saves_changes(member_client, gv):
    assert_page(member_client.get(url("kr_edit", gv.kr)), 'value="Qualified leads"', 'name="reason"')
    data = {
        **valid_post(gv, "kr_edit"),
        "start_value": "10",
        "direction": "increase",
        "weight": "2",
        "reason": "Raised",
    }
    response = member_client.post(url("kr_edit", gv.kr), data)
    assert response.status_code == 302
    gv.kr.refresh_from_db()
    assert (gv.kr.target_value, gv.kr.weight, gv.kr.title) == (60, 2, "Leads")


def test_kr_edit_invalid_and_htmx(member_client, gv):
    data = {
        "title": "Leads",
        "metric_type": "number",
        "target_value": "5",
        "start_value": "10",
        "direction": "increase",
    }
    assert_page(member_client.post(url("kr_edit", gv.kr), data), "the target must be above the start value")
    assert_fragment(member_client.post(url("kr_edit", gv.kr), data, **HTMX), 'id="kr-form"')
    good = member_client.post(url("kr_edit", gv.kr), {**data, "target_value": "70"}, **HTMX)
    assert good["HX-Redirect"].startswith(detail(gv.goal))
    gv.kr.refresh_from_db()
    assert gv.kr.target_value == 70


def test_kr_delete_confirms_then_removes(member_client, gv):
    assert_page(member_client.get(url("kr_delete", gv.kr)), "Remove the key result “Qualified leads”?")
    response = member_client.post(url("kr_delete", gv.kr))
    assert response.status_code == 302
    assert not KeyResult.objects.filter(pk=gv.kr.pk).exists()


def test_kr_delete_with_htmx_returns_only_out_of_band_updates(member_client, gv):
    html = assert_fragment(member_client.post(url("kr_delete", gv.kr), **HTMX), 'id="goal-summary"')
    assert f'id="kr-{gv.kr.public_id}"' not in html
    assert not KeyResult.objects.filter(pk=gv.kr.pk).exists()


# --- milestones and plans ------------------------------------------------------------


def test_milestone_add_before_the_first_step_plans_backwards(member_client, gv):
    response = member_client.post(url("milestone_add", gv.plan), {"title": "Read a PM book", "before_first": "True"})
    assert response.status_code == 302 and response["Location"] == detail(gv.plan) + "#plan"
    assert [m.title for m in gv.plan.milestones.order_by("position")] == [
        "Read a PM book",
        "Take a PM course",
        "Manage a small project",
    ]


def test_milestone_add_with_htmx_returns_the_plan(member_client, gv):
    response = member_client.post(
        url("milestone_add", gv.plan), {"title": "Read a PM book", "before_first": "True"}, **HTMX
    )
    html = assert_fragment(response, 'id="plan"', "What must be true just before “Read a PM book”?")
    assert 'id="goal-summary" class="goal-summary" hx-swap-oob="true"' in html


def test_milestone_add_invalid(member_client, gv):
    late = str(gv.plan.due_date + timedelta(days=1))
    assert_page(member_client.post(url("milestone_add", gv.plan), {"title": "", "due_date": late}), "required")
    html = assert_fragment(member_client.post(url("milestone_add", gv.plan), {"title": "X", "due_date": late}, **HTMX))
    assert "A step cannot be due after the goal itself" in html
    assert gv.plan.milestones.count() == 2


def test_plan_space_dates_counts_back_from_the_due_date(member_client, gv):
    response = member_client.post(url("plan_space", gv.plan))
    assert response.status_code == 302
    dates = [m.due_date for m in gv.plan.milestones.order_by("position")]
    assert dates[-1] == gv.plan.due_date and dates[0] < dates[1]
    assert_fragment(member_client.post(url("plan_space", gv.plan), **HTMX), 'id="plan"')


def test_plan_space_without_a_due_date_explains(member_client, world, gv):
    goal = services.goal_create(actor=world.member, title="Open plan", framework="plan", end_state="Done", cycle=None)
    services.milestone_add(actor=world.member, goal=goal, title="First")
    response = member_client.post(url("plan_space", goal), follow=True)
    assert "Set the goal&#x27;s due date first" in response.content.decode()
    assert_fragment(member_client.post(url("plan_space", goal), **HTMX), "Set the goal&#x27;s due date first")


def test_milestone_done_and_undone(member_client, gv):
    assert member_client.post(url("milestone_done", gv.step1), {"done": "1"}).status_code == 302
    gv.step1.refresh_from_db()
    gv.plan.refresh_from_db()
    assert gv.step1.is_done and gv.plan.progress == 0.5
    html = assert_fragment(member_client.post(url("milestone_done", gv.step1), {"done": "0"}, **HTMX), 'id="plan"')
    assert 'aria-pressed="false"' in html
    gv.step1.refresh_from_db()
    assert not gv.step1.is_done


def test_milestone_move_later(member_client, gv):
    assert member_client.post(url("milestone_move", gv.step1), {"direction": "later"}).status_code == 302
    assert [m.title for m in gv.plan.milestones.order_by("position")] == ["Manage a small project", "Take a PM course"]
    html = assert_fragment(member_client.post(url("milestone_move", gv.step1), {"direction": "earlier"}, **HTMX))
    assert html.index("Take a PM course") < html.index("Manage a small project")


def test_milestone_reschedule_needs_a_reason_kept_in_history(member_client, gv):
    day = str(timezone.localdate() + timedelta(days=3))
    assert_page(member_client.get(url("milestone_reschedule", gv.step1)), "Reschedule “Take a PM course”")
    assert_page(member_client.post(url("milestone_reschedule", gv.step1), {"due_date": day}), "This field is required.")
    gv.step1.refresh_from_db()
    assert gv.step1.due_date is None
    response = member_client.post(url("milestone_reschedule", gv.step1), {"due_date": day, "reason": "Course moved"})
    assert response.status_code == 302
    gv.step1.refresh_from_db()
    assert str(gv.step1.due_date) == day
    assert GoalEvent.objects.get(goal=gv.plan, kind="ms_moved").reason == "Course moved"


def test_milestone_reschedule_with_htmx(member_client, gv):
    day = str(timezone.localdate() + timedelta(days=3))
    bad = member_client.post(url("milestone_reschedule", gv.step1), {"due_date": day, "reason": ""}, **HTMX)
    assert_fragment(bad, "required", 'name="reason"')
    good = member_client.post(url("milestone_reschedule", gv.step1), {"due_date": day, "reason": "Later"}, **HTMX)
    assert_fragment(good, 'id="plan"')
    assert good["HX-Retarget"] == "#plan"


def test_milestone_delete(member_client, gv):
    assert_page(member_client.get(url("milestone_delete", gv.step1)), "Remove the step “Take a PM course”?")
    assert member_client.post(url("milestone_delete", gv.step1)).status_code == 302
    assert_fragment(member_client.post(url("milestone_delete", gv.step2), **HTMX), 'id="plan"')
    assert not gv.plan.milestones.exists()


# --- template helpers ----------------------------------------------------------------


def test_progress_bar_has_a_text_alternative_and_a_pace_tick():
    html = progress_bar(0.62, 0.55, "on_track")
    assert 'role="img" aria-label="62 % done, 55 % expected by today"' in html
    assert 'class="bar-fill bar-fill--on_track"' in html and 'width="62%"' in html
    assert '<line class="bar-pace" x1="55%"' in html
    assert "style=" not in html


def test_status_badge_shows_symbol_word_and_why():
    health = selectors.GoalHealth("at_risk", "At risk", "▲", 0.5, "12 points behind")
    html = status_badge(health)
    assert 'title="12 points behind"' in html and "▲" in html and "At risk" in html
    assert '<span class="visually-hidden">: 12 points behind</span>' in html


def test_markdown_is_sanitised_and_links_are_safe():
    html = markdown("**hi** [x](https://example.com) <img src=x onerror=alert(1)> [y](javascript:alert(1))")
    assert "<strong>hi</strong>" in html
    assert 'rel="noopener noreferrer"' in html
    assert "onerror" not in html and "javascript:" not in html and "<img" not in html
