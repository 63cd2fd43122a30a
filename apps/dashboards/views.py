"""The team alignment dashboard (a manager's home) and the benchmark's bare view."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from apps.core.types import AuthedRequest

from . import selectors

TEMPLATE = "dashboards/team.html"


def _link(name: str, *args, query: str = "") -> str | None:
    """A URL of another app if that app is installed (the alignment pages are optional)."""
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _links(data) -> list[tuple[str, str]]:
    team_q = f"?team={data.scope.team.public_id}" if data.scope.team is not None and not data.scope.is_org else ""
    candidates = [
        ("Alignment tree", _link("alignment:tree", query=team_q)),
        ("Gaps", _link("alignment:gaps", query=team_q)),
        ("End-of-cycle report", _link("alignment:report", data.cycle.public_id)),
        ("Team check-ins", _link("checkins:team")),
        ("Digest archive", _link("notifications:digests")),
    ]
    return [(label, url) for label, url in candidates if url]


@require_GET
def team_dashboard(request: AuthedRequest) -> HttpResponse:
    data = selectors.team_dashboard(
        actor=request.membership, team_param=request.GET.get("team"), cycle_param=request.GET.get("cycle")
    )
    empty = isinstance(data, selectors.EmptyDashboard)
    context = {"empty": data} if empty else {"d": data, "links": _links(data)}
    template = f"{TEMPLATE}#dashboard" if request.htmx and request.headers.get("HX-Target") == "dashboard" else TEMPLATE
    return render(request, template, context)


@login_not_required
@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """The cheapest Django response (only routed when GOALSITE_BENCH=1): the benchmark's baseline."""
    return HttpResponse(b"ok", content_type="text/plain")
