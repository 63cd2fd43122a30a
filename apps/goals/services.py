"""Every write to goals. Keyword-only, actor first, atomic, checked, recorded in history."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Membership, Organization, Team
from apps.core import dataversion

from . import progress as arithmetic
from .models import (
    CLOSED_STATUSES,
    CareerGoal,
    CareerProfile,
    CoachingSession,
    Cycle,
    CycleKind,
    Direction,
    EventKind,
    FeedbackRequest,
    Framework,
    Goal,
    GoalAlignment,
    GoalCoach,
    GoalEvent,
    GoalSettings,
    GoalStatus,
    GoalTemplate,
    KeyResult,
    MetricType,
    Milestone,
    MilestoneSource,
)
from .permissions import check_can_coach_goal, check_can_edit_goal, check_org_admin, is_goal_owner

# --- settings and cycles -------------------------------------------------------------


def goal_settings_for(organization: Organization) -> GoalSettings:
    settings_row, _ = GoalSettings.objects.get_or_create(organization=organization)
    return settings_row


def _quarter_bounds(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def cycle_ensure_quarters(*, organization: Organization, today: date, ahead: int = 1) -> list[Cycle]:
    """Make sure the current quarter (and ``ahead`` following ones) exist as cycles."""
    cycles = []
    start, end = _quarter_bounds(today)
    for _ in range(ahead + 1):
        name = f"Q{(start.month - 1) // 3 + 1} {start.year}"
        cycle = Cycle.objects.filter(organization=organization, starts_on=start, ends_on=end).first()
        if cycle is None:
            cycle, _ = Cycle.objects.get_or_create(
                organization=organization,
                name=name,
                defaults={"kind": CycleKind.QUARTER, "starts_on": start, "ends_on": end},
            )
        cycles.append(cycle)
        start, end = _quarter_bounds(end + timedelta(days=1))
    return cycles


@transaction.atomic
def cycle_create(*, actor: Membership, name: str, kind: str, starts_on: date, ends_on: date) -> Cycle:
    check_org_admin(actor)
    if ends_on <= starts_on:
        raise ValidationError({"ends_on": "The cycle must end after it starts."})
    if Cycle.objects.filter(organization=actor.organization, name__iexact=name.strip()).exists():
        raise ValidationError({"name": "Another cycle already has this name."})
    return Cycle.objects.create(
        organization=actor.organization, name=name.strip(), kind=kind, starts_on=starts_on, ends_on=ends_on
    )


# --- history -------------------------------------------------------------------------


def _fmt(value) -> str:
    """A value as history shows it: decimals without trailing zeros or exponents (10, not 1E+1)."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return "" if value is None else str(value)


def _record(
    goal: Goal,
    actor: Membership | None,
    kind: str,
    *,
    subject: str = "",
    field: str = "",
    old="",
    new="",
    reason: str = "",
) -> GoalEvent:
    return GoalEvent.objects.create(
        organization_id=goal.organization_id,
        goal=goal,
        actor=actor,
        kind=kind,
        subject=subject[:200],
        field=field,
        old_value=_fmt(old),
        new_value=_fmt(new),
        reason=reason[:500],
    )


def goal_event_record(*, goal: Goal, actor: Membership | None, kind: str, **details) -> GoalEvent:
    """Record a history line for a goal (for apps above goals, e.g. check-ins)."""
    return _record(goal, actor, kind, **details)


# --- progress ------------------------------------------------------------------------


def goal_recompute_progress(
    goal: Goal, *, _seen: frozenset[int] = frozenset(), _settings: GoalSettings | None = None
) -> float:
    """Recompute a goal's stored progress from its parts, then its parents'.

    Maintained on write so pages only read stored numbers. The organization's settings are read
    once for the whole climb.
    """
    settings_row = _settings or goal_settings_for_id(goal.organization_id)
    mode = settings_row.rollup_mode
    child_parts: list[tuple[float, Decimal]] = []
    if mode in (GoalSettings.RollupMode.CHILDREN, GoalSettings.RollupMode.BOTH):
        child_parts = list(
            goal.child_links.exclude(child__status=GoalStatus.DROPPED).values_list("child__progress", "weight")
        )
    parts: list[tuple[float, Decimal]] = []
    # "Aligned goals only" applies to goals that have aligned goals; a leaf goal is
    # still measured by its own key results or steps (else every leaf stays at 0).
    if mode != GoalSettings.RollupMode.CHILDREN or not child_parts:
        if goal.framework == Framework.PLAN and not goal.key_results.exists():
            parts = [(1.0 if m.completed_at else 0.0, m.weight) for m in goal.milestones.all()]
        else:
            parts = [(kr.progress, kr.weight) for kr in goal.key_results.all()]
    parts += child_parts
    value = arithmetic.weighted_mean(parts) if parts else (1.0 if goal.status == GoalStatus.ACHIEVED else 0.0)
    if abs(value - goal.progress) > 1e-9:
        Goal.objects.filter(pk=goal.pk).update(progress=value)
        dataversion.bump(goal.organization_id, members=[goal.owner_member_id], teams=[goal.owner_team_id])
        goal.progress = value
    seen = _seen | {goal.pk}
    for link in GoalAlignment.objects.filter(child=goal).select_related("parent"):
        if link.parent_id not in seen:
            goal_recompute_progress(link.parent, _seen=seen, _settings=settings_row)
    return value


