"""Helpers the check-in views share."""

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.models import Membership
from apps.goals.models import Goal

from .. import selectors, services
from ..forms import CheckinForm
from ..services import SubmitResult


def new_key() -> uuid.UUID:
    """The idempotency key a check-in form carries: made when the page renders, so a resend is a no-op."""
    return uuid.uuid4()


def submit(actor: Membership, form: CheckinForm, reload) -> tuple[SubmitResult | None, CheckinForm]:
    """Validate and hand the form to ``services.checkin_submit``.

    Returns ``(result, form)``; ``result`` is None when the form or the service refused the
    submission, and ``form`` then carries the errors next to their fields, rebased on fresh
    goals (``reload()``), so that a stale value can be confirmed by submitting again.
    A posted key result of a goal the actor may not change makes the service raise
    PermissionDenied (403); one they cannot see at all is a 404. Either way nothing is written.
    """
    if not form.is_valid():
        return None, form
    posted = form.foreign_kr_ids()
    foreign = selectors.key_results_by_public_id(actor=actor, public_ids=posted)
    if len(foreign) < len(posted):
        # Another organization's key result, or one that is gone: "missing" and "forbidden" look the same.
        raise Http404("Not found.")
    try:
        result = services.checkin_submit(
            actor=actor, idempotency_key=form.cleaned_data["idempotency_key"], entries=form.entries(foreign)
        )
    except ValidationError as error:
        form = form.rebased(reload())
        form.is_valid()
        form.add_service_errors(error)
        return None, form
    return result, form


def safe_next(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def goal_url(goal: Goal, anchor: str = "checkins") -> str:
    from django.urls import reverse

    return reverse("goals:detail", args=[goal.public_id]) + f"#{anchor}"
