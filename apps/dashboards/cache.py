"""The rendered dashboard, kept per viewer until anything in the organization changes.

The key holds everything that decides what the page shows and to whom: the
organization and its data version (``core.dataversion``, bumped by every write
of goals, key results, check-ins, links, teams, memberships, people), the
viewer's membership id, role and active flag, the viewer's "today", and the
``?team=`` / ``?cycle=`` values exactly as asked. Two viewers never share an
entry, and neither do two organizations. ``settings.DASHBOARDS_CACHE_SECONDS``
bounds an entry's life (0 turns the cache off).
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


@dataclass
class Page:
    title: str
    html: str  # the ``#dashboard`` region, rendered
    computed_at: str
    from_cache: bool = False


def key_for(*, actor: Membership, team_param: str | None, cycle_param: str | None, today: date) -> str:
    version = dataversion.current(actor.organization_id)
    asked = hashlib.sha256(f"{team_param or ''}\0{cycle_param or ''}".encode()).hexdigest()[:32]
    return (
        f"dashboards:page:{actor.organization_id}:{version}:{actor.pk}:{actor.role}:{int(actor.is_active)}"
        f":{today.isoformat()}:{asked}"
    )


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
    key = key_for(actor=actor, team_param=team_param, cycle_param=cycle_param, today=today)
    page = cache.get(key)
    if page is not None:
        page.from_cache = True
        return page
    page = build()
    if page is not None:
        cache.set(key, page, seconds)
    return page
