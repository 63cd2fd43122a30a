"""The weekly check-in (all goals, one "Submit all") and the summary after it."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.http import redirect_or_htmx
from apps.core.types import AuthedRequest

from .. import selectors
from ..forms import CheckinForm
from ._common import new_key, submit

WEEK = "checkins/week.html"


def _form(actor, page: selectors.WeekPage, data=None) -> CheckinForm:
    return CheckinForm(
        data,
        actor=actor,
        goals=page.goals,
        colleagues=page.colleagues,
        last_values=page.last_values,
        last_checkins=page.last_checkins,
        initial={"idempotency_key": new_key()},
    )


@require_http_methods(["GET", "POST"])
def week(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    page = selectors.weekly_checkin(actor=actor)
    form = _form(actor, page, request.POST or None)
    if request.method == "POST":
        result, form = submit(actor, form, reload=lambda: list(selectors.weekly_goals(actor=actor)))
        if result is not None:
            return redirect_or_htmx(request, reverse("checkins:submitted", args=[result.submission.public_id]))
    template = f"{WEEK}#checkin-form" if request.htmx else WEEK
    return render(request, template, {"page": page, "form": form})


@require_GET
def submitted(request: AuthedRequest, public_id) -> HttpResponse:
    summary = selectors.submission_summary(actor=request.membership, public_id=public_id)
    return render(request, "checkins/submitted.html", {"summary": summary})


@require_GET
def help_search(request: AuthedRequest) -> HttpResponse:
    """The "ask for help from" suggestions for what was typed (htmx fills the page's one datalist)."""
    if not request.htmx:
        return redirect("checkins:week")  # a fragment for the check-in form, not a page of its own
    typed = next((v for k, v in request.GET.items() if k == "q" or k.endswith("-help_from")), "")
    people = selectors.help_search(actor=request.membership, text=typed[:100])
    return render(request, "checkins/_help_options.html", {"people": people})
