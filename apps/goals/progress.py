"""Progress, pace and status arithmetic. Pure functions: no database, no clock.

- A key result's progress is (current − start) / (target − start), clamped to
  0–1. "Stay at or above / below" key results are 1 while the condition holds
  and 0 when it does not. Yes/no and milestone metrics are 1 when done.
- A goal's progress is the weighted mean of its parts. Zero-weight parts do not
  count; when every weight is zero the parts count equally; no parts is 0.
- Expected progress is the elapsed share of the period.
- Health compares actual with expected: within ``at_risk_gap`` points is on
  track, within ``off_track_gap`` at risk, further behind off track.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def kr_progress(
    *,
    start: Decimal | float,
    target: Decimal | float,
    current: Decimal | float,
    direction: str,
    metric_type: str = "number",
) -> float:
    start, target, current = Decimal(str(start)), Decimal(str(target)), Decimal(str(current))
    if metric_type in ("boolean", "milestone"):
        return 1.0 if current >= 1 else 0.0
    if direction == "at_least":
        return 1.0 if current >= target else 0.0
    if direction == "at_most":
        return 1.0 if current <= target else 0.0
    span = target - start
    if span == 0:
        # Not a valid increase/decrease KR (validation refuses it); reached means done.
        return 1.0 if current == target else 0.0
    return clamp(float((current - start) / span))


def weighted_mean(parts: Iterable[tuple[float, Decimal | float]]) -> float:
    """Weighted mean of (progress, weight) pairs, each progress in 0–1."""
    parts = [(clamp(float(p)), float(w)) for p, w in parts]
    if not parts:
        return 0.0
    total = sum(w for _, w in parts if w > 0)
    if total <= 0:
        return clamp(sum(p for p, _ in parts) / len(parts))
    return clamp(sum(p * w for p, w in parts if w > 0) / total)


def expected_progress(start: date | None, end: date | None, today: date) -> float | None:
    """Share of the period elapsed by ``today`` (None when the period is unknown)."""
    if start is None or end is None or end <= start:
        return None
    return clamp((today - start).days / (end - start).days)


def health(actual: float, expected: float | None, *, at_risk_gap: int = 10, off_track_gap: int = 25) -> str:
    if expected is None:
        return ON_TRACK
    behind = (expected - actual) * 100
    if behind <= at_risk_gap:
        return ON_TRACK
    if behind <= off_track_gap:
        return AT_RISK
    return OFF_TRACK


def rank_worse(a: str, b: str) -> str:
    """The less healthy of two statuses."""
    order = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}
    return a if order.get(a, 0) >= order.get(b, 0) else b
