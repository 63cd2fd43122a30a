"""The team alignment dashboard (a manager's home) and the benchmark's bare view."""

from __future__ import annotations

import os
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from apps.core.types import AuthedRequest

from . import cache as dashboard_cache
from . import selectors

TEMPLATE = "dashboards/team.html"
# bench/dashboards.py may ask for an uncached page (header X-Bench-Cache: off) to measure cold figures.
BENCH = os.environ.get("GOALSITE_BENCH") == "1"


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
    actor = request.membership
    team_param, cycle_param = request.GET.get("team"), request.GET.get("cycle")
    today = selectors.today_for(actor)
    empty: list[selectors.EmptyDashboard] = []

    def build() -> dashboard_cache.Page | None:
        data = selectors.team_dashboard(actor=actor, team_param=team_param, cycle_param=cycle_param, today=today)
        if isinstance(data, selectors.EmptyDashboard):
            empty.append(data)
            return None
        data.cache_seconds = settings.DASHBOARDS_CACHE_SECONDS
        html = render_to_string(f"{TEMPLATE}#dashboard", {"d": data, "links": _links(data)})
        scope = dashboard_cache.ORG_SCOPE if data.scope.is_org or data.scope.team is None else str(data.scope.team.id)
        return dashboard_cache.Page(
            title=data.scope.label, html=html, computed_at=data.computed_at.isoformat(), scope=scope
        )

    page = dashboard_cache.cached_page(
        actor=actor, team_param=team_param, cycle_param=cycle_param, today=today, build=build,
        bypass=BENCH and request.headers.get("X-Bench-Cache") == "off",
    )  # fmt: skip
    if page is None:
        return render(request, TEMPLATE, {"empty": empty[0]})
    if request.htmx and request.headers.get("HX-Target") == "dashboard":
        return HttpResponse(page.html)
    stale_since = datetime.fromisoformat(page.computed_at) if page.stale else None
    context = {"page": page, "dashboard_html": mark_safe(page.html), "stale_since": stale_since}  # noqa: S308 - ours
    return render(request, TEMPLATE, context)


@login_not_required
@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """The cheapest Django response (only routed when GOALSITE_BENCH=1): the benchmark's baseline."""
    return HttpResponse(b"ok", content_type="text/plain")
