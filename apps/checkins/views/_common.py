"""Helpers the check-in views share."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.models import Membership
from apps.core.http import apply_validation_error
from apps.goals.models import Goal

from .. import selectors, services
from ..forms import CheckinForm, CommentForm
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


def comment_response(request, *, subject, subject_field: str, url_name: str, fallback_url: str):
    """Add a comment to a check-in or a celebration; the thread fragment for htmx, else a redirect.

    An invalid comment re-renders the thread (htmx) or the comment page with the error.
    """
    actor = request.membership
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=actor, body=form.cleaned_data["body"], **{subject_field: subject})
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Comment added.")
                return redirect(safe_next(request, fallback_url))
            form = CommentForm()
    context = {
        "comments": selectors.comments_for(**{subject_field: subject}),
        "comment_form": form,
        "comment_url": reverse(url_name, args=[subject.public_id]),
        "thread_id": f"comments-{subject.public_id.hex}",
        "next": safe_next(request, fallback_url),
        "subject": subject,
    }
    if request.htmx:
        return render(request, "checkins/_comments.html", context)
    return render(request, "checkins/comment_form.html", context)
