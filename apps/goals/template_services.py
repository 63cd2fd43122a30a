"""The template library's writes and its SMART preview.

A goal made from a template is created as a draft with the template's suggested
key results (and, for a plan, its steps). It can only be activated once it
passes the SMART check (``services.goal_activate`` enforces that), so the
preview below runs the same check on the goal the form would create.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import Membership

from . import catalog, services, smart
from .models import Cycle, Goal, GoalStatus, MilestoneSource


@dataclass(frozen=True)
class Answers:
    """What someone typed into a template's blanks, typed (Decimal, date or text) by blank name."""

    values: dict[str, object]
    template: catalog.Template

    @property
    def display(self) -> dict[str, str]:
        return {
            name: catalog.display_value(catalog.blank_kind(name), value)
            for name, value in self.values.items()
            if value not in (None, "")
        }

    @property
    def numbers(self) -> dict[str, Decimal]:
        return {name: value for name, value in self.values.items() if isinstance(value, Decimal)}

    def first(self, kind: str):
        for name in self.template.blanks:
            value = self.values.get(name)
            if catalog.blank_kind(name) == kind and value not in (None, ""):
                return value
        return None

    @property
    def filled(self) -> catalog.Template:
        return catalog.with_values(self.template, self.display)

    @property
    def missing(self) -> list[str]:
        return [name for name in self.template.blanks if name not in self.display]


@dataclass(frozen=True)
class DueDate:
    value: date | None
    source: str  # "chosen", "date", "timeframe", "cycle" or ""

    @property
    def explanation(self) -> str:
        return {
            "chosen": "the date you chose",
            "date": "taken from the date in the title",
            "timeframe": "counted from today by the timeframe",
            "cycle": "the end of the cycle",
        }.get(self.source, "")


def due_date_for(*, answers: Answers, chosen: date | None, cycle: Cycle | None, today: date) -> DueDate:
    """The goal's due date: the chosen one, else the title's [date], else today + [timeframe], else the cycle's end."""
    if chosen:
        return DueDate(chosen, "chosen")
    from_blank = answers.first(catalog.DATE)
    if isinstance(from_blank, date):
        return DueDate(from_blank, "date")
    timeframe = answers.first(catalog.TIMEFRAME)
    if timeframe:
        end = catalog.timeframe_end(str(timeframe), start=today)
        if end:
            return DueDate(end, "timeframe")
    if cycle is not None:
        return DueDate(cycle.ends_on, "cycle")
    return DueDate(None, "")


def description_for(template: catalog.Template) -> str:
    """The goal's description: why it matters (which the SMART check reads as Relevant) and what it involves."""
    return f"**Why:** {template.why}\n\n**What it involves:** {template.involves}"


def smart_preview(
    *,
    answers: Answers,
    due: DueDate,
    cycle: Cycle | None,
    active_goals: int,
    max_active_goals: int,
    today: date,
) -> smart.SmartReport:
    """The SMART check of the draft the form would create, before anything is saved."""
    filled = answers.filled
    facts = smart.GoalFacts(
        title=filled.title,
        description=description_for(answers.template),
        framework=filled.framework,
        key_results=tuple(
            smart.KeyResultFacts(title=kr.title, metric_type=kr.metric_type, unit=kr.unit) for kr in filled.key_results
        ),
        milestone_count=len(filled.steps),
        dated_milestone_count=len(filled.steps) if due.value else 0,
        due_date=due.value,
        cycle_end=cycle.ends_on if cycle else None,
        is_open=True,
        owner_active_goals=active_goals,
        max_active_goals=max_active_goals,
    )
    return smart.check(facts, today=today)


@transaction.atomic
def goal_from_template(
    *,
    actor: Membership,
    template: catalog.Template,
    answers: Answers,
    cycle: Cycle | None,
    due_date: date | None,
    visibility: str,
    today: date,
) -> Goal:
    """Create a draft goal from a template, with its suggested key results and plan steps."""
    if answers.missing:
        raise ValidationError("Fill in every blank: " + ", ".join(f"[{name}]" for name in answers.missing) + ".")
    filled = answers.filled
    due = due_date_for(answers=answers, chosen=due_date, cycle=cycle, today=today)
    goal = services.goal_create(
        actor=actor,
        title=filled.title,
        framework=filled.framework,
        horizon=filled.horizon,
        cycle=cycle,
        description=description_for(template),
        due_date=due.value,
        visibility=visibility,
        status=GoalStatus.DRAFT,
        from_template=template.key,
    )
    for kr in filled.key_results:
        target = catalog.resolve_target(kr, answers.numbers)
        if target is None:
            raise ValidationError(f"“{kr.title}” needs a number for its target.")
        services.kr_create(
            actor=actor,
            goal=goal,
            title=kr.title,
            target_value=target,
            metric_type=kr.metric_type,
            unit=kr.unit,
            start_value=kr.start,
            direction=kr.direction,
        )
    for step in filled.steps:
        services.milestone_add(actor=actor, goal=goal, title=step, source=MilestoneSource.PLAN)
    if filled.steps and goal.due_date and goal.due_date > today:
        services.plan_space_dates(actor=actor, goal=goal, today=today)
    return goal
