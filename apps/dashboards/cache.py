"""The rendered dashboard, kept per viewer until something it shows changes.

Versions. A page about one team (and its sub-teams) carries the organization's
*structure* version and that *team's* version (``core.dataversion``): a goal, key
result, link, check-in, blocker or win written anywhere in the team's subtree
bumps the team's version (``scopes.py``); a write in another part of the
organization leaves the page current; a change of teams, memberships, people,
cycles or settings makes every page out of date. The whole-organization page
carries the organization's version (any write).

Entries. One entry per viewer (membership id, role, active flag), ``?team=`` /
``?cycle=`` values exactly as asked, page scope and the viewer's "today": two
viewers never share an entry, and neither do two organizations. Which team the
request opens is kept too (per structure version), so a current page costs two
cache round trips and no database query. ``settings.DASHBOARDS_CACHE_SECONDS``
bounds an entry's life (0 turns the cache off).

An entry whose version is out of date is computed again, except in two cases,
where the viewer gets it marked with the time it was computed and "newer numbers
are being computed":

* another request of the same viewer is computing it right now (another tab, an
  htmx refresh): one computation at a time, no stampede;
* it is younger than ``DASHBOARDS_REFRESH_FACTOR`` times what it cost to compute
  (default 10): a page never spends more than about a tenth of the time
  recomputing itself, however fast the organization writes. A team page computed
  in 60 ms is fresh again after 0.6 s; the 5,000-person organization page computed
  in 1 s refreshes at most every 10 s while people keep checking in.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache

from apps.accounts.models import Membership
from apps.core import dataversion

ORG_SCOPE = "org"
BUILD_LOCK_SECONDS = 60  # a computation that died without releasing its claim blocks no one longer than this


@dataclass
class Page:
    title: str
    html: str  # the ``#dashboard`` region, rendered
    computed_at: str
    scope: str = ORG_SCOPE  # "org", or the id of the team the page is about
    version: str = ""  # the data version it was computed from
    cost: float = 0.0  # seconds it took to compute
    built: float = field(default_factory=time.time)  # when (epoch seconds)
    from_cache: bool = False
    stale: bool = False  # out of date: newer numbers are being computed


def _viewer(actor: Membership, team_param: str | None, cycle_param: str | None) -> str:
    asked = hashlib.sha256(f"{team_param or ''}\0{cycle_param or ''}".encode()).hexdigest()[:32]
    return f"{actor.organization_id}:{actor.pk}:{actor.role}:{int(actor.is_active)}:{asked}"


def _versions(actor: Membership, scope: str, also: list[str]) -> tuple[str, dict]:
    if scope == ORG_SCOPE:
        return dataversion.read_versions(actor.organization_id, whole=True, also=also)
    return dataversion.read_versions(actor.organization_id, team_id=int(scope), also=also)


def _build(build: Callable[[], Page | None], version: str) -> Page | None:
    started = time.perf_counter()
    page = build()
    if page is not None:
        page.version, page.cost, page.built = version, time.perf_counter() - started, time.time()
    return page


def _stale(page: Page) -> Page:
    page.from_cache, page.stale = True, True
    return page


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
    factor = float(getattr(settings, "DASHBOARDS_REFRESH_FACTOR", 0) or 0)
    viewer = _viewer(actor, team_param, cycle_param)
    scope_key = f"dashboards:scope:{viewer}"
    structure, found = dataversion.read_versions(actor.organization_id, also=[scope_key])
    known = found.get(scope_key)
    if known is not None and known[0] == structure:
        scope = known[1]
        page_key = f"dashboards:page:{viewer}:{scope}:{today.isoformat()}"
        version, found = _versions(actor, scope, [page_key])  # read before computing
        page = found.get(page_key)
        if page is not None:
            if page.version == version:
                page.from_cache = True
                return page
            if factor > 0 and time.time() - page.built < factor * page.cost:
                return _stale(page)  # computed moments ago: not again yet
        lock_key = f"dashboards:building:{viewer}:{scope}"
        if page is not None and not cache.add(lock_key, 1, timeout=BUILD_LOCK_SECONDS):
            return _stale(page)  # another request is computing the new numbers
        try:
            fresh = _build(build, version)
            if fresh is not None and fresh.scope == scope:
                cache.set(page_key, fresh, seconds)
        finally:
            if page is not None:
                cache.delete(lock_key)
        return fresh
    # First visit since the structure changed: compute, then learn which team the page is about. Its
    # version is read after computing, so the page is kept only if nothing in the organization was
    # written meanwhile (every write bumps the organization's version).
    before = dataversion.current(actor.organization_id)
    page = _build(build, "")
    if page is None:
        return None
    cache.set(scope_key, (structure, page.scope), seconds)
    if dataversion.current(actor.organization_id) == before:
        page_key = f"dashboards:page:{viewer}:{page.scope}:{today.isoformat()}"
        page.version = _versions(actor, page.scope, [])[0]
        cache.set(page_key, page, seconds)
    return page
