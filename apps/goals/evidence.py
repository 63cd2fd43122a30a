"""How healthy a goal is once its contributors are heard: the status roll-up.

An objective is at most as healthy as the weighted evidence of the goals that
contribute to it says (each contributor by its own status, hidden ones counted
and never named): at least half of the contributing weight off track (or
missed) makes it at most off track; at least a quarter at risk or off track,
at most at risk. Its own pace (``goals.selectors.goal_health``) is never made
better by its contributors. The alignment tree, the goal pages and the
dashboards all show this status, so the same objective reads the same
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from .models import GoalAlignment, GoalStatus
from .selectors import LABELS, SYMBOLS, GoalHealth, goal_health

OFF_SHARE = 0.5  # at least half of the contributing weight off track → at most off track
RISK_SHARE = 0.25  # at least a quarter at risk or off track → at most at risk
RANK = {"on_track": 0, "not_started": 0, "at_risk": 1, "off_track": 2}
OFF_CODES = ("off_track", "missed")
# What goal_health reads of a goal: a row of these columns stands in for the goal (``as_goal``).
HEALTH_FIELDS = ("progress", "start_date", "due_date", "status", "confidence", "confidence_note")


def as_goal(values) -> SimpleNamespace:
    """A goal's ``HEALTH_FIELDS`` values (in that order), as something ``goal_health`` reads."""
    return SimpleNamespace(**dict(zip(HEALTH_FIELDS, values, strict=True)))


@dataclass(frozen=True)
class Evidence:
    """What the goals contributing to an objective say about it (hidden ones counted, never named)."""

    counted: int = 0
    off: int = 0
    risk: int = 0
    off_share: float = 0.0
    risk_share: float = 0.0

    @property
    def code(self) -> str | None:
        if self.counted == 0:
            return None
        if self.off_share >= OFF_SHARE - 1e-9:
            return "off_track"
        if self.off_share + self.risk_share >= RISK_SHARE - 1e-9:
            return "at_risk"
        return None

    @property
    def text(self) -> str:
        if not self.counted:
            return ""
        noun = "contributing goal" if self.counted == 1 else "contributing goals"
        bits = []
        if self.off:
            bits.append(f"{self.off} of {self.counted} {noun} off track, weighted {round(self.off_share * 100)} %")
        if self.risk:
            lead = f"{self.risk} at risk" if self.off else f"{self.risk} of {self.counted} {noun} at risk"
            bits.append(f"{lead}, weighted {round(self.risk_share * 100)} %")
        if not bits:
            return (
                f"All {self.counted} {noun} on track or done." if self.counted > 1 else "Its contributing goal is fine."
            )
        return "; ".join(bits) + "."


def evidence_from(parts: list[tuple[str, float]]) -> Evidence:
    """Evidence from (contributor status code, link weight) pairs; missed counts as off track."""
    totals: dict[str, tuple[int, float]] = {}
    for code, weight in parts:
        n, w = totals.get(code, (0, 0.0))
        totals[code] = (n + 1, w + max(weight, 0.0))
    return evidence_from_totals(totals)


def evidence_from_totals(totals: dict[str, tuple[int, float]]) -> Evidence:
    """Evidence from contributors counted by status: code -> (how many, their link weights added up).

    Each contributor's share is its weight over all the weights; when every weight is 0,
    each counts the same.
    """
    counted = sum(n for n, _ in totals.values())
    if not counted:
        return Evidence()
    weight = sum(w for _, w in totals.values())

    def share(codes: tuple[str, ...]) -> float:
        if weight > 0:
            return sum(totals.get(code, (0, 0.0))[1] for code in codes) / weight
        return sum(totals.get(code, (0, 0.0))[0] for code in codes) / counted

    return Evidence(
        counted=counted,
        off=sum(totals.get(code, (0, 0.0))[0] for code in OFF_CODES),
        risk=totals.get("at_risk", (0, 0.0))[0],
        off_share=share(OFF_CODES),
        risk_share=share(("at_risk",)),
    )


@dataclass(frozen=True)
class RolledHealth:
    """A goal's status after the roll-up: its own (pace or the owner's call), capped by the evidence.

    Has the attributes ``status_badge`` and ``progress_bar`` read from ``GoalHealth``.
    """

    code: str
    label: str
    symbol: str
    expected: float | None
    why: str
    own: GoalHealth
    evidence: Evidence
    lowered: bool


def rolled_health(own: GoalHealth, evidence: Evidence) -> RolledHealth:
    capped = evidence.code
    if own.code in RANK and capped and RANK[capped] > RANK[own.code]:
        why = f"At most {LABELS[capped].lower()} because of its contributors: {evidence.text} Own pace: {own.why}"
        return RolledHealth(capped, LABELS[capped], SYMBOLS[capped], own.expected, why, own, evidence, True)
    why = own.why
    if evidence.counted and own.code in RANK:
        why = f"{own.why} Contributors: {evidence.text}"
    return RolledHealth(own.code, own.label, own.symbol, own.expected, why, own, evidence, False)


def goals_evidence(goal_ids, settings_row, today) -> dict[int, Evidence]:
    """What the goals aligned to each of ``goal_ids`` (ids, or a queryset of ids) say, dropped ones aside and
    hidden ones counted: one query. Goals nobody contributes to are left out (their evidence is ``Evidence()``).
    """
    links = (
        GoalAlignment.objects.filter(parent_id__in=goal_ids)
        .exclude(child__status=GoalStatus.DROPPED)
        .values_list("parent_id", "weight", *(f"child__{name}" for name in HEALTH_FIELDS))
    )
    parts: dict[int, list[tuple[str, float]]] = {}
    for parent_id, weight, *facts in links:
        parts.setdefault(parent_id, []).append((goal_health(as_goal(facts), settings_row, today).code, float(weight)))
    return {parent_id: evidence_from(p) for parent_id, p in parts.items()}


def goal_evidence(goal, settings_row, today) -> Evidence:
    """``goals_evidence`` for one goal."""
    return goals_evidence([goal.pk], settings_row, today).get(goal.pk, Evidence())