def goal_settings_for_id(organization_id: int) -> GoalSettings:
    settings_row, _ = GoalSettings.objects.get_or_create(organization_id=organization_id)
    return settings_row


# --- goals ---------------------------------------------------------------------------

GOAL_FIELDS = ("title", "description", "framework", "horizon", "cycle", "due_date", "visibility", "tags", "end_state")


def _validate_goal(goal: Goal) -> None:
    if goal.due_date and goal.start_date and goal.due_date < goal.start_date:
        raise ValidationError({"due_date": "The due date is before the start date."})
    goal.full_clean(exclude=["organization", "owner_member", "owner_team", "cycle", "carried_from"])


def _normalise_tags(tags: str) -> str:
    seen: list[str] = []
    for tag in tags.split(","):
        tag = tag.strip().lower()[:30]
        if tag and tag not in seen:
            seen.append(tag)
    return ", ".join(seen[:10])


@transaction.atomic
def goal_create(
    *,
    actor: Membership,
    title: str,
    framework: str = Framework.OKR,
    horizon: str = "short",
    cycle: Cycle | None = None,
    owner_team: Team | None = None,
    description: str = "",
    due_date: date | None = None,
    visibility: str = "org",
    tags: str = "",
    end_state: str = "",
    status: str = GoalStatus.DRAFT,
    from_template: str = "",
) -> Goal:
    if cycle is not None and cycle.organization_id != actor.organization_id:
        raise ValidationError({"cycle": "Choose a cycle of your organization."})
    if owner_team is not None:
        if owner_team.organization_id != actor.organization_id:
            raise ValidationError({"owner_team": "Choose a team of your organization."})
        if actor.role != "admin" and not actor.team_memberships.filter(team=owner_team, role="manager").exists():
            raise ValidationError({"owner_team": "Only the team's manager or an admin can set a goal for the team."})
    goal = Goal(
        organization_id=actor.organization_id,
        owner_member=None if owner_team else actor,
        owner_team=owner_team,
        cycle=cycle,
        title=title.strip(),
        description=description,
        framework=framework,
        horizon=horizon,
        start_date=cycle.starts_on if cycle else timezone.localdate(),
        due_date=due_date or (cycle.ends_on if cycle else None),
        visibility=visibility,
        tags=_normalise_tags(tags),
        end_state=end_state,
        status=status,
        from_template=from_template,
    )
    _validate_goal(goal)
    goal.save()
    _record(goal, actor, EventKind.CREATED, subject=goal.title)
    return goal


@transaction.atomic
def goal_update(*, actor: Membership, goal: Goal, reason: str = "", **changes) -> Goal:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    unknown = set(changes) - set(GOAL_FIELDS)
    if unknown:
        raise ValueError(f"Unknown goal fields: {sorted(unknown)}")
    if "cycle" in changes and changes["cycle"] is not None and changes["cycle"].organization_id != goal.organization_id:
        raise ValidationError({"cycle": "Choose a cycle of your organization."})
    if "tags" in changes:
        changes["tags"] = _normalise_tags(changes["tags"])
    changed = []
    for name, value in changes.items():
        old = getattr(goal, name)
        if old != value:
            changed.append((name, old, value))
            setattr(goal, name, value)
    if not changed:
        return goal
    if goal.is_closed:
        raise ValidationError("A closed goal cannot be edited. Reopen it or carry it over.")
    _validate_goal(goal)
    goal.save()
    for name, old, new in changed:
        shown_old = "(text)" if name in ("description", "end_state") and old else old
        shown_new = "(text)" if name in ("description", "end_state") and new else new
        _record(goal, actor, EventKind.UPDATED, field=name, old=shown_old or "—", new=shown_new or "—", reason=reason)
    return goal


