"""The pacing chart's past weeks, kept between requests.

A week's point is the mean, over the goals in scope, of each goal's best check-in of
that week. Check-ins are written for the current week only (``checkins.services``), so
the point of a week that is over changes only when

* a goal in scope changes status, cycle or owner, or is deleted (it leaves or joins
  the set; a new goal has no check-ins of earlier weeks);
* a check-in of an earlier week is written or deleted (a late check-in across time
  zones, a goal's deletion, a rebuild of the weekly table);
* the teams, people or settings change (the structure version, ``core.dataversion``).

The first two bump the organization's *history* token (``bump``); the kept weeks
carry it and the structure version, so any of the three makes them recomputed. A
check-in of this week, the common write, leaves them alone: a page about a whole
organization then reads only this week's rows instead of every week of the cycle.
Entries are kept per scope, cycle and current week (the viewer's), for a day.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone

from apps.core import dataversion

SECONDS = 24 * 3600
Points = dict[str, tuple[int, float]]  # ISO week start -> (goals, progress sum)


def _token_key(organization_id: int) -> str:
    return f"pacing:h:{int(organization_id)}"


def _entry_key(organization_id: int, scope_key: str, cycle_id: int, week: date) -> str:
    return f"pacing:w:{int(organization_id)}:{scope_key}:{int(cycle_id)}:{week.isoformat()}"


def read(organization_id: int, scope_key: str, cycle_id: int, week: date) -> tuple[Points | None, tuple[str, str]]:
    """(the kept weeks before ``week`` if still true, else None; the stamp to ``keep`` fresh ones under)."""
    token_key, entry_key = _token_key(organization_id), _entry_key(organization_id, scope_key, cycle_id, week)
    structure, found = dataversion.read_versions(organization_id, also=[token_key, entry_key])
    history = found.get(token_key)
    if history is None:
        history = uuid.uuid4().hex[:16]
        if not cache.add(token_key, history, timeout=None):
            history = cache.get(token_key, history)
    stamp = (structure, str(history))
    kept = found.get(entry_key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp:
        return kept[1], stamp
    return None, stamp


def keep(organization_id: int, scope_key: str, cycle_id: int, week: date, stamp: tuple[str, str], points: Points):
    cache.set(_entry_key(organization_id, scope_key, cycle_id, week), (stamp, points), SECONDS)


def bump(organization_id: int) -> None:
    """The organization's past weeks may have changed: a fresh token now, and again on commit
    (``dataversion.renew``: one renewal per transaction however many rows it wrote)."""
    dataversion.renew(organization_id, [_token_key(organization_id)])


def is_past_somewhere(week_start: date, today: date | None = None) -> bool:
    """Whether a week is already over for a viewer somewhere on Earth (local dates run up to a day ahead of UTC)."""
    today = today or timezone.now().date()
    return week_start + timedelta(days=7) <= today + timedelta(days=1)
