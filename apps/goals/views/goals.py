"""My goals, goal pages, lifecycle, key results, milestones and backward plans.

Every view: selector (404 for anything outside the actor's reach) → form →
service (403 for anything they may not change) → response. Each works without
JavaScript (POST/redirect/GET); with htmx it answers with just the region that
changed, plus the goal's header as an out-of-band swap when progress moved.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.permissions import is_org_admin
from apps.core.http import apply_validation_error, redirect_or_htmx
from apps.core.types import AuthedRequest

from .. import selectors, services
from ..evidence import goal_evidence, rolled_health
from ..forms import (
    CarryOverForm,
    CloseForm,
    ConfidenceForm,
    GoalForm,
    KeyResultForm,
    KRValueForm,
    MilestoneForm,
    ReopenForm,
    RescheduleForm,
)
from ..models import Framework, Goal, GoalStatus
from ..permissions import can_coach_goal, can_edit_goal, check_can_edit_goal

DETAIL = "goals/goal_detail.html"
# Regions that follow any change out of band: the header's progress and status, the SMART check, the history.
SIDE_REGIONS = ("goal-summary", "smart", "activity")
KR_FIELDS = ("title", "metric_type", "unit", "start_value", "target_value", "direction", "weight")


# --- helpers -------------------------------------------------------------------------


def _detail_url(goal: Goal, anchor: str = "") -> str:
    return reverse("goals:detail", args=[goal.public_id]) + (f"#{anchor}" if anchor else "")


def _editable_goal(request: AuthedRequest, public_id) -> Goal:
    """A goal the actor can see (else 404) and change (else 403)."""
    goal = selectors.goal_get(actor=request.membership, public_id=public_id)
    check_can_edit_goal(request.membership, goal)
    return goal


def _apply(form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's error on the form, renaming model fields to the form's names."""
    if rename and hasattr(error, "error_dict"):
        error = ValidationError({rename.get(k, k): v for k, v in error.error_dict.items()})
    apply_validation_error(form, error)


def _kr_value_form(kr, data=None) -> KRValueForm:
    current = f"{kr.current_value.normalize():f}"
    return KRValueForm(data, kr=kr, initial={"value": current, "expected_current": current})


def _chosen_cycle(request: AuthedRequest):
    """The cycle in ``?cycle=`` (404 when it is not the actor's organization's), else the current one."""
    cycle_id = request.GET.get("cycle")
    if cycle_id:
        return selectors.cycle_get(actor=request.membership, public_id=cycle_id)
    return selectors.cycle_current(actor=request.membership)


def _detail_context(actor, goal: Goal, **overrides) -> dict:
    """Everything the goal page and its regions show (the goal comes from ``selectors.goal_detail``)."""
    today = timezone.localdate()
    settings_row = selectors.goal_settings(actor=actor)
    # Its own pace, capped by what the goals aligned to it say (as the alignment tree and dashboards show it).
    evidence = goal_evidence(goal, settings_row, today)
    health = rolled_health(selectors.goal_health(goal, settings_row, today), evidence)
    children = list(selectors.goal_children(actor=actor, goal=goal))
    kr_forms = overrides.pop("kr_forms", {})
    # Pace applies to an active goal only; a draft or closed goal's bars show progress alone.
    pace = health.expected if goal.status == GoalStatus.ACTIVE else None
    key_results = list(goal.key_results.all())
    for kr in key_results:
        kr.health_code = selectors.kr_health(kr, pace, settings_row) if pace is not None else ""
        if kr.progress >= 1:
            kr.health_code = "achieved"
        kr.value_form = kr_forms.get(kr.pk) or _kr_value_form(kr)
    milestones = list(goal.milestones.all())
    step, steps = selectors.plan_position(milestones)
    for number, ms in enumerate(milestones, start=1):
        ms.number, ms.is_now = number, number == step
        ms.is_overdue = bool(ms.due_date and not ms.completed_at and ms.due_date < today)
        ms.reschedule_form = RescheduleForm(milestone=ms, initial={"due_date": ms.due_date})
    can_edit = can_edit_goal(actor, goal)
    next_cycle = selectors.cycle_next(cycle=goal.cycle) if goal.cycle_id else selectors.cycle_current(actor=actor)
    context = {
        "goal": goal,
        "health": health,
        "pace": pace,
        "settings": settings_row,
        "can_edit": can_edit,
        "can_coach": can_coach_goal(actor, goal),
        "is_plan": goal.framework == Framework.PLAN,
        "key_results": key_results,
        "milestones": milestones,
        "now_step": milestones[step - 1] if step else None,
        "step": step,
        "steps": steps,
        "parents": list(selectors.goal_parents(actor=actor, goal=goal)),
        "children": children,
        "breakdown": selectors.progress_breakdown(
            goal=goal, settings_row=settings_row, children=children, contributors=evidence.counted
        ),
        "smart": services.smart_report(goal, today=today),
        "events": list(selectors.goal_events(goal=goal, limit=8)),
        "today": today,
        "next_cycle": next_cycle,
    }
    if can_edit:
        context.update(
            kr_form=KeyResultForm(auto_id="kr-new-%s"),
            milestone_form=MilestoneForm(
                goal=goal, auto_id="ms-new-%s", initial={"before_first": goal.framework == Framework.PLAN}
            ),
            confidence_form=ConfidenceForm(
                auto_id="conf-%s", initial={"confidence": goal.confidence, "note": goal.confidence_note}
            ),
            reopen_form=ReopenForm(auto_id="reopen-%s"),
            carry_form=CarryOverForm(actor=actor, goal=goal, auto_id="carry-%s", initial={"cycle": next_cycle}),
        )
    context.update(overrides)
    return context