def smart_facts(goal: Goal, *, today: date | None = None):
    """Gather what the SMART check needs (a few small queries)."""
    from . import smart

    today = today or timezone.localdate()
    krs = tuple(
        smart.KeyResultFacts(title=kr.title, metric_type=kr.metric_type, unit=kr.unit) for kr in goal.key_results.all()
    )
    milestones = list(goal.milestones.all())
    active_count = 0
    if goal.owner_member_id:
        active_count = Goal.objects.filter(owner_member_id=goal.owner_member_id, status=GoalStatus.ACTIVE).count()
    is_career = CareerGoal.objects.filter(goal=goal).exists()
    settings_row = goal_settings_for_id(goal.organization_id)
    expected = arithmetic.expected_progress(goal.start_date, goal.due_date, today)
    return smart.GoalFacts(
        title=goal.title,
        description=goal.description,
        framework=goal.framework,
        key_results=krs,
        milestone_count=len(milestones),
        dated_milestone_count=sum(1 for m in milestones if m.due_date),
        due_date=goal.due_date,
        cycle_end=goal.cycle.ends_on if goal.cycle_id else None,
        is_open=not goal.is_closed,
        aligned=goal.parent_links.exists(),
        is_career_goal=is_career,
        owner_active_goals=active_count,
        max_active_goals=settings_row.max_active_goals,
        progress=goal.progress,
        expected=expected if goal.status == GoalStatus.ACTIVE else None,
    )


def smart_report(goal: Goal, *, today: date | None = None):
    from . import smart

    today = today or timezone.localdate()
    return smart.check(smart_facts(goal, today=today), today=today)


@transaction.atomic
def goal_activate(*, actor: Membership, goal: Goal) -> Goal:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if goal.status != GoalStatus.DRAFT:
        raise ValidationError("Only a draft goal can be activated.")
    if goal.from_template:
        report = smart_report(goal)
        if not report.passed:
            letters = ", ".join(c.name for c in report.missing)
            raise ValidationError(f"A goal made from a template must pass the SMART check first. Missing: {letters}.")
    _record(goal, actor, EventKind.STATUS, field="status", old=goal.status, new=GoalStatus.ACTIVE)
    goal.status = GoalStatus.ACTIVE
    goal.save(update_fields=["status", "updated_at"])
    return goal


@transaction.atomic
def goal_close(
    *,
    actor: Membership,
    goal: Goal,
    status: str,
    score: Decimal | None = None,
    reflection_worked: str = "",
    reflection_differently: str = "",
) -> Goal:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if status not in CLOSED_STATUSES:
        raise ValidationError({"status": "Close as achieved, missed or dropped."})
    if goal.is_closed:
        raise ValidationError("This goal is already closed.")
    if status in (GoalStatus.ACHIEVED, GoalStatus.MISSED) and not (
        reflection_worked.strip() or reflection_differently.strip()
    ):
        raise ValidationError(
            {"reflection_worked": "Write a short reflection: what worked, or what you'd do differently."}
        )
    if score is None:
        score = Decimal(str(round(goal.progress, 2)))
    if not (Decimal("0") <= score <= Decimal("1")):
        raise ValidationError({"score": "The score is between 0.0 and 1.0."})
    old = goal.status
    goal.status = status
    goal.score = score
    goal.closed_at = timezone.now()
    goal.reflection_worked = reflection_worked.strip()
    goal.reflection_differently = reflection_differently.strip()
    goal.save()
    _record(goal, actor, EventKind.CLOSED, field="status", old=old, new=status, reason=f"score {score}")
    goal_recompute_progress(goal)  # parents stop counting a dropped goal
    return goal


@transaction.atomic
def goal_reopen(*, actor: Membership, goal: Goal, reason: str) -> Goal:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if not goal.is_closed:
        raise ValidationError("Only a closed goal can be reopened.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the goal is reopened."})
    old = goal.status
    goal.status = GoalStatus.ACTIVE
    goal.closed_at = None
    goal.score = None
    goal.save()
    _record(goal, actor, EventKind.STATUS, field="status", old=old, new=GoalStatus.ACTIVE, reason=reason)
    goal_recompute_progress(goal)  # a reopened dropped goal counts for its parents again
    return goal


