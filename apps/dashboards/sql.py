"""Goal status as SQL, the same rules as ``goals.selectors.goal_health``.

The dashboards count thousands of goals by status; computing ``goal_health`` in
Python for each would mean loading every goal. These fragments let the
database do it, for PostgreSQL (production) and SQLite (development):

* expected progress: the elapsed share of the goal's start → due period,
  clamped to 0–1; unknown (NULL) without both dates or when due ≤ start;
* closed and draft goals: their status; else the owner's confidence when set;
  else "not started" (no progress and under 10 % expected); else the pace:
  on track within ``at_risk_gap`` points of expected, at risk within
  ``off_track_gap``, off track beyond.

``today`` and the gaps are inlined (a ``date`` and two ints, never text from a
request), so a fragment can go into ``RawSQL`` or a raw query without juggling
repeated parameters.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

CLOSED_OR_DRAFT = ("achieved", "missed", "dropped", "draft")


def _vendor() -> str:
    return connection.vendor


def date_literal(day: date) -> str:
    if not isinstance(day, date):  # pragma: no cover - a programming error, never request data
        raise TypeError("date_literal takes a date")
    text = day.isoformat()
    return f"DATE '{text}'" if _vendor() == "postgresql" else f"'{text}'"


def days_between(start: str, end: str) -> str:
    """Whole days from ``start`` to ``end`` (SQL date expressions), as a floating-point number."""
    if _vendor() == "postgresql":
        return f"CAST(({end}) - ({start}) AS double precision)"
    return f"(julianday({end}) - julianday({start}))"


def expected_sql(alias: str, today: date) -> str:
    t = date_literal(today)
    start, due = f"{alias}.start_date", f"{alias}.due_date"
    return (
        f"(CASE WHEN {start} IS NULL OR {due} IS NULL OR {due} <= {start} THEN NULL "
        f"WHEN {t} <= {start} THEN 0.0 WHEN {t} >= {due} THEN 1.0 "
        f"ELSE {days_between(start, t)} / {days_between(start, due)} END)"
    )


def health_sql(alias: str, today: date, *, at_risk_gap: int, off_track_gap: int) -> str:
    exp = expected_sql(alias, today)
    closed = ", ".join(f"'{s}'" for s in CLOSED_OR_DRAFT)
    risk, off = int(at_risk_gap), int(off_track_gap)
    return (
        f"(CASE WHEN {alias}.status IN ({closed}) THEN {alias}.status "
        f"WHEN {alias}.confidence <> '' THEN {alias}.confidence "
        f"WHEN {alias}.progress = 0 AND ({exp} IS NULL OR {exp} < 0.1) THEN 'not_started' "
        f"WHEN {exp} IS NULL THEN 'on_track' "
        f"WHEN ({exp} - {alias}.progress) * 100 <= {risk} THEN 'on_track' "
        f"WHEN ({exp} - {alias}.progress) * 100 <= {off} THEN 'at_risk' "
        "ELSE 'off_track' END)"
    )


def behind_sql(alias: str, today: date) -> str:
    """Expected minus actual progress (0–1; NULL without an expected pace)."""
    return f"({expected_sql(alias, today)} - {alias}.progress)"
