"""A rendered region of a page, kept per viewer until anything in the organization changes.

The key holds everything that decides what the region shows and to whom: the
organization and its data version (``core.dataversion``: every write of goals,
key results, links, check-ins, teams, memberships or people bumps it), the
viewer's membership id, role and active flag, the viewer's "today", and the
request's query string exactly as sent. Two viewers never share an entry, and
neither do two organizations. Only the page's own region is kept (never
``base.html``: the CSP nonce, the CSRF token and the unread count are per request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.utils import timezone

from . import dataversion


def key_for(*, actor, kind: str, params: str) -> str:
    version = dataversion.current(actor.organization_id)
    today = timezone.now().astimezone(actor.user.tzinfo).date()
    asked = hashlib.sha256(params.encode()).hexdigest()[:32]
    return (
        f"page:{kind}:{actor.organization_id}:{version}:{actor.pk}:{actor.role}:{int(actor.is_active)}"
        f":{today.isoformat()}:{asked}"
    )


def cached_region(*, actor, kind: str, params: str, seconds: int, build: Callable[[], str]) -> str:
    """The region from the cache, else ``build()`` (kept ``seconds``; 0 = no cache)."""
    if seconds <= 0:
        return build()
    key = key_for(actor=actor, kind=kind, params=params)
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, seconds)
    return html