def _render_regions(request, context: dict, *regions: str) -> HttpResponse:
    """Several partials of the goal page in one htmx response (out-of-band ones flagged in the context)."""
    html = "".join(render_to_string(f"{DETAIL}#{region}", context, request=request) for region in regions)
    return HttpResponse(html)


def _refreshed(request: AuthedRequest, goal: Goal, **overrides) -> dict:
    fresh = selectors.goal_detail(actor=request.membership, public_id=goal.public_id)
    return _detail_context(request.membership, fresh, **overrides)


def _plan_response(request: AuthedRequest, goal: Goal, **overrides) -> HttpResponse:
    """The plan section (and the header, out of band) for htmx; a redirect to the plan otherwise."""
    if not request.htmx:
        return redirect(_detail_url(goal, "plan"))
    context = _refreshed(request, goal, oob=True, **overrides)
    return _render_regions(request, context, "plan", *SIDE_REGIONS)


# --- my goals ------------------------------------------------------------------------


@require_GET
def my_goals(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    cycle = _chosen_cycle(request)
    context = {
        "overview": selectors.my_goals_overview(actor=actor, cycle=cycle),
        "cycles": list(selectors.cycle_list(actor=actor)),
        "cycle": cycle,
        "is_admin": is_org_admin(actor),
    }
    template = "goals/my_goals.html#goal-lists" if request.htmx else "goals/my_goals.html"
    return render(request, template, context)


# --- goal pages ----------------------------------------------------------------------


@require_GET
def goal_detail(request: AuthedRequest, public_id) -> HttpResponse:
    goal = selectors.goal_detail(actor=request.membership, public_id=public_id)
    return render(request, DETAIL, _detail_context(request.membership, goal))


@require_GET
def goal_activity(request: AuthedRequest, public_id) -> HttpResponse:
    goal = selectors.goal_get(actor=request.membership, public_id=public_id)
    context = {"goal": goal, "events": list(selectors.goal_events(goal=goal, limit=1000)), "full_history": True}
    template = f"{DETAIL}#activity" if request.htmx else "goals/goal_activity.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def goal_create(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    cycle = _chosen_cycle(request)
    form = GoalForm(request.POST or None, actor=actor, initial={"cycle": cycle})
    if request.method == "POST" and form.is_valid():
        status = GoalStatus.ACTIVE if "activate" in request.POST else GoalStatus.DRAFT
        try:
            goal = services.goal_create(actor=actor, status=status, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Goal created." if status == GoalStatus.ACTIVE else "Draft saved.")
            return redirect_or_htmx(request, _detail_url(goal))
    template = "goals/goal_form.html#goal-form" if request.htmx else "goals/goal_form.html"
    return render(request, template, {"form": form, "goal": None})


@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    initial = {name: getattr(goal, name) for name in services.GOAL_FIELDS}
    form = GoalForm(request.POST or None, actor=actor, goal=goal, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in services.GOAL_FIELDS}
        try:
            services.goal_update(actor=actor, goal=goal, reason=form.cleaned_data.get("reason", ""), **changes)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Goal saved.")
            return redirect_or_htmx(request, _detail_url(goal))
    template = "goals/goal_form.html#goal-form" if request.htmx else "goals/goal_form.html"
    return render(request, template, {"form": form, "goal": goal})


# --- lifecycle -----------------------------------------------------------------------


@require_POST
def goal_activate(request: AuthedRequest, public_id) -> HttpResponse:
    goal = _editable_goal(request, public_id)
    try:
        services.goal_activate(actor=request.membership, goal=goal)
        messages.success(request, "Goal activated: progress is now paced against its dates.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect_or_htmx(request, _detail_url(goal))


@require_http_methods(["GET", "POST"])
def goal_close(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    initial = {"score": round(goal.progress, 2), "status": GoalStatus.ACHIEVED if goal.progress >= 1 else None}
    form = CloseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_close(actor=actor, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Goal closed as {form.cleaned_data['status']}. Your reflection is kept with it.")
            return redirect_or_htmx(request, _detail_url(goal))
    template = "goals/goal_close.html#close-form" if request.htmx else "goals/goal_close.html"
    return render(request, template, {"form": form, "goal": goal})


def _goal_action(request: AuthedRequest, goal: Goal, form, *, perform, **page) -> HttpResponse:
    """Shared flow of the small lifecycle forms: validate, call the service, go back to a goal page."""
    if request.method == "POST" and form.is_valid():
        try:
            target = perform(form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect_or_htmx(request, _detail_url(target or goal))
    context = {"goal": goal, "form": form, **page}
    template = "goals/goal_action.html#action-form" if request.htmx else "goals/goal_action.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def goal_reopen(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)

    def perform(data):
        services.goal_reopen(actor=actor, goal=goal, reason=data["reason"])
        messages.success(request, "Goal reopened.")

    return _goal_action(
        request,
        goal,
        ReopenForm(request.POST or None, auto_id="reopen-%s"),
        perform=perform,
        heading="Reopen this goal",
        intro="It becomes active again; the score and the closing date are cleared. The reason stays in its history.",
        action_url=reverse("goals:reopen", args=[goal.public_id]),
        submit_label="Reopen goal",
    )


@require_http_methods(["GET", "POST"])
def goal_carry_over(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    next_cycle = selectors.cycle_next(cycle=goal.cycle) if goal.cycle_id else selectors.cycle_current(actor=actor)
    form = CarryOverForm(
        request.POST or None, actor=actor, goal=goal, auto_id="carry-%s", initial={"cycle": next_cycle}
    )

    def perform(data):
        copy = services.goal_carry_over(actor=actor, goal=goal, cycle=data["cycle"])
        messages.success(request, f"Carried over to {data['cycle'].name}. This is the new goal.")
        return copy

    return _goal_action(
        request,
        goal,
        form,
        perform=perform,
        heading="Carry over to another cycle",
        intro="Makes a copy in the cycle you choose, with its key results and their values, the open steps and "
        "the alignment. This goal stays as it is, linked to the copy.",
        action_url=reverse("goals:carry_over", args=[goal.public_id]),
        submit_label="Carry over",
    )


@require_http_methods(["GET", "POST"])
def goal_confidence(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    initial = {"confidence": goal.confidence, "note": goal.confidence_note}

    def perform(data):
        services.goal_set_confidence(actor=actor, goal=goal, confidence=data["confidence"], note=data["note"])
        messages.success(request, "Confidence saved.")

    return _goal_action(
        request,
        goal,
        ConfidenceForm(request.POST or None, auto_id="conf-%s", initial=initial),
        perform=perform,
        heading="Set your confidence",
        intro="The status follows the pace unless you say otherwise. Your call is shown with the reason, "
        "next to what the pace alone says.",
        action_url=reverse("goals:confidence", args=[goal.public_id]),
        submit_label="Save confidence",
    )


# --- key results ---------------------------------------------------------------------


@require_POST
def kr_add(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    form = KeyResultForm(request.POST, auto_id="kr-new-%s")
    kr = None
    if form.is_valid():
        try:
            kr = services.kr_create(actor=actor, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
    if kr is not None and not request.htmx:
        messages.success(request, f"Key result “{kr.title}” added.")
        return redirect(_detail_url(goal, f"kr-{kr.public_id}"))
    if kr is None:
        context = _refreshed(request, goal, kr_form=form, kr_form_open=True)
        if not request.htmx:
            return render(request, DETAIL, context)
        return retarget(reswap(_render_regions(request, context, "kr-add-form"), "outerHTML"), "#kr-add-form")
    context = _refreshed(request, goal, oob=True, form_oob=True, kr_form_open=True)
    context["kr"] = next(k for k in context["key_results"] if k.pk == kr.pk)
    return _render_regions(request, context, "kr-row", "kr-add-form", *SIDE_REGIONS)


@require_POST
def kr_value(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    kr = selectors.key_result_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, kr.goal)
    form = _kr_value_form(kr, request.POST)
    if form.is_valid():
        try:
            services.kr_set_value(
                actor=actor,
                kr=kr,
                value=form.cleaned_data["value"],
                expected_current=form.cleaned_data["expected_current"],
            )
        except ValidationError as error:
            _apply(form, error, rename={"current_value": "value"})
        else:
            if not request.htmx:
                messages.success(request, f"“{kr.title}” updated.")
                return redirect(_detail_url(kr.goal, f"kr-{kr.public_id}"))
            form = None
    context = _refreshed(request, kr.goal, kr_forms={kr.pk: form} if form else {}, oob=True)
    if not request.htmx:
        return render(request, DETAIL, context)
    context["kr"] = next(k for k in context["key_results"] if k.pk == kr.pk)
    context["kr_saved"] = form is None
    return _render_regions(request, context, "kr-row", *SIDE_REGIONS)


@require_http_methods(["GET", "POST"])
def kr_edit(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    kr = selectors.key_result_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, kr.goal)
    initial = {name: getattr(kr, name) for name in KR_FIELDS}
    form = KeyResultForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.kr_update(actor=actor, kr=kr, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Key result “{form.cleaned_data['title']}” saved.")
            return redirect_or_htmx(request, _detail_url(kr.goal, f"kr-{kr.public_id}"))
    template = "goals/kr_form.html#kr-form" if request.htmx else "goals/kr_form.html"
    return render(request, template, {"form": form, "kr": kr, "goal": kr.goal})


@require_http_methods(["GET", "POST"])
def kr_delete(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    kr = selectors.key_result_get(actor=actor, public_id=public_id)
    goal = kr.goal
    check_can_edit_goal(actor, goal)
    if request.method == "GET":
        return render(
            request,
            "goals/confirm_delete.html",
            {"goal": goal, "thing": "key result", "name": kr.title, "action_url": request.path},
        )
    services.kr_delete(actor=actor, kr=kr)
    if not request.htmx:
        messages.success(request, f"Key result “{kr.title}” removed.")
        return redirect(_detail_url(goal, "key-results"))
    # The row swaps itself out with this empty body; the header follows out of band.
    return _render_regions(request, _refreshed(request, goal, oob=True), *SIDE_REGIONS)


# --- milestones and backward plans ---------------------------------------------------


@require_POST
def milestone_add(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = _editable_goal(request, public_id)
    form = MilestoneForm(request.POST, goal=goal, auto_id="ms-new-%s")
    if form.is_valid():
        try:
            services.milestone_add(actor=actor, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _plan_response(request, goal)
    context = _refreshed(request, goal, milestone_form=form)
    if request.htmx:
        return _render_regions(request, context, "plan")
    return render(request, DETAIL, context)


@require_POST
def plan_space(request: AuthedRequest, public_id) -> HttpResponse:
    goal = _editable_goal(request, public_id)
    try:
        services.plan_space_dates(actor=request.membership, goal=goal)
    except ValidationError as error:
        if request.htmx:
            return _plan_response(request, goal, plan_error=" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
    return _plan_response(request, goal)


def _milestone_for_edit(request: AuthedRequest, public_id):
    milestone = selectors.milestone_get(actor=request.membership, public_id=public_id)
    check_can_edit_goal(request.membership, milestone.goal)
    return milestone


@require_POST
def milestone_done(request: AuthedRequest, public_id) -> HttpResponse:
    milestone = _milestone_for_edit(request, public_id)
    done = request.POST.get("done", "1") not in ("0", "false", "")
    services.milestone_set_done(actor=request.membership, milestone=milestone, done=done)
    if done and not request.htmx:
        messages.success(request, f"Step done: {milestone.title}. Nice work!")
    return _plan_response(request, milestone.goal)


@require_POST
def milestone_move(request: AuthedRequest, public_id) -> HttpResponse:
    milestone = _milestone_for_edit(request, public_id)
    offset = 1 if request.POST.get("direction") == "later" else -1
    services.milestone_move(actor=request.membership, milestone=milestone, offset=offset)
    return _plan_response(request, milestone.goal)


@require_http_methods(["GET", "POST"])
def milestone_reschedule(request: AuthedRequest, public_id) -> HttpResponse:
    milestone = _milestone_for_edit(request, public_id)
    form = RescheduleForm(request.POST or None, milestone=milestone, initial={"due_date": milestone.due_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_reschedule(actor=request.membership, milestone=milestone, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, f"“{milestone.title}” rescheduled.")
                return _plan_response(request, milestone.goal)
            return retarget(reswap(_plan_response(request, milestone.goal), "outerHTML"), "#plan")
    context = {"form": form, "milestone": milestone, "goal": milestone.goal}
    template = "goals/milestone_reschedule.html#reschedule-form" if request.htmx else "goals/milestone_reschedule.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def milestone_delete(request: AuthedRequest, public_id) -> HttpResponse:
    milestone = _milestone_for_edit(request, public_id)
    goal = milestone.goal
    if request.method == "GET":
        return render(
            request,
            "goals/confirm_delete.html",
            {"goal": goal, "thing": "step", "name": milestone.title, "action_url": request.path},
        )
    services.milestone_delete(actor=request.membership, milestone=milestone)
    if not request.htmx:
        messages.success(request, f"Step “{milestone.title}” removed.")
    return _plan_response(request, goal)
