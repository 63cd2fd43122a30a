"""Coaching on a goal (GROW sessions, invited coaches) and feedback requests."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.http import apply_validation_error, redirect_or_htmx
from apps.core.types import AuthedRequest

from .. import selectors, services
from ..coaching_forms import CoachingSessionForm, CoachInviteForm, FeedbackAnswerForm, FeedbackRequestForm
from ..models import Goal
from ..permissions import can_coach_goal, can_edit_goal, check_can_coach_goal, check_can_edit_goal

SECTION = "goals/coaching/_goal_section.html#coaching-section"


def _goal_url(goal: Goal) -> str:
    return reverse("goals:detail", args=[goal.public_id]) + "#coaching-section"


def _section(request: AuthedRequest, goal: Goal, **extra) -> HttpResponse:
    """The Coaching section of the goal page, freshly loaded, for an htmx swap."""
    actor = request.membership
    goal = selectors.goal_coaching(actor=actor, public_id=goal.public_id)
    context = {"goal": goal, "can_edit": can_edit_goal(actor, goal), "can_coach": can_coach_goal(actor, goal), **extra}
    return render(request, SECTION, context)


# --- GROW sessions -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def coaching_new(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.goal_coaching(actor=actor, public_id=public_id)
    check_can_coach_goal(actor, goal)
    form = CoachingSessionForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.coaching_session_record(actor=actor, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Coaching session recorded.")
            if selectors.goal_is_visible(actor=actor, goal=goal):
                return redirect_or_htmx(request, _goal_url(goal))
            return redirect_or_htmx(request, reverse("goals:coaching_new", args=[goal.public_id]))
    template = "goals/coaching/session_form.html"
    context = {"goal": goal, "form": form, "can_edit": can_edit_goal(actor, goal)}
    return render(request, f"{template}#session-form" if request.htmx else template, context)


@require_POST
def will_to_milestones(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    session = selectors.coaching_session_get(actor=actor, public_id=public_id)
    created, error = [], ""
    try:
        created = services.coaching_will_to_milestones(actor=actor, session=session)
    except ValidationError as problem:
        error = " ".join(problem.messages)
    notice = f"Added {len(created)} milestone{'s' if len(created) != 1 else ''} to the goal." if created else ""
    if request.htmx:
        # The section is swapped in place, and the plan (out of band) shows the new steps at once.
        response = _section(request, session.goal, notice=notice, error=error)
        if created:
            from .goals import DETAIL, _refreshed

            plan = render_to_string(f"{DETAIL}#plan", _refreshed(request, session.goal, plan_oob=True), request=request)
            response.content += plan.encode()
            response["HX-Trigger"] = "milestonesChanged"
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice or "The Will had no actions to turn into milestones.")
    return redirect(_goal_url(session.goal))


# --- coaches -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def coach_invite(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.goal_coaching(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, goal)
    form = CoachInviteForm(request.POST or None, actor=actor, goal=goal, auto_id="coach-%s")
    if request.method == "POST" and form.is_valid():
        try:
            coach = services.coach_invite(actor=actor, goal=goal, member=form.cleaned_data["member"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = f"{coach.member.user.full_name} can now coach you on this goal."
            if request.htmx:
                return _section(request, goal, notice=notice)
            messages.success(request, notice)
            return redirect(_goal_url(goal))
    if request.htmx and request.method == "POST":
        return _section(request, goal, coach_form=form)
    template = "goals/coaching/coach_invite.html"
    context = {"goal": goal, "form": form, "coaches": list(goal.coaches.all())}
    return render(request, f"{template}#invite-form" if request.htmx else template, context)


# --- feedback ------------------------------------------------------------------------


@require_POST
def feedback_request(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.goal_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, goal)
    form = FeedbackRequestForm(request.POST, actor=actor, goal=goal, auto_id="fb-%s")
    if form.is_valid():
        try:
            sent = services.feedback_request_create(actor=actor, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            notice = f"Asked {sent.recipient.user.full_name}. Their answer will appear under Feedback requests."
            if request.htmx:
                return _section(request, goal, notice=notice)
            messages.success(request, notice)
            return redirect(_goal_url(goal))
    if request.htmx:
        return _section(request, goal, feedback_form=form)
    return render(request, "goals/coaching/feedback_request.html", {"goal": goal, "form": form})


@require_GET
def feedback_inbox(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    received = list(selectors.feedback_received(actor=actor))
    context = {
        "received": received,
        "waiting": sum(1 for item in received if not item.answered_at),
        "sent": list(selectors.feedback_sent(actor=actor)),
    }
    template = "goals/coaching/feedback_inbox.html"
    return render(request, f"{template}#inbox" if request.htmx else template, context)


@require_http_methods(["GET", "POST"])
def feedback_detail(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    item = selectors.feedback_get(actor=actor, public_id=public_id)
    is_recipient = item.recipient_id == actor.pk
    form = FeedbackAnswerForm(request.POST or None) if is_recipient and not item.answered_at else None
    if request.method == "POST":
        if not is_recipient:
            raise PermissionDenied("Only the person asked can answer.")
        if form is None:
            messages.info(request, "You already answered this request.")
            return redirect_or_htmx(request, reverse("goals:feedback_detail", args=[item.public_id]))
        if form.is_valid():
            try:
                services.feedback_answer(actor=actor, request=item, answer=form.cleaned_data["answer"])
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Thank you — {item.requester.user.full_name} can read your feedback now.")
                return redirect_or_htmx(request, reverse("goals:feedback_inbox"))
    context = {
        "item": item,
        "form": form,
        "is_recipient": is_recipient,
        "goal_visible": selectors.goal_is_visible(actor=actor, goal=item.goal),
    }
    template = "goals/coaching/feedback_detail.html"
    return render(request, f"{template}#feedback" if request.htmx else template, context)
