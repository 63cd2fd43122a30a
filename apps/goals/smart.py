"""The SMART check: deterministic, explained, offline.

Each letter holds or not, with the reason and one concrete suggestion. The
rules are plain text matching and dates so a person can predict the result:

S  Specific     — at least 4 words and 20 characters in the title, and no vague
                  phrase ("get better at", "improve", "work on"…) left without a
                  number or a named object after it.
M  Measurable   — a number in the title, or key results with targets (OKR:
                  2–5 of them), or dated milestones for a plan. Number-type key
                  results need a unit.
A  Achievable   — the owner does not carry more active goals than the
                  organization's limit, and the pace so far does not project
                  under half the target by the due date.
R  Relevant     — aligned to a team or company goal, or one of the owner's top
                  three career goals, or the description says why it matters
                  ("so that", "because", "in order to"…).
T  Time-bound   — a due date, not after the end of the goal's cycle, and not
                  already past while the goal is still open.
"""

import re
from dataclasses import dataclass, field
from datetime import date

VAGUE_PHRASES = (
    "get better",
    "be better",
    "do better",
    "be more",
    "improve",
    "work on",
    "try to",
    "learn more",
    "focus on",
    "enhance",
    "get good",
    "be good",
    "as much as possible",
    "some ",
    "more often",
)
WHY_MARKERS = ("so that", "because", "in order to", "which will", "so we", "so i", "to help", "this matters", "why:")
NUMBER_RE = re.compile(r"(\d+([.,]\d+)?\s*(%|percent|k|m|x)?)|(\$|€|£)\s*\d")


@dataclass(frozen=True)
class KeyResultFacts:
    title: str
    metric_type: str
    unit: str
    has_target: bool = True


@dataclass(frozen=True)
class GoalFacts:
    title: str
    description: str = ""
    framework: str = "smart"
    key_results: tuple[KeyResultFacts, ...] = ()
    milestone_count: int = 0
    dated_milestone_count: int = 0
    due_date: date | None = None
    cycle_end: date | None = None
    is_open: bool = True
    aligned: bool = False
    is_career_goal: bool = False
    owner_active_goals: int = 0
    max_active_goals: int = 5
    progress: float = 0.0
    expected: float | None = None


@dataclass(frozen=True)
class LetterCheck:
    letter: str
    name: str
    ok: bool
    reason: str
    suggestion: str = ""


@dataclass(frozen=True)
class SmartReport:
    letters: tuple[LetterCheck, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.letters)

    @property
    def score(self) -> int:
        return sum(1 for c in self.letters if c.ok)

    @property
    def missing(self) -> list[LetterCheck]:
        return [c for c in self.letters if not c.ok]


def _has_number(text: str) -> bool:
    return bool(NUMBER_RE.search(text))


def _vague_phrase(title: str) -> str | None:
    lowered = f" {title.lower()} "
    for phrase in VAGUE_PHRASES:
        # A phrase starts a word ("some " must not match "awesome ").
        needle = f" {phrase}"
        index = lowered.find(needle)
        if index == -1:
            continue
        after = lowered[index + len(needle) :].strip()
        # A vague verb is fine when followed by a number ("improve NPS by 10 points").
        if _has_number(after):
            continue
        return phrase.strip()
    return None


def check_specific(facts: GoalFacts) -> LetterCheck:
    title = facts.title.strip()
    words = [w for w in re.split(r"\s+", title) if w]
    if len(words) < 4 or len(title) < 20:
        return LetterCheck(
            "S",
            "Specific",
            False,
            f"The title has {len(words)} word{'s' if len(words) != 1 else ''}: too short to say what exactly will change.",
            "Say what will be different and for whom, e.g. “Present a project update to the team every month”.",
        )
    vague = _vague_phrase(title)
    if vague:
        return LetterCheck(
            "S",
            "Specific",
            False,
            f"“{vague}” is vague without a concrete object or amount.",
            f"Replace “{vague}” with the concrete result, e.g. “cut onboarding time from 10 to 5 days”.",
        )
    return LetterCheck("S", "Specific", True, "The title names a concrete result.")