@transaction.atomic
def goal_set_confidence(*, actor: Membership, goal: Goal, confidence: str, note: str = "") -> Goal:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    old = goal.confidence
    goal.confidence = confidence
    goal.confidence_note = note.strip()[:300]
    goal.save(update_fields=["confidence", "confidence_note", "updated_at"])
    _record(goal, actor, EventKind.CONFIDENCE, field="confidence", old=old or "—", new=confidence or "—", reason=note)
    return goal


@transaction.atomic
def goal_carry_over(*, actor: Membership, goal: Goal, cycle: Cycle) -> Goal:
    """Copy a goal into another cycle: KRs with their values, open milestones, alignment; link back."""
    check_can_edit_goal(actor, goal)
    # The stored status decides (not the caller's copy), and the lock makes a second carry wait and be refused.
    goal = Goal.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=goal.pk)
    if cycle.organization_id != goal.organization_id:
        raise ValidationError({"cycle": "Choose a cycle of your organization."})
    if cycle.pk == goal.cycle_id:
        raise ValidationError({"cycle": "Choose a different cycle from the goal's own."})
    if Goal.objects.filter(carried_from=goal, cycle=cycle).exists():
        raise ValidationError({"cycle": "This goal was already carried over to that cycle."})
    copy = Goal.objects.create(
        organization_id=goal.organization_id,
        owner_member_id=goal.owner_member_id,
        owner_team_id=goal.owner_team_id,
        cycle=cycle,
        title=goal.title,
        description=goal.description,
        framework=goal.framework,
        horizon=goal.horizon,
        start_date=cycle.starts_on,
        due_date=cycle.ends_on,
        visibility=goal.visibility,
        tags=goal.tags,
        end_state=goal.end_state,
        status=GoalStatus.ACTIVE if goal.status == GoalStatus.ACTIVE else GoalStatus.DRAFT,
        progress=goal.progress,
        carried_from=goal,
    )
    for kr in goal.key_results.all():
        KeyResult.objects.create(
            organization_id=goal.organization_id,
            goal=copy,
            title=kr.title,
            metric_type=kr.metric_type,
            unit=kr.unit,
            start_value=kr.start_value,
            target_value=kr.target_value,
            current_value=kr.current_value,
            direction=kr.direction,
            weight=kr.weight,
            position=kr.position,
            progress=kr.progress,
            contributes_to=kr.contributes_to,
        )
    for ms in goal.milestones.all():
        Milestone.objects.create(
            organization_id=goal.organization_id,
            goal=copy,
            title=ms.title,
            due_date=ms.due_date,
            position=ms.position,
            weight=ms.weight,
            completed_at=ms.completed_at,
            source=ms.source,
        )
    for link in goal.parent_links.all():
        GoalAlignment.objects.create(
            organization_id=goal.organization_id, child=copy, parent_id=link.parent_id, weight=link.weight
        )
    _record(goal, actor, EventKind.CARRIED, subject=cycle.name, new=str(copy.public_id))
    _record(copy, actor, EventKind.CARRIED, subject=f"from {goal.cycle.name if goal.cycle else 'open-ended'}")
    goal_recompute_progress(copy)
    return copy


# --- key results ---------------------------------------------------------------------


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter a number."}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValidationError({field: "Enter a number below a trillion."})
    return number


def validate_key_result(kr: KeyResult) -> None:
    errors: dict[str, str] = {}
    if kr.metric_type in (MetricType.BOOLEAN, MetricType.MILESTONE):
        kr.start_value, kr.target_value, kr.direction, kr.unit = Decimal(0), Decimal(1), Direction.INCREASE, ""
        if kr.current_value not in (Decimal(0), Decimal(1)):
            errors["current_value"] = "A yes/no key result is 0 (not yet) or 1 (done)."
    elif kr.direction in (Direction.INCREASE, Direction.DECREASE):
        if kr.target_value == kr.start_value:
            errors["target_value"] = "The target must differ from the start value."
        elif kr.direction == Direction.INCREASE and kr.target_value < kr.start_value:
            errors["target_value"] = "To increase, the target must be above the start value."
        elif kr.direction == Direction.DECREASE and kr.target_value > kr.start_value:
            errors["target_value"] = "To decrease, the target must be below the start value."
    if kr.metric_type == MetricType.PERCENTAGE:
        kr.unit = "%"
        for name in ("start_value", "target_value", "current_value"):
            value = getattr(kr, name)
            if value < 0 or value > 1000:
                errors.setdefault(name, "A percentage is between 0 and 1000.")
    if kr.metric_type == MetricType.CURRENCY:
        unit = kr.unit.strip().upper()
        if not (len(unit) == 3 and unit.isalpha()) and unit not in ("$", "€", "£", "¥"):
            errors["unit"] = "Use a currency code such as EUR or USD (or $, €, £)."
        kr.unit = unit
    if kr.weight < 0:
        errors["weight"] = "The weight cannot be negative."
    if errors:
        raise ValidationError(errors)
    kr.full_clean(exclude=["organization", "goal", "contributes_to"])


