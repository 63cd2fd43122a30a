"""A per-organization data version: one cache counter that any write of the organization bumps.

Pages that cache what they computed (the dashboards) put the version in their
cache key, so a write makes every older entry unreachable at once; nothing has
to find and delete them. ``bump`` runs twice: now (later reads in the same
transaction and in tests miss) and again on commit (a read that re-cached the
old rows between the write and the commit misses too). Lower apps call ``bump``
for writes that skip model signals (``QuerySet.update``, raw SQL); the
dashboards app bumps on every ``post_save`` / ``post_delete`` of the models it reads.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction


def _key(organization_id: int) -> str:
    return f"orgdata:v:{int(organization_id)}"


def current(organization_id: int) -> int:
    """The organization's data version (created on first use from the clock, so an evicted counter never repeats)."""
    key = _key(organization_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns() // 1000, timeout=None)
        value = cache.get(key)
    return int(value or 0)


def _incr(organization_id: int) -> None:
    key = _key(organization_id)
    try:
        cache.incr(key)
    except ValueError:  # missing (never read, or evicted): start again from the clock
        cache.add(key, time.time_ns() // 1000, timeout=None)


def bump(organization_id: int | None) -> None:
    """Invalidate everything cached for the organization, now and when the current transaction commits."""
    if organization_id is None:
        return
    _incr(organization_id)
    transaction.on_commit(lambda: _incr(organization_id))
