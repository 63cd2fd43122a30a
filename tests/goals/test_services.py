"""Goal services: validation with nothing written, history, lifecycle, carry-over, plans, coaching, feedback, career."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.goals import services
from apps.goals.models import (
    CareerGoal,
    CareerProfile,
    EventKind,
    FeedbackRequest,
    Framework,
    Goal,
    GoalAlignment,
    GoalEvent,
    GoalStatus,
    KeyResult,
    Milestone,
    MilestoneSource,
)

pytestmark = pytest.mark.django_db


def smart_goal(gw, actor=None, **kwargs) -> Goal:
    kwargs.setdefault("title", "Raise lead conversion from 12% to 15% this quarter")
    kwargs.setdefault("description", "So that the team reaches its target.")
    kwargs.setdefault("cycle", gw.cycle)
    return services.goal_create(actor=actor or gw.member, framework=Framework.SMART, **kwargs)


def error_messages(excinfo) -> dict[str, list[str]]:
    error = excinfo.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# --- goal_create ---------------------------------------------------------------------


def test_goal_create_records_who_created_it(gw):
    goal = smart_goal(gw)
    assert goal.owner_member == gw.member and goal.owner_team is None
    assert goal.start_date == gw.cycle.starts_on
    assert goal.due_date == gw.cycle.ends_on
    assert goal.status == GoalStatus.DRAFT
    event = GoalEvent.objects.get(goal=goal)
    assert (event.kind, event.actor, event.subject) == (EventKind.CREATED, gw.member, goal.title)


def test_goal_create_refuses_a_cycle_of_another_organization(gw):
    with pytest.raises(ValidationError) as excinfo:
        smart_goal(gw, cycle=gw.cycle_b)
    assert "cycle" in error_messages(excinfo)
    assert not Goal.objects.exists()


def test_goal_create_refuses_a_team_of_another_organization(gw):
    with pytest.raises(ValidationError) as excinfo:
        smart_goal(gw, actor=gw.admin, owner_team=gw.team_b)
    assert "owner_team" in error_messages(excinfo)
    assert not Goal.objects.exists()


@pytest.mark.parametrize("who", ["member", "teammate", "peer_manager"])
def test_only_the_teams_manager_or_an_admin_sets_a_team_goal(gw, who):
    with pytest.raises(ValidationError) as excinfo:
        smart_goal(gw, actor=getattr(gw, who), owner_team=gw.rockets)
    assert error_messages(excinfo)["owner_team"] == ["Only the team's manager or an admin can set a goal for the team."]
    assert not Goal.objects.exists()

    assert smart_goal(gw, actor=gw.manager, owner_team=gw.rockets).owner_team == gw.rockets
    assert smart_goal(gw, actor=gw.admin, owner_team=gw.rockets).owner_member is None


def test_goal_create_refuses_a_due_date_before_the_start(gw):
    with pytest.raises(ValidationError) as excinfo:
        smart_goal(gw, due_date=gw.cycle.starts_on - timedelta(days=1))
    assert "due_date" in error_messages(excinfo)
    assert not Goal.objects.exists()


def test_goal_create_refuses_an_empty_title(gw):
    with pytest.raises(ValidationError) as excinfo:
        smart_goal(gw, title="   ")
    assert "title" in error_messages(excinfo)
    assert not Goal.objects.exists() and not GoalEvent.objects.exists()


def test_goal_create_normalises_tags(gw):
    assert smart_goal(gw, tags="Sales, sales ,  Q4,,pipeline").tags == "sales, q4, pipeline"


def test_goal_update_records_old_and_new_with_the_reason(gw):
    goal = smart_goal(gw)
    new_due = gw.cycle.ends_on - timedelta(days=14)
    services.goal_update(actor=gw.member, goal=goal, reason="Launch moved up", due_date=new_due)
    event = GoalEvent.objects.filter(goal=goal, kind=EventKind.UPDATED).get()
    assert (event.field, event.old_value, event.new_value, event.reason) == (
        "due_date",
        str(gw.cycle.ends_on),
        str(new_due),
        "Launch moved up",
    )


def test_a_peer_cannot_change_someone_elses_goal(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Leads", unit="leads", target_value=40)
    with pytest.raises(PermissionDenied):
        services.goal_update(actor=gw.teammate, goal=goal, title="Hijacked title for this goal")
    with pytest.raises(PermissionDenied):
        services.kr_set_value(actor=gw.teammate, kr=kr, value=3)
    with pytest.raises(PermissionDenied):
        services.kr_set_value(actor=gw.outsider, kr=kr, value=3)
    # ... while the line manager and an admin may
    services.kr_set_value(actor=gw.manager, kr=kr, value=3)
    services.kr_set_value(actor=gw.admin, kr=kr, value=4)


# --- key results ---------------------------------------------------------------------

KR_ERRORS = [
    ("target-equals-start", {"start_value": 10, "target_value": 10}, "target_value", "differ from the start"),
    ("increase-below-start", {"start_value": 10, "target_value": 5}, "target_value", "To increase"),
    (
        "decrease-above-start",
        {"start_value": 10, "target_value": 15, "direction": "decrease"},
        "target_value",
        "To decrease",
    ),
    (
        "percentage-above-1000",
        {"metric_type": "percentage", "target_value": 1200},
        "target_value",
        "between 0 and 1000",
    ),
    (
        "percentage-below-0",
        {"metric_type": "percentage", "start_value": -5, "target_value": 50},
        "start_value",
        "between 0 and 1000",
    ),
    ("currency-word", {"metric_type": "currency", "unit": "dollars", "target_value": 5000}, "unit", "currency code"),
    ("currency-missing", {"metric_type": "currency", "unit": "", "target_value": 5000}, "unit", "currency code"),
    ("non-numeric-target", {"target_value": "lots"}, "target_value", "Enter a number."),
    ("non-numeric-start", {"start_value": "ten", "target_value": 20}, "start_value", "Enter a number."),
    ("not-a-number", {"target_value": "NaN"}, "target_value", "below a trillion"),
    ("infinite", {"target_value": "Infinity"}, "target_value", "below a trillion"),
    ("a-trillion", {"target_value": "1000000000000"}, "target_value", "below a trillion"),
    ("huge-negative", {"start_value": "-5e15", "target_value": 1}, "start_value", "below a trillion"),
    ("too-many-decimals", {"target_value": "1.123456"}, "target_value", "decimal places"),
    ("negative-weight", {"target_value": 10, "weight": -1}, "weight", "cannot be negative"),
    ("yes-no-half-done", {"metric_type": "boolean", "target_value": 1, "current_value": "0.5"}, "current_value", "0"),
]


@pytest.mark.parametrize(("fields", "field", "message"), [pytest.param(*c[1:], id=c[0]) for c in KR_ERRORS])
def test_kr_create_explains_what_is_wrong_and_writes_nothing(gw, fields, field, message):
    goal = smart_goal(gw)
    events = GoalEvent.objects.count()
    fields = {"unit": "leads", **fields}

    with pytest.raises(ValidationError) as excinfo:
        services.kr_create(actor=gw.member, goal=goal, title="Qualified leads", **fields)

    messages = error_messages(excinfo)
    assert field in messages, messages
    assert any(message in text for text in messages[field]), messages
    assert not KeyResult.objects.exists()
    assert GoalEvent.objects.count() == events
    goal.refresh_from_db()
    assert goal.progress == 0.0


def test_kr_create_accepts_thousands_separators_and_currency_symbols(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(
        actor=gw.member, goal=goal, title="New ARR", metric_type="currency", unit="usd", target_value="250,000"
    )
    assert kr.unit == "USD" and kr.target_value == Decimal("250000")
    euro = services.kr_create(
        actor=gw.member, goal=goal, title="Upsell", metric_type="currency", unit="€", target_value=9
    )
    assert euro.unit == "€"


def test_kr_create_sets_a_percentage_unit_and_records_the_range(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(
        actor=gw.member, goal=goal, title="Win rate", metric_type="percentage", start_value=22, target_value=35
    )
    assert kr.unit == "%"
    event = GoalEvent.objects.get(goal=goal, kind=EventKind.KR_ADDED)
    assert event.subject == "Win rate" and event.new_value == "22 → 35 %"


def test_yes_no_key_result_is_0_or_1(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(
        actor=gw.member, goal=goal, title="Partner signed", metric_type="boolean", target_value=7, unit="x"
    )
    assert (kr.start_value, kr.target_value, kr.unit) == (0, 1, "")
    with pytest.raises(ValidationError):
        services.kr_set_value(actor=gw.member, kr=kr, value=2)
    services.kr_set_value(actor=gw.member, kr=kr, value=1)
    kr.refresh_from_db()
    assert kr.progress == 1.0


def test_kr_set_value_refuses_a_stale_value_and_writes_nothing(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos booked", unit="demos", target_value=40)
    services.kr_set_value(actor=gw.manager, kr=kr, value=12, expected_current=0)
    events = GoalEvent.objects.count()

    with pytest.raises(ValidationError) as excinfo:
        services.kr_set_value(actor=gw.member, kr=kr, value=15, expected_current="0")

    assert "changed this value to 12" in error_messages(excinfo)["current_value"][0]
    kr.refresh_from_db()
    assert kr.current_value == 12
    assert GoalEvent.objects.count() == events
    services.kr_set_value(actor=gw.member, kr=kr, value=15, expected_current="12.0")
    kr.refresh_from_db()
    assert kr.current_value == 15


def test_kr_set_value_records_old_new_and_reason(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos booked", unit="demos", target_value=40)

    services.kr_set_value(actor=gw.member, kr=kr, value="12", reason="Webinar leads came in")
    services.kr_set_value(actor=gw.member, kr=kr, value="7.5", reason="Two demos were duplicates")
    services.kr_set_value(actor=gw.member, kr=kr, value="7.50", reason="No change: not recorded")

    events = list(GoalEvent.objects.filter(goal=goal, kind=EventKind.KR_VALUE).order_by("created_at", "id"))
    assert [(e.old_value, e.new_value, e.reason) for e in events] == [
        ("0", "12", "Webinar leads came in"),
        ("12", "7.5", "Two demos were duplicates"),
    ]
    assert all(e.actor == gw.member and e.subject == "Demos booked" and e.field == "current_value" for e in events)
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(7.5 / 40)


def test_kr_set_value_refuses_a_closed_goal(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos booked", unit="demos", target_value=40)
    services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.DROPPED)
    with pytest.raises(ValidationError):
        services.kr_set_value(actor=gw.member, kr=kr, value=3)
    with pytest.raises(ValidationError):
        services.kr_create(actor=gw.member, goal=goal, title="More", unit="demos", target_value=3)


def test_kr_update_records_each_change_and_recomputes(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos", unit="demos", target_value=40, current_value=20)
    services.kr_update(actor=gw.member, kr=kr, reason="Scope cut", target_value=25)
    kr.refresh_from_db()
    goal.refresh_from_db()
    assert kr.progress == pytest.approx(0.8) and goal.progress == pytest.approx(0.8)
    event = GoalEvent.objects.get(goal=goal, kind=EventKind.KR_UPDATED)
    assert (event.field, event.reason) == ("target_value", "Scope cut")
    with pytest.raises(ValidationError):
        services.kr_update(actor=gw.member, kr=kr, target_value=-3)


# --- closing and reopening -----------------------------------------------------------


@pytest.mark.parametrize("status", [GoalStatus.ACHIEVED, GoalStatus.MISSED])
def test_closing_as_achieved_or_missed_needs_a_reflection(gw, status):
    goal = smart_goal(gw)
    with pytest.raises(ValidationError) as excinfo:
        services.goal_close(actor=gw.member, goal=goal, status=status, reflection_worked="  ")
    assert "reflection_worked" in error_messages(excinfo)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT and goal.score is None and goal.closed_at is None

    services.goal_close(actor=gw.member, goal=goal, status=status, reflection_differently="Start outreach earlier.")
    goal.refresh_from_db()
    assert goal.status == status and goal.closed_at is not None
    assert goal.reflection_differently == "Start outreach earlier."


def test_closing_sets_the_score_from_progress_unless_given(gw):
    goal = smart_goal(gw)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos", unit="demos", target_value=40)
    services.kr_set_value(actor=gw.member, kr=kr, value=27)  # 0.675
    closed = services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.MISSED, reflection_worked="Webinars.")
    assert closed.score == Decimal("0.68")
    event = GoalEvent.objects.get(goal=goal, kind=EventKind.CLOSED)
    assert (event.old_value, event.new_value, event.reason) == ("draft", "missed", "score 0.68")

    other = smart_goal(gw, title="Book 30 discovery calls with new prospects")
    closed = services.goal_close(
        actor=gw.member, goal=other, status=GoalStatus.ACHIEVED, score=Decimal("0.9"), reflection_worked="Focus."
    )
    other.refresh_from_db()
    assert other.score == Decimal("0.90")


@pytest.mark.parametrize("score", [Decimal("-0.1"), Decimal("1.01")])
def test_score_is_between_0_and_1(gw, score):
    goal = smart_goal(gw)
    with pytest.raises(ValidationError):
        services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.ACHIEVED, score=score, reflection_worked="x")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT


def test_closing_twice_or_to_an_open_status_is_refused(gw):
    goal = smart_goal(gw)
    with pytest.raises(ValidationError):
        services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.ACTIVE)
    services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.DROPPED)
    with pytest.raises(ValidationError):
        services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.MISSED, reflection_worked="x")


def test_reopen_needs_a_reason_and_clears_the_score(gw):
    goal = smart_goal(gw)
    services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.MISSED, reflection_worked="Too many goals.")
    with pytest.raises(ValidationError) as excinfo:
        services.goal_reopen(actor=gw.member, goal=goal, reason="   ")
    assert "reason" in error_messages(excinfo)

    services.goal_reopen(actor=gw.member, goal=goal, reason="The customer extended the pilot")
    goal.refresh_from_db()
    assert (goal.status, goal.score, goal.closed_at) == (GoalStatus.ACTIVE, None, None)
    event = GoalEvent.objects.filter(goal=goal, kind=EventKind.STATUS).latest("id")
    assert (event.old_value, event.new_value, event.reason) == ("missed", "active", "The customer extended the pilot")
    with pytest.raises(ValidationError):
        services.goal_reopen(actor=gw.member, goal=goal, reason="again")


# --- carry-over ----------------------------------------------------------------------


def test_carry_over_copies_key_results_steps_and_alignment_and_links_back(gw):
    parent = services.goal_create(actor=gw.manager, title="Rockets win 10 logos", owner_team=gw.rockets, cycle=gw.cycle)
    goal = services.goal_create(actor=gw.member, title="Win 4 enterprise logos", cycle=gw.cycle, status="active")
    GoalAlignment.objects.create(organization=gw.org_a, child=goal, parent=parent, weight=2)
    kr = services.kr_create(actor=gw.member, goal=goal, title="Logos", unit="logos", target_value=4, weight="1.5")
    services.kr_set_value(actor=gw.member, kr=kr, value=3)
    step = services.milestone_add(actor=gw.member, goal=goal, title="Shortlist 20 accounts")
    services.milestone_set_done(actor=gw.member, milestone=step, done=True)
    services.milestone_add(actor=gw.member, goal=goal, title="Run 3 executive dinners")
    goal.refresh_from_db()

    copy = services.goal_carry_over(actor=gw.member, goal=goal, cycle=gw.next_cycle)

    copy.refresh_from_db()
    assert copy.carried_from == goal and copy.cycle == gw.next_cycle
    assert (copy.title, copy.owner_member, copy.status) == (goal.title, gw.member, GoalStatus.ACTIVE)
    assert (copy.start_date, copy.due_date) == (gw.next_cycle.starts_on, gw.next_cycle.ends_on)
    copied_kr = copy.key_results.get()
    assert (copied_kr.title, copied_kr.current_value, copied_kr.target_value, copied_kr.weight) == (
        "Logos",
        3,
        4,
        Decimal("1.5"),
    )
    assert copied_kr.pk != kr.pk
    assert [(m.title, m.is_done) for m in copy.milestones.order_by("position")] == [
        ("Shortlist 20 accounts", True),
        ("Run 3 executive dinners", False),
    ]
    link = copy.parent_links.get()
    assert (link.parent, link.weight) == (parent, 2)
    assert copy.progress == pytest.approx(goal.progress)
    assert GoalEvent.objects.filter(goal=goal, kind=EventKind.CARRIED, subject=gw.next_cycle.name).exists()
    assert GoalEvent.objects.filter(goal=copy, kind=EventKind.CARRIED).exists()
    # the original is untouched
    assert goal.key_results.count() == 1 and goal.milestones.count() == 2

    with pytest.raises(ValidationError) as excinfo:
        services.goal_carry_over(actor=gw.member, goal=goal, cycle=gw.next_cycle)
    assert "already carried" in error_messages(excinfo)["cycle"][0]
    assert Goal.objects.filter(carried_from=goal).count() == 1


def test_carry_over_refuses_the_same_cycle_and_another_organizations(gw):
    goal = smart_goal(gw)
    with pytest.raises(ValidationError):
        services.goal_carry_over(actor=gw.member, goal=goal, cycle=gw.cycle)
    with pytest.raises(ValidationError):
        services.goal_carry_over(actor=gw.member, goal=goal, cycle=gw.cycle_b)
    assert Goal.objects.count() == 1


def test_a_missed_goal_is_carried_over_as_a_draft(gw):
    goal = smart_goal(gw, status=GoalStatus.ACTIVE)
    services.goal_close(actor=gw.member, goal=goal, status=GoalStatus.MISSED, reflection_worked="Start sooner.")
    copy = services.goal_carry_over(actor=gw.member, goal=goal, cycle=gw.next_cycle)
    assert copy.status == GoalStatus.DRAFT and copy.score is None and not copy.reflection_worked


# --- backward plans ------------------------------------------------------------------


def pm_plan(gw) -> Goal:
    goal = services.goal_create(
        actor=gw.member,
        title="Become a project manager",
        framework=Framework.PLAN,
        horizon="long",
        due_date=date(2028, 6, 30),
        end_state="I run cross-team projects as a certified PM.",
    )
    for title in ("Lead a complex project", "Manage smaller projects", "Earn a PM certification", "Take PM courses"):
        services.milestone_add(actor=gw.member, goal=goal, title=title, source=MilestoneSource.PLAN, before_first=True)
    return goal


def step_titles(goal) -> list[str]:
    return list(goal.milestones.order_by("position", "id").values_list("title", flat=True))


def test_backward_planning_puts_each_new_step_first(gw):
    goal = pm_plan(gw)
    assert step_titles(goal) == [
        "Take PM courses",
        "Earn a PM certification",
        "Manage smaller projects",
        "Lead a complex project",
    ]
    assert list(goal.milestones.order_by("position").values_list("position", flat=True)) == [0, 1, 2, 3]
    services.milestone_add(actor=gw.member, goal=goal, title="Run the PMO", source=MilestoneSource.PLAN)
    assert step_titles(goal)[-1] == "Run the PMO"


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 7, 12])
@pytest.mark.parametrize("span", [7, 30, 90, 365, 1000])
def test_backward_dates_are_evenly_spaced_and_end_on_the_due_date(steps, span):
    start = date(2026, 1, 5)
    end = start + timedelta(days=span)
    dates = services.backward_dates(end=end, steps=steps, start=start)
    assert len(dates) == steps
    assert dates[-1] == end
    assert all(start < d <= end for d in dates)
    gaps = [(b - a).days for a, b in zip([start, *dates], dates, strict=False)]
    assert max(gaps) - min(gaps) <= 1, gaps
    assert dates == sorted(dates)


def test_backward_dates_edge_cases():
    day = date(2026, 3, 31)
    assert services.backward_dates(end=day, steps=0, start=date(2026, 1, 1)) == []
    assert services.backward_dates(end=day, steps=3, start=day) == [day, day, day]
    assert services.backward_dates(end=day, steps=2, start=day + timedelta(days=9)) == [day, day]


def test_plan_space_dates_counts_back_from_the_due_date_and_keeps_completed_steps(gw):
    goal = pm_plan(gw)
    first = goal.milestones.get(title="Take PM courses")
    done_on = date(2026, 1, 20)
    Milestone.objects.filter(pk=first.pk).update(due_date=done_on)
    services.milestone_set_done(actor=gw.member, milestone=first, done=True)
    today = date(2026, 7, 1)

    open_steps = services.plan_space_dates(actor=gw.member, goal=goal, today=today)

    assert [m.title for m in open_steps] == [
        "Earn a PM certification",
        "Manage smaller projects",
        "Lead a complex project",
    ]
    assert [m.due_date for m in open_steps] == services.backward_dates(end=goal.due_date, steps=3, start=today)
    first.refresh_from_db()
    assert first.due_date == done_on
    moved = GoalEvent.objects.filter(goal=goal, kind=EventKind.MILESTONE_MOVED)
    assert moved.count() == 3
    assert moved.get(subject="Lead a complex project").new_value == "2028-06-30"

    services.plan_space_dates(actor=gw.member, goal=goal, today=today)  # nothing moves the second time
    assert moved.count() == 3


def test_plan_space_dates_needs_a_due_date(gw):
    goal = services.goal_create(actor=gw.member, title="Become a team lead one day", framework=Framework.PLAN)
    services.milestone_add(actor=gw.member, goal=goal, title="Mentor a new hire")
    with pytest.raises(ValidationError):
        services.plan_space_dates(actor=gw.member, goal=goal)


def test_reschedule_needs_a_reason_and_records_old_and_new(gw):
    goal = pm_plan(gw)
    step = goal.milestones.get(title="Earn a PM certification")
    services.milestone_reschedule(actor=gw.member, milestone=step, due_date=date(2027, 3, 1), reason="Exam slot")
    with pytest.raises(ValidationError) as excinfo:
        services.milestone_reschedule(actor=gw.member, milestone=step, due_date=date(2027, 5, 1), reason=" ")
    assert "reason" in error_messages(excinfo)
    with pytest.raises(ValidationError):
        services.milestone_reschedule(actor=gw.member, milestone=step, due_date=date(2029, 1, 1), reason="Later")

    services.milestone_reschedule(actor=gw.member, milestone=step, due_date=date(2027, 4, 15), reason="Exam moved")

    step.refresh_from_db()
    assert step.due_date == date(2027, 4, 15)
    events = GoalEvent.objects.filter(goal=goal, kind=EventKind.MILESTONE_MOVED).order_by("id")
    assert [(e.old_value, e.new_value, e.reason) for e in events] == [
        ("—", "2027-03-01", "Exam slot"),
        ("2027-03-01", "2027-04-15", "Exam moved"),
    ]


def test_milestone_add_refuses_a_nameless_step_or_one_after_the_goal(gw):
    goal = pm_plan(gw)
    with pytest.raises(ValidationError):
        services.milestone_add(actor=gw.member, goal=goal, title="  ")
    with pytest.raises(ValidationError):
        services.milestone_add(actor=gw.member, goal=goal, title="Celebrate", due_date=date(2028, 7, 1))
    assert goal.milestones.count() == 4


def test_milestone_move_swaps_neighbours_and_stops_at_the_ends(gw):
    goal = pm_plan(gw)
    certification = goal.milestones.get(title="Earn a PM certification")

    services.milestone_move(actor=gw.member, milestone=certification, offset=-1)
    assert step_titles(goal)[:2] == ["Earn a PM certification", "Take PM courses"]
    services.milestone_move(actor=gw.member, milestone=certification, offset=-1)  # already first
    assert step_titles(goal)[0] == "Earn a PM certification"

    last = goal.milestones.get(title="Lead a complex project")
    services.milestone_move(actor=gw.member, milestone=last, offset=1)  # already last
    services.milestone_move(actor=gw.member, milestone=last, offset=-1)
    assert step_titles(goal) == [
        "Earn a PM certification",
        "Take PM courses",
        "Lead a complex project",
        "Manage smaller projects",
    ]
    events = GoalEvent.objects.filter(goal=goal, kind=EventKind.MILESTONE_REORDERED).order_by("id")
    assert [(e.subject, e.old_value, e.new_value) for e in events] == [
        ("Earn a PM certification", "2", "1"),
        ("Lead a complex project", "4", "3"),
    ]


def test_deleting_a_step_renumbers_the_rest(gw):
    goal = pm_plan(gw)
    services.milestone_delete(actor=gw.member, milestone=goal.milestones.get(title="Earn a PM certification"))
    assert list(goal.milestones.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert step_titles(goal) == ["Take PM courses", "Manage smaller projects", "Lead a complex project"]


# --- coaching ------------------------------------------------------------------------

DEFAULT = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("will", "items"),
    [
        ("Call Ana", [("Call Ana", DEFAULT)]),
        ("- Book the exam by 2026-11-30", [("Book the exam", date(2026, 11, 30))]),
        ("• Draft the plan BY 2026-11-15.", [("Draft the plan", date(2026, 11, 15))]),
        (
            "* Ask Sam for a stretch project\n\n  \n- Read chapter 3",
            [("Ask Sam for a stretch project", DEFAULT), ("Read chapter 3", DEFAULT)],
        ),
        ("Finish by 2026-13-45", [("Finish by 2026-13-45", DEFAULT)]),
        ("Stand by the team", [("Stand by the team", DEFAULT)]),
        ("", []),
    ],
)
def test_parse_will_items(will, items):
    assert services.parse_will_items(will, default_due=DEFAULT) == items


def test_parse_will_items_without_a_default_date():
    assert services.parse_will_items("Shadow a PM", default_due=None) == [("Shadow a PM", None)]


def test_will_items_become_milestones_once(gw):
    goal = smart_goal(gw, title="Pass the PMP exam with a score above 80%")
    beyond = goal.due_date + timedelta(days=30)
    session = services.coaching_session_record(
        actor=gw.manager,
        goal=goal,
        held_on=timezone.localdate(),
        grow_goal="Pass the PMP exam",
        reality="No study time in the calendar",
        options="Mornings; a study group; a bootcamp",
        will=f"- Block two mornings a week\n- Join a study group by {goal.due_date.isoformat()}\n- Book the exam by {beyond}",
    )
    assert GoalEvent.objects.filter(goal=goal, kind=EventKind.COACHING).exists()

    created = services.coaching_will_to_milestones(actor=gw.member, session=session)

    assert [m.title for m in created] == ["Block two mornings a week", "Join a study group", "Book the exam"]
    assert all(m.source == MilestoneSource.COACHING for m in created)
    expected_default = min(goal.due_date, timezone.localdate() + timedelta(days=14))
    assert [m.due_date for m in created] == [
        expected_default,
        goal.due_date,
        goal.due_date,
    ]  # capped at the goal's date
    session.refresh_from_db()
    assert session.will_converted_at is not None

    with pytest.raises(ValidationError):
        services.coaching_will_to_milestones(actor=gw.member, session=session)
    assert goal.milestones.count() == 3


def test_only_editors_and_invited_coaches_record_coaching(gw):
    goal = smart_goal(gw)
    kwargs = {"held_on": timezone.localdate(), "grow_goal": "g", "reality": "r", "options": "o", "will": "w"}
    with pytest.raises(PermissionDenied):
        services.coaching_session_record(actor=gw.peer, goal=goal, **kwargs)
    services.coach_invite(actor=gw.member, goal=goal, member=gw.peer)
    services.coaching_session_record(actor=gw.peer, goal=goal, **kwargs)
    with pytest.raises(ValidationError):
        services.coach_invite(actor=gw.member, goal=goal, member=gw.outsider)


# --- feedback ------------------------------------------------------------------------


def test_only_the_recipient_answers_a_feedback_request_once(gw):
    goal = smart_goal(gw)
    request = services.feedback_request_create(
        actor=gw.member, goal=goal, recipient=gw.peer, question="How did my demo land with your customer?"
    )
    for intruder in (gw.member, gw.manager, gw.admin, gw.teammate):
        with pytest.raises(PermissionDenied):
            services.feedback_answer(actor=intruder, request=request, answer="Great!")
    with pytest.raises(ValidationError):
        services.feedback_answer(actor=gw.peer, request=request, answer="   ")

    services.feedback_answer(actor=gw.peer, request=request, answer="Clear, but go slower on pricing.")

    request.refresh_from_db()
    assert request.answer == "Clear, but go slower on pricing." and request.answered_at is not None
    with pytest.raises(ValidationError):
        services.feedback_answer(actor=gw.peer, request=request, answer="Changed my mind")
    request.refresh_from_db()
    assert request.answer == "Clear, but go slower on pricing."


def test_feedback_request_needs_a_colleague_and_a_question(gw):
    goal = smart_goal(gw)
    for recipient, question in ((gw.member, "Me?"), (gw.outsider, "You?"), (gw.peer, "  ")):
        with pytest.raises(ValidationError):
            services.feedback_request_create(actor=gw.member, goal=goal, recipient=recipient, question=question)
    assert not FeedbackRequest.objects.exists()


# --- career profile ------------------------------------------------------------------


def test_career_profile_keeps_at_most_three_top_goals(gw):
    with pytest.raises(ValidationError):
        services.career_profile_update(
            actor=gw.member,
            vision="Lead a product org",
            strengths="",
            weaknesses="",
            top_goals=[("Lead a team", None), ("Get certified", None), ("Speak at a conference", None), ("MBA", None)],
        )
    assert not CareerProfile.objects.exists() and not CareerGoal.objects.exists()

    mine = smart_goal(gw, title="Earn the PMP certification by March")
    profile = services.career_profile_update(
        actor=gw.member,
        vision="  Lead a product org in five years ",
        strengths="Customer empathy",
        weaknesses="Budgeting",
        top_goals=[("Get PMP certified", mine), ("", None), ("Mentor two juniors", None)],
    )
    assert profile.vision == "Lead a product org in five years"
    assert [(g.rank, g.title, g.goal) for g in profile.top_goals.all()] == [
        (1, "Get PMP certified", mine),
        (2, "Mentor two juniors", None),
    ]

    services.career_profile_update(
        actor=gw.member, vision="x", strengths="", weaknesses="", top_goals=[("Only one", None)]
    )
    assert list(CareerGoal.objects.values_list("title", flat=True)) == ["Only one"]


def test_career_profile_links_only_the_persons_own_goals(gw):
    theirs = smart_goal(gw, actor=gw.teammate, title="Ship 3 internal tools this quarter")
    team_goal = smart_goal(gw, actor=gw.manager, owner_team=gw.rockets, title="Rockets ship 12 features")
    for goal in (theirs, team_goal):
        with pytest.raises(ValidationError):
            services.career_profile_update(
                actor=gw.member, vision="", strengths="", weaknesses="", top_goals=[("Steal it", goal)]
            )
    assert not CareerGoal.objects.exists()


# --- templates -----------------------------------------------------------------------


def test_a_goal_from_a_template_activates_only_when_it_passes_the_smart_check(gw):
    vague = services.goal_create(
        actor=gw.member, title="Raise satisfaction scores", cycle=gw.cycle, from_template="customer-service-csat"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.goal_activate(actor=gw.member, goal=vague)
    message = excinfo.value.messages[0]
    assert "Measurable" in message and "Relevant" in message
    vague.refresh_from_db()
    assert vague.status == GoalStatus.DRAFT
    assert not GoalEvent.objects.filter(goal=vague, kind=EventKind.STATUS).exists()

    filled = services.goal_create(
        actor=gw.member,
        title="Raise satisfaction scores by 15% this quarter",
        framework=Framework.SMART,
        description="So that fewer customers churn after their first month.",
        cycle=gw.cycle,
        from_template="customer-service-csat",
    )
    services.goal_activate(actor=gw.member, goal=filled)
    filled.refresh_from_db()
    assert filled.status == GoalStatus.ACTIVE


def test_a_goal_not_from_a_template_activates_even_when_it_is_vague(gw):
    goal = services.goal_create(actor=gw.member, title="Get better at communication", cycle=gw.cycle)
    services.goal_activate(actor=gw.member, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    with pytest.raises(ValidationError):
        services.goal_activate(actor=gw.member, goal=goal)  # only a draft activates
