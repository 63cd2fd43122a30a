"""Check-ins on a goal page: the inline form, the section (chart, history, blockers), a key result's history."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from apps.core.types import AuthedRequest
from apps.goals.models import GoalStatus
from apps.goals.permissions import check_can_edit_goal
from apps.goals.selectors import key_result_get

from .. import selectors, services
from ..forms import CheckinForm
from ._common import goal_url, new_key, submit

INLINE = "checkins/goal_checkin.html"
SECTION = "checkins/_goal_section.html"


def _corrected(request: AuthedRequest, goal):
    """The check-in a correction refers to (``?corrects=`` or the posted field); 404 unless on this goal."""
    public_id = request.POST.get("corrects") or request.GET.get("corrects")
    if not public_id:
        return None
    checkin = selectors.checkin_get(actor=request.membership, public_id=public_id)
    if checkin.goal_id != goal.pk:
        raise Http404("Not found.")
    return checkin


def _initial(corrects) -> dict:
    initial = {"idempotency_key": new_key()}
    if corrects is not None:
        prefix = f"g-{corrects.goal.public_id}-"
        initial |= {
            prefix + "confidence": str(corrects.confidence or ""),
            prefix + "status": corrects.status,
            prefix + "wins": corrects.wins,
            prefix + "blockers": corrects.blockers,
            prefix + "next_steps": corrects.next_steps,
        }
    return initial


def _section(request: AuthedRequest, goal, status: int = 200) -> HttpResponse:
    context = selectors.goal_checkin_context(actor=request.membership, goal=goal)
    return render(request, SECTION, context, status=status)


@require_http_methods(["GET", "POST"])
def goal_checkin(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.checkin_goal_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, goal)
    corrects = _corrected(request, goal)
    page = selectors.goal_checkin_form(actor=actor, goal=goal)
    form = CheckinForm(
        request.POST or None,
        actor=actor,
        goals=[goal],
        colleagues=page.colleagues,
        last_values=page.last_values,
        last_checkins=page.last_checkins,
        corrects=corrects,
        initial=_initial(corrects),
    )
    if request.method == "POST" and goal.status == GoalStatus.ACTIVE:
        result, form = submit(
            actor, form, reload=lambda: [selectors.checkin_goal_get(actor=actor, public_id=public_id)]
        )
        if result is not None:
            if not request.htmx:
                messages.success(request, "Check-in saved." if result.created else "That check-in was already saved.")
                return redirect(goal_url(goal))
            response = _section(request, goal)
            trigger_client_event(response, "goalChanged", {"goal": str(goal.public_id)})
            return reswap(retarget(response, "#goal-checkins"), "outerHTML")
    context = {"goal": goal, "form": form, "corrects": corrects, "active": goal.status == GoalStatus.ACTIVE}
    return render(request, f"{INLINE}#inline-form" if request.htmx else INLINE, context)


@require_GET
def goal_section(request: AuthedRequest, public_id) -> HttpResponse:
    """The check-ins section alone (htmx refresh, "Cancel" of the inline form), or as its own page."""
    goal = selectors.checkin_goal_get(actor=request.membership, public_id=public_id)
    if request.htmx:
        return _section(request, goal)
    context = selectors.goal_checkin_context(actor=request.membership, goal=goal)
    return render(request, "checkins/goal_checkins.html", context)


@require_GET
def kr_history(request: AuthedRequest, public_id) -> HttpResponse:
    kr = key_result_get(actor=request.membership, public_id=public_id)
    context = {"kr": kr, "series": selectors.kr_value_series(key_result=kr)}
    return render(
        request, "checkins/kr_history.html#kr-history" if request.htmx else "checkins/kr_history.html", context
    )


@require_POST
def blocker_resolve(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    blocker = selectors.blocker_get(actor=actor, public_id=public_id)
    services.blocker_resolve(actor=actor, blocker=blocker)
    goal = blocker.goal
    if not request.htmx:
        messages.success(request, "Blocker resolved.")
        return redirect(goal_url(goal, "blockers"))
    context = selectors.goal_checkin_context(actor=actor, goal=goal)
    return render(request, f"{SECTION}#open-blockers", context)
