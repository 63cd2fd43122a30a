"""The manager's weekly review of direct reports, with "Seen", "Flag for 1:1" and comments."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.types import AuthedRequest

from .. import selectors, services
from ..forms import CommentForm, FlagForm, ToggleForm
from ..models import Reaction
from ._common import comment_response, safe_next

TEAM = "checkins/team.html"


def _review_url(checkin) -> str:
    return reverse("checkins:team") + f"#c-{checkin.public_id}"


@require_GET
def team(request: AuthedRequest) -> HttpResponse:
    review = selectors.team_review(actor=request.membership)
    return render(request, TEAM, {"review": review, "comment_form": CommentForm()})


def _react(request: AuthedRequest, public_id, kind: str, form) -> HttpResponse:
    actor = request.membership
    checkin = selectors.checkin_get(actor=actor, public_id=public_id)
    if form.is_valid():
        services.reaction_set(
            actor=actor,
            checkin=checkin,
            kind=kind,
            note=form.cleaned_data.get("note", ""),
            on=form.cleaned_data["on"],
        )
    elif not request.htmx:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if not request.htmx:
        return redirect(safe_next(request, _review_url(checkin)))
    item = selectors.review_item(actor=actor, checkin=checkin)
    return render(request, f"{TEAM}#review-actions", {"item": item, "flag_form": form if form.errors else None})


@require_POST
def checkin_seen(request: AuthedRequest, public_id) -> HttpResponse:
    return _react(request, public_id, Reaction.Kind.SEEN, ToggleForm(request.POST))


@require_POST
def checkin_flag(request: AuthedRequest, public_id) -> HttpResponse:
    return _react(request, public_id, Reaction.Kind.FLAG, FlagForm(request.POST))


@require_POST
def checkin_comment(request: AuthedRequest, public_id) -> HttpResponse:
    checkin = selectors.checkin_get(actor=request.membership, public_id=public_id)
    return comment_response(
        request,
        subject=checkin,
        subject_field="checkin",
        url_name="checkins:checkin_comment",
        fallback_url=_review_url(checkin),
    )