@transaction.atomic
def kr_create(
    *,
    actor: Membership,
    goal: Goal,
    title: str,
    target_value,
    metric_type: str = MetricType.NUMBER,
    unit: str = "",
    start_value=0,
    current_value=None,
    direction: str = Direction.INCREASE,
    weight=1,
) -> KeyResult:
    check_can_edit_goal(actor, goal)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)  # the stored status, and one position at a time
    if goal.is_closed:
        raise ValidationError("A closed goal cannot get new key results.")
    start = _decimal(start_value, "start_value")
    kr = KeyResult(
        organization_id=goal.organization_id,
        goal=goal,
        title=title.strip(),
        metric_type=metric_type,
        unit=unit.strip(),
        start_value=start,
        target_value=_decimal(target_value, "target_value"),
        current_value=start if current_value in (None, "") else _decimal(current_value, "current_value"),
        direction=direction,
        weight=_decimal(weight, "weight"),
        position=goal.key_results.count(),
    )
    validate_key_result(kr)
    kr.progress = kr.compute_progress()
    kr.save()
    _record(
        goal,
        actor,
        EventKind.KR_ADDED,
        subject=kr.title,
        new=f"{_fmt(kr.start_value)} → {_fmt(kr.target_value)} {kr.unit}",
    )
    goal_recompute_progress(goal)
    return kr


KR_FIELDS = ("title", "metric_type", "unit", "start_value", "target_value", "direction", "weight")


@transaction.atomic
def kr_update(*, actor: Membership, kr: KeyResult, reason: str = "", **changes) -> KeyResult:
    check_can_edit_goal(actor, kr.goal)
    kr = KeyResult.objects.select_for_update().select_related("goal").get(pk=kr.pk)
    unknown = set(changes) - set(KR_FIELDS)
    if unknown:
        raise ValueError(f"Unknown key result fields: {sorted(unknown)}")
    for name in ("start_value", "target_value", "weight"):
        if name in changes:
            changes[name] = _decimal(changes[name], name)
    changed = [(n, getattr(kr, n), v) for n, v in changes.items() if getattr(kr, n) != v]
    for name, _old, value in changed:
        setattr(kr, name, value)
    if not changed:
        return kr
    validate_key_result(kr)
    kr.progress = kr.compute_progress()
    kr.save()
    for name, old, new in changed:
        _record(kr.goal, actor, EventKind.KR_UPDATED, subject=kr.title, field=name, old=old, new=new, reason=reason)
    goal_recompute_progress(kr.goal)
    return kr


@transaction.atomic
def kr_set_value(*, actor: Membership, kr: KeyResult, value, reason: str = "", expected_current=None) -> KeyResult:
    """Set a key result's current value. ``expected_current`` guards against overwriting a newer value."""
    check_can_edit_goal(actor, kr.goal)
    kr = KeyResult.objects.select_for_update().select_related("goal").get(pk=kr.pk)
    if kr.goal.is_closed:
        raise ValidationError("The goal is closed; its values are final.")
    new = _decimal(value, "current_value")
    if expected_current not in (None, "") and _decimal(expected_current, "current_value") != kr.current_value:
        raise ValidationError(
            {
                "current_value": f"Someone changed this value to {_fmt(kr.current_value)} since you loaded the page. "
                "Check it and submit again."
            }
        )
    old = kr.current_value
    if new == old:
        return kr
    kr.current_value = new
    validate_key_result(kr)
    kr.progress = kr.compute_progress()
    kr.save(
        update_fields=["current_value", "progress", "updated_at", "start_value", "target_value", "direction", "unit"]
    )
    _record(
        kr.goal,
        actor,
        EventKind.KR_VALUE,
        subject=kr.title,
        field="current_value",
        old=_fmt(old),
        new=_fmt(new),
        reason=reason,
    )
    goal_recompute_progress(kr.goal)
    return kr


