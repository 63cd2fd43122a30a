"""The rendered dashboard, kept per viewer until something it shows changes.

A page about one team (and its sub-teams) is keyed by the organization's
*structure* version and that *team's* version (``core.dataversion``): a goal,
key result, link, check-in, blocker or win written anywhere in the team's subtree
bumps the team's version (``scopes.py``); a write in another part of the
organization leaves the page cached; a change of teams, memberships, people,
cycles or settings misses every page. The whole-organization page is keyed by
the organization's version (any write). The key also holds the viewer's
membership id, role and active flag, the viewer's "today", and the ``?team=`` /
``?cycle=`` values exactly as asked: two viewers never share an entry, and
neither do two organizations.

Which team ``?team=`` (or no parameter) opens for a viewer is itself kept, per
structure version, so a cached page costs no database query to find.

One computation at a time (no stampede): when a viewer's page has to be computed
again while the same page is already being computed for them (another tab, an
htmx refresh, a reload), that request gets the last page computed for them,
marked with the time it was computed and "newer numbers are being computed",
instead of a second computation of the same numbers. A request that finds
nobody computing always computes: a viewer who reloads after a write sees it.
``settings.DASHBOARDS_CACHE_SECONDS`` bounds an entry's life (0 turns it off).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache

from apps.accounts.models import Membership
from apps.core import dataversion

ORG_SCOPE = "org"


@dataclass
class Page:
    title: str
    html: str  # the ``#dashboard`` region, rendered
    computed_at: str
    scope: str = ORG_SCOPE  # "org", or the id of the team the page is about
    from_cache: bool = False
    stale: bool = False  # the last page computed: newer numbers are being computed by another request


BUILD_LOCK_SECONDS = 60  # a computation that died without releasing its claim blocks no one longer than this


def _viewer(actor: Membership, team_param: str | None, cycle_param: str | None) -> str:
    asked = hashlib.sha256(f"{team_param or ''}\0{cycle_param or ''}".encode()).hexdigest()[:32]
    return f"{actor.organization_id}:{actor.pk}:{actor.role}:{int(actor.is_active)}:{asked}"


def page_key(*, actor: Membership, scope: str, viewer: str, today: date) -> str:
    if scope == ORG_SCOPE:
        version = str(dataversion.current(actor.organization_id))
    else:
        version = dataversion.scope_tokens(actor.organization_id, int(scope))
    return f"dashboards:page:{viewer}:{scope}:{version}:{today.isoformat()}"


def cached_page(
    *,
    actor: Membership,
    team_param: str | None,
    cycle_param: str | None,
    today: date,
    build: Callable[[], Page | None],
    bypass: bool = False,
) -> Page | None:
    """The page from the cache, else ``build()`` (kept unless it returns None: empty states are not kept)."""
    seconds = int(getattr(settings, "DASHBOARDS_CACHE_SECONDS", 0) or 0)
    if seconds <= 0 or bypass:
        return build()
    viewer = _viewer(actor, team_param, cycle_param)
    scope_key = f"dashboards:scope:{viewer}:{dataversion.scope_tokens(actor.organization_id, None)}"
    scope = cache.get(scope_key)
    if scope is not None:
        key = page_key(actor=actor, scope=scope, viewer=viewer, today=today)  # versions read before computing
        page = cache.get(key)
        if page is not None:
            page.from_cache = True
            return page
        latest_key = f"dashboards:latest:{viewer}:{scope}:{today.isoformat()}"
        lock_key = f"dashboards:building:{viewer}:{scope}"
        latest = cache.get(latest_key)
        if latest is not None and not cache.add(lock_key, 1, timeout=BUILD_LOCK_SECONDS):
            latest.from_cache, latest.stale = True, True  # another request is computing the new numbers
            return latest
        try:
            page = build()
            if page is not None and page.scope == scope:
                cache.set_many({key: page, latest_key: page}, seconds)
        finally:
            if latest is not None:
                cache.delete(lock_key)
        return page
    # First visit since the structure changed: compute, then learn which team the page is about. Its
    # version is read after computing, so the page is kept only if nothing in the organization was
    # written meanwhile (every write bumps the organization's version).
    before = dataversion.current(actor.organization_id)
    page = build()
    if page is None:
        return None
    cache.set(scope_key, page.scope, seconds)
    if dataversion.current(actor.organization_id) == before:
        key = page_key(actor=actor, scope=page.scope, viewer=viewer, today=today)
        cache.set_many({key: page, f"dashboards:latest:{viewer}:{page.scope}:{today.isoformat()}": page}, seconds)
    return page