def check_measurable(facts: GoalFacts) -> LetterCheck:
    krs = facts.key_results
    if facts.framework == "okr":
        if not krs:
            return LetterCheck(
                "M",
                "Measurable",
                False,
                "An objective needs key results to be measured by; this one has none.",
                "Add 2–5 key results, each with a start value, a target and a unit.",
            )
        if len(krs) > 5:
            return LetterCheck(
                "M",
                "Measurable",
                False,
                f"{len(krs)} key results dilute the objective.",
                "Keep the 2–5 key results that best show success; move the rest to another goal.",
            )
    if facts.framework == "plan" and not krs:
        if facts.milestone_count == 0:
            return LetterCheck(
                "M",
                "Measurable",
                False,
                "The plan has no steps yet, so there is nothing to count.",
                "Add the last step before the end result, then the step before that.",
            )
        return LetterCheck("M", "Measurable", True, f"Measured by {facts.milestone_count} plan steps.")
    unitless = [kr.title for kr in krs if kr.metric_type == "number" and not kr.unit.strip()]
    if unitless:
        return LetterCheck(
            "M",
            "Measurable",
            False,
            f"“{unitless[0]}” has a number but no unit.",
            "Give each number a unit (leads, tickets, days, €…) so the target reads unambiguously.",
        )
    if krs:
        return LetterCheck("M", "Measurable", True, f"Measured by {len(krs)} key result{'s' if len(krs) != 1 else ''}.")
    if _has_number(facts.title):
        return LetterCheck("M", "Measurable", True, "The title contains the target number.")
    return LetterCheck(
        "M",
        "Measurable",
        False,
        "No number or unit says when this is done.",
        "Add a target with a unit, e.g. “by 15 %” or “3 certifications”, or a key result.",
    )


def check_achievable(facts: GoalFacts) -> LetterCheck:
    if facts.owner_active_goals > facts.max_active_goals:
        return LetterCheck(
            "A",
            "Achievable",
            False,
            f"The owner already has {facts.owner_active_goals} active goals (the guideline is {facts.max_active_goals}).",
            "Finish, drop or defer a goal, or merge this one into an existing goal.",
        )
    if facts.expected is not None and facts.expected >= 0.25 and facts.is_open:
        projected = facts.progress / facts.expected if facts.expected else 0
        if projected < 0.5:
            return LetterCheck(
                "A",
                "Achievable",
                False,
                f"At the pace so far this reaches about {round(projected * 100)} % of the target by the due date.",
                "Lower the target, move the date, or plan what will speed it up (and ask for help).",
            )
    return LetterCheck("A", "Achievable", True, "The workload and the pace so far look realistic.")


def check_relevant(facts: GoalFacts) -> LetterCheck:
    if facts.aligned:
        return LetterCheck("R", "Relevant", True, "It contributes to a team or company goal.")
    if facts.is_career_goal:
        return LetterCheck("R", "Relevant", True, "It is one of the owner's top three career goals.")
    lowered = facts.description.lower()
    # Whole words only: "also invite" is not "so i…".
    if any(re.search(rf"(?<!\w){re.escape(marker)}", lowered) for marker in WHY_MARKERS):
        return LetterCheck("R", "Relevant", True, "The description says why it matters.")
    return LetterCheck(
        "R",
        "Relevant",
        False,
        "It is not linked to any team or company goal, and the description does not say why it matters.",
        "Align it to the team goal it serves, or add a sentence: “…so that …”.",
    )


def check_time_bound(facts: GoalFacts, today: date) -> LetterCheck:
    if facts.due_date is None:
        return LetterCheck(
            "T",
            "Time-bound",
            False,
            "There is no due date.",
            "Set a due date; for a quarterly goal, the end of the quarter at the latest.",
        )
    if facts.cycle_end is not None and facts.due_date > facts.cycle_end:
        return LetterCheck(
            "T",
            "Time-bound",
            False,
            f"The due date {facts.due_date:%d %b %Y} is after the cycle ends ({facts.cycle_end:%d %b %Y}).",
            "Move the due date inside the cycle, or make it an open-ended (career) goal.",
        )
    if facts.is_open and facts.due_date < today:
        return LetterCheck(
            "T",
            "Time-bound",
            False,
            f"The due date {facts.due_date:%d %b %Y} has passed while the goal is still open.",
            "Close the goal with a reflection, or set a new date and say why.",
        )
    return LetterCheck("T", "Time-bound", True, f"Due {facts.due_date:%d %b %Y}.")


def check(facts: GoalFacts, *, today: date) -> SmartReport:
    return SmartReport(
        letters=(
            check_specific(facts),
            check_measurable(facts),
            check_achievable(facts),
            check_relevant(facts),
            check_time_bound(facts, today),
        )
    )