@transaction.atomic
def kr_delete(*, actor: Membership, kr: KeyResult, reason: str = "") -> None:
    check_can_edit_goal(actor, kr.goal)
    goal = kr.goal
    _record(
        goal,
        actor,
        EventKind.KR_REMOVED,
        subject=kr.title,
        old=f"{_fmt(kr.current_value)} / {_fmt(kr.target_value)}",
        reason=reason,
    )
    kr.delete()
    goal_recompute_progress(goal)


# --- milestones and backward plans ---------------------------------------------------


def _renumber(goal: Goal) -> None:
    for index, ms in enumerate(goal.milestones.order_by("position", "id")):
        if ms.position != index:
            Milestone.objects.filter(pk=ms.pk).update(position=index)


@transaction.atomic
def milestone_add(
    *,
    actor: Membership,
    goal: Goal,
    title: str,
    due_date: date | None = None,
    source: str = MilestoneSource.MANUAL,
    before_first: bool = False,
) -> Milestone:
    """Add a step. ``before_first`` inserts it at the start: backward planning ("what must be true just before?")."""
    check_can_edit_goal(actor, goal)
    if not title.strip():
        raise ValidationError({"title": "Name the step."})
    if due_date and goal.due_date and due_date > goal.due_date:
        raise ValidationError({"due_date": "A step cannot be due after the goal itself."})
    if before_first:
        Milestone.objects.filter(goal=goal).update(position=F("position") + 1)
        position = 0
    else:
        position = goal.milestones.count()
    ms = Milestone.objects.create(
        organization_id=goal.organization_id,
        goal=goal,
        title=title.strip()[:200],
        due_date=due_date,
        position=position,
        source=source,
    )
    _record(goal, actor, EventKind.MILESTONE_ADDED, subject=ms.title, new=ms.due_date or "")
    goal_recompute_progress(goal)
    return ms


def backward_dates(*, end: date, steps: int, start: date) -> list[date]:
    """Evenly spaced due dates for ``steps`` steps, the last on ``end``, counting back to ``start``."""
    if steps <= 0:
        return []
    if end <= start:
        return [end] * steps
    span = (end - start).days
    return [end - timedelta(days=round(span * (steps - 1 - i) / steps)) for i in range(steps)]


@transaction.atomic
def plan_space_dates(*, actor: Membership, goal: Goal, today: date | None = None) -> list[Milestone]:
    """Space the open steps' due dates back from the goal's due date (completed ones keep theirs)."""
    check_can_edit_goal(actor, goal)
    if goal.due_date is None:
        raise ValidationError({"due_date": "Set the goal's due date first: the plan counts back from it."})
    today = today or timezone.localdate()
    open_steps = list(goal.milestones.filter(completed_at__isnull=True).order_by("position", "id"))
    dates = backward_dates(end=goal.due_date, steps=len(open_steps), start=today)
    for ms, due in zip(open_steps, dates, strict=True):
        if ms.due_date != due:
            _record(
                goal,
                actor,
                EventKind.MILESTONE_MOVED,
                subject=ms.title,
                old=ms.due_date or "—",
                new=due,
                reason="Spaced back from the goal's date",
            )
            ms.due_date = due
            ms.save(update_fields=["due_date"])
    return open_steps


@transaction.atomic
def milestone_set_done(*, actor: Membership, milestone: Milestone, done: bool) -> Milestone:
    check_can_edit_goal(actor, milestone.goal)
    ms = Milestone.objects.select_for_update().select_related("goal").get(pk=milestone.pk)
    if done and ms.completed_at is None:
        ms.completed_at = timezone.now()
        _record(ms.goal, actor, EventKind.MILESTONE_DONE, subject=ms.title)
    elif not done and ms.completed_at is not None:
        ms.completed_at = None
        _record(ms.goal, actor, EventKind.MILESTONE_REOPENED, subject=ms.title)
    else:
        return ms
    ms.save(update_fields=["completed_at"])
    goal_recompute_progress(ms.goal)
    return ms


@transaction.atomic
def milestone_reschedule(*, actor: Membership, milestone: Milestone, due_date: date, reason: str) -> Milestone:
    check_can_edit_goal(actor, milestone.goal)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the step moves: it stays in the goal's history."})
    ms = Milestone.objects.select_for_update().select_related("goal").get(pk=milestone.pk)
    if ms.goal.due_date and due_date > ms.goal.due_date:
        raise ValidationError({"due_date": "A step cannot be due after the goal itself."})
    if ms.due_date == due_date:
        return ms
    _record(
        ms.goal,
        actor,
        EventKind.MILESTONE_MOVED,
        subject=ms.title,
        field="due_date",
        old=ms.due_date or "—",
        new=due_date,
        reason=reason,
    )
    ms.due_date = due_date
    ms.save(update_fields=["due_date"])
    return ms


@transaction.atomic
def milestone_move(*, actor: Membership, milestone: Milestone, offset: int) -> Milestone:
    """Move a step earlier (-1) or later (+1) in the plan."""
    check_can_edit_goal(actor, milestone.goal)
    goal = milestone.goal
    _renumber(goal)
    steps = list(goal.milestones.select_for_update().order_by("position", "id"))
    index = next(i for i, m in enumerate(steps) if m.pk == milestone.pk)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(steps):
        return milestone
    steps[index], steps[target] = steps[target], steps[index]
    for position, ms in enumerate(steps):
        Milestone.objects.filter(pk=ms.pk).update(position=position)
    _record(goal, actor, EventKind.MILESTONE_REORDERED, subject=milestone.title, old=index + 1, new=target + 1)
    milestone.position = target
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Membership, milestone: Milestone) -> None:
    check_can_edit_goal(actor, milestone.goal)
    goal = milestone.goal
    _record(goal, actor, EventKind.UPDATED, subject=milestone.title, field="step", old=milestone.title, new="removed")
    milestone.delete()
    _renumber(goal)
    goal_recompute_progress(goal)


# --- coaching and feedback -----------------------------------------------------------


@transaction.atomic
def coach_invite(*, actor: Membership, goal: Goal, member: Membership) -> GoalCoach:
    if not is_goal_owner(actor, goal):
        check_can_edit_goal(actor, goal)
    if member.organization_id != goal.organization_id:
        raise ValidationError({"member": "Choose a person from your organization."})
    if member.pk == goal.owner_member_id:
        raise ValidationError({"member": "The owner is already part of every conversation on their goal."})
    coach, _ = GoalCoach.objects.get_or_create(
        goal=goal, member=member, defaults={"organization_id": goal.organization_id}
    )
    return coach


@transaction.atomic
def coaching_session_record(
    *, actor: Membership, goal: Goal, held_on: date, grow_goal: str, reality: str, options: str, will: str
) -> CoachingSession:
    check_can_coach_goal(actor, goal)
    session = CoachingSession(
        organization_id=goal.organization_id,
        goal=goal,
        author=actor,
        held_on=held_on,
        grow_goal=grow_goal.strip(),
        reality=reality.strip(),
        options=options.strip(),
        will=will.strip(),
    )
    session.full_clean(exclude=["organization", "goal", "author"])
    session.save()
    _record(goal, actor, EventKind.COACHING, subject=f"GROW session {held_on:%d %b %Y}")
    return session


def parse_will_items(will: str, *, default_due: date | None) -> list[tuple[str, date | None]]:
    """Each non-empty line is an action; "by YYYY-MM-DD" at the end sets its date."""
    import re

    items = []
    for line in will.splitlines():
        text = line.strip().lstrip("-•*").strip()
        if not text:
            continue
        due = default_due
        match = re.search(r"\s*\bby\s+(\d{4}-\d{2}-\d{2})\s*\.?$", text, flags=re.IGNORECASE)
        if match:
            try:
                due = date.fromisoformat(match.group(1))
                text = text[: match.start()].strip()
            except ValueError:
                pass
        items.append((text[:200], due))
    return items


@transaction.atomic
def coaching_will_to_milestones(*, actor: Membership, session: CoachingSession) -> list[Milestone]:
    """One click: every Will item becomes a milestone on the goal (once)."""
    check_can_edit_goal(actor, session.goal)
    session = CoachingSession.objects.select_for_update().select_related("goal").get(pk=session.pk)
    if session.will_converted_at:
        raise ValidationError("This session's Will items are already milestones.")
    goal = session.goal
    default_due = min(goal.due_date, timezone.localdate() + timedelta(days=14)) if goal.due_date else None
    created = []
    for text, due in parse_will_items(session.will, default_due=default_due):
        if goal.due_date and due and due > goal.due_date:
            due = goal.due_date
        created.append(milestone_add(actor=actor, goal=goal, title=text, due_date=due, source=MilestoneSource.COACHING))
    session.will_converted_at = timezone.now()
    session.save(update_fields=["will_converted_at"])
    return created


@transaction.atomic
def feedback_request_create(*, actor: Membership, goal: Goal, recipient: Membership, question: str) -> FeedbackRequest:
    if goal.owner_member_id != actor.pk:
        check_can_edit_goal(actor, goal)
    if recipient.organization_id != goal.organization_id or not recipient.is_active:
        raise ValidationError({"recipient": "Choose an active colleague from your organization."})
    if recipient.pk == actor.pk:
        raise ValidationError({"recipient": "Ask someone other than yourself."})
    if not question.strip():
        raise ValidationError({"question": "Say what you would like feedback on."})
    request = FeedbackRequest(
        organization_id=goal.organization_id, goal=goal, requester=actor, recipient=recipient, question=question.strip()
    )
    request.full_clean(exclude=["organization", "goal", "requester", "recipient"])
    request.save()
    # The recipient may answer even when they could not otherwise see the goal.
    return request


@transaction.atomic
def feedback_answer(*, actor: Membership, request: FeedbackRequest, answer: str) -> FeedbackRequest:
    request = FeedbackRequest.objects.select_for_update().get(pk=request.pk)
    if request.recipient_id != actor.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only the person asked can answer.")
    if request.answered_at:
        raise ValidationError("You already answered this request.")
    if not answer.strip():
        raise ValidationError({"answer": "Write your feedback."})
    request.answer = answer.strip()
    request.answered_at = timezone.now()
    request.full_clean(exclude=["organization", "goal", "requester", "recipient"])
    request.save(update_fields=["answer", "answered_at"])
    return request


# --- career profile ------------------------------------------------------------------


@transaction.atomic
def career_profile_update(
    *, actor: Membership, vision: str, strengths: str, weaknesses: str, top_goals: list[tuple[str, Goal | None]]
) -> CareerProfile:
    """Save a person's own career profile; ``top_goals`` is up to three (title, linked goal) pairs."""
    profile, _ = CareerProfile.objects.select_for_update().get_or_create(
        member=actor, defaults={"organization_id": actor.organization_id}
    )
    profile.vision, profile.strengths, profile.weaknesses = vision.strip(), strengths.strip(), weaknesses.strip()
    profile.full_clean(exclude=["organization", "member"])
    profile.save()
    if len(top_goals) > 3:
        raise ValidationError("Pick at most three top career goals.")
    profile.top_goals.all().delete()
    for rank, (title, goal) in enumerate(((t, g) for t, g in top_goals if t.strip()), start=1):
        if goal is not None and (goal.organization_id != actor.organization_id or goal.owner_member_id != actor.pk):
            raise ValidationError({f"goal_{rank}": "Link one of your own goals."})
        CareerGoal.objects.create(
            organization_id=actor.organization_id, profile=profile, rank=rank, title=title.strip()[:200], goal=goal
        )
    return profile


# --- templates -----------------------------------------------------------------------


@transaction.atomic
def org_template_create(
    *,
    actor: Membership,
    title: str,
    role: str,
    industry: str,
    career_stage: str,
    framework: str,
    why: str,
    involves: str,
) -> GoalTemplate:
    check_org_admin(actor)
    template = GoalTemplate(
        organization_id=actor.organization_id,
        title=title.strip(),
        role=role.strip(),
        industry=industry.strip(),
        career_stage=career_stage,
        framework=framework,
        why=why.strip(),
        involves=involves.strip(),
        created_by=actor,
    )
    template.full_clean(exclude=["organization", "created_by"])
    template.save()
    return template


TEMPLATE_FIELDS = ("title", "role", "industry", "career_stage", "framework", "why", "involves")


@transaction.atomic
def org_template_update(*, actor: Membership, template: GoalTemplate, **values) -> GoalTemplate:
    """Change an organization template; goals made from it keep what they were made with."""
    check_org_admin(actor)
    if template.organization_id != actor.organization_id:
        raise PermissionDenied("This template belongs to another organization.")
    for name in TEMPLATE_FIELDS:
        if name in values:
            value = values[name]
            setattr(template, name, value.strip() if isinstance(value, str) else value)
    try:
        template.full_clean(exclude=["organization", "created_by"])
    except ValidationError:
        template.refresh_from_db()  # the caller's object shows what is saved, not the refused values
        raise
    template.save()
    return template


@transaction.atomic
def org_template_delete(*, actor: Membership, template: GoalTemplate) -> None:
    """Take a template out of the library; goals made from it are not touched."""
    check_org_admin(actor)
    if template.organization_id != actor.organization_id:
        raise PermissionDenied("This template belongs to another organization.")
    template.delete()
