"""Check-in writes: one atomic submission for many goals, idempotent, stale-safe."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.core import dataversion
from apps.goals import services as goal_services
from apps.goals.models import EventKind, Goal, GoalStatus, KeyResult
from apps.goals.permissions import can_edit_goal

from .models import (
    Blocker,
    Celebration,
    CelebrationKind,
    CheckIn,
    CheckinSubmission,
    Comment,
    KeyResultUpdate,
    Kudos,
    Notice,
    Reaction,
)

TEXT_LIMIT = 2000


def local_today(member: Membership, now: datetime | None = None) -> date:
    now = now or timezone.now()
    return now.astimezone(member.user.tzinfo).date()


def period_start(day: date) -> date:
    """Monday of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


@dataclass
class KRValueInput:
    key_result: KeyResult
    value: str
    loaded_value: str


@dataclass
class CheckinInput:
    goal: Goal
    kr_values: list[KRValueInput] = field(default_factory=list)
    confidence: int | None = None
    status: str = ""
    wins: str = ""
    blockers: str = ""
    next_steps: str = ""
    help_from: Membership | None = None
    corrects: CheckIn | None = None


@dataclass
class SubmitResult:
    submission: CheckinSubmission
    checkins: list[CheckIn]
    created: bool
    moved: list[tuple[KeyResult, Decimal, Decimal]] = field(default_factory=list)
    celebrations: list[Celebration] = field(default_factory=list)


def _number(raw: str, key: str, errors: dict) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors[key] = "Enter a number."
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        errors[key] = "Enter a number below a trillion."
        return None
    return value


def field_key(goal: Goal, name: str) -> str:
    return f"g-{goal.public_id}-{name}"


def kr_field_key(kr: KeyResult) -> str:
    return f"kr-{kr.public_id}"


def _is_touched(entry: CheckinInput, kr_changes: list) -> bool:
    return bool(
        kr_changes
        or entry.confidence
        or entry.status
        or entry.wins.strip()
        or entry.blockers.strip()
        or entry.next_steps.strip()
        or entry.corrects
    )


@transaction.atomic
def checkin_submit(*, actor: Membership, idempotency_key: uuid.UUID, entries: list[CheckinInput]) -> SubmitResult:
    """Save one check-in per touched goal, all or nothing.

    - A resend with the same idempotency key returns the first result and writes nothing.
    - A key result value is only written when it differs from the value the form showed;
      if the stored value changed since the form was loaded, the whole submission is
      refused with an explanation (nothing is silently overwritten).
    - Errors are keyed by form field so the page can show each next to its input.
    """
    today = local_today(actor)
    week = period_start(today)
    try:
        with transaction.atomic():
            submission = CheckinSubmission.objects.create(
                organization_id=actor.organization_id, author=actor, idempotency_key=idempotency_key, period_start=week
            )
    except IntegrityError:
        submission = CheckinSubmission.objects.get(author=actor, idempotency_key=idempotency_key)
        return SubmitResult(submission=submission, checkins=list(submission.checkins.all()), created=False)

    errors: dict[str, str] = {}
    planned: list[tuple[CheckinInput, list[tuple[KeyResult, Decimal, Decimal]]]] = []
    for entry in entries:
        goal = entry.goal
        if goal.organization_id != actor.organization_id or not can_edit_goal(actor, goal):
            raise PermissionDenied("You can only check in on your own goals.")
        if goal.status != GoalStatus.ACTIVE:
            errors[field_key(goal, "goal")] = "Only an active goal takes check-ins."
            continue
        locked = {kr.pk: kr for kr in KeyResult.objects.select_for_update().filter(goal_id=goal.pk).order_by("pk")}
        changes = []
        for item in entry.kr_values:
            key = kr_field_key(item.key_result)
            kr = locked.get(item.key_result.pk)
            if kr is None:
                raise PermissionDenied("That key result does not belong to this goal.")
            new = _number(item.value, key, errors)
            loaded = (
                _number(item.loaded_value, key, errors) if item.loaded_value not in ("", None) else kr.current_value
            )
            if new is None or loaded is None:
                continue
            if new == loaded:
                continue  # untouched: nothing to write, nothing to conflict with
            if kr.current_value != loaded:
                errors[key] = (
                    f"This value changed to {kr.current_value.normalize():f} since you opened the page "
                    f"(you saw {loaded.normalize():f}). Check it and submit again."
                )
                continue
            changes.append((kr, loaded, new))
        if entry.confidence is not None and not 1 <= entry.confidence <= 10:
            errors[field_key(goal, "confidence")] = "Confidence is between 1 and 10."
        for name in ("wins", "blockers", "next_steps"):
            if len(getattr(entry, name)) > TEXT_LIMIT:
                errors[field_key(goal, name)] = f"Keep it under {TEXT_LIMIT} characters."
        if entry.help_from is not None and entry.help_from.organization_id != actor.organization_id:
            errors[field_key(goal, "help_from")] = "Choose a colleague from your organization."
        if entry.corrects is not None and entry.corrects.goal_id != goal.pk:
            errors[field_key(goal, "corrects")] = "A correction must be on the same goal."
        if _is_touched(entry, changes):
            planned.append((entry, changes))
    if errors:
        raise ValidationError(errors)
    if not planned:
        raise ValidationError({"__all__": "Nothing to save: change a value or write a line on at least one goal."})

    result = SubmitResult(submission=submission, checkins=[], created=True)
    for entry, changes in planned:
        goal = entry.goal
        for kr, old, new in changes:
            was_done = kr.progress >= 1.0
            kr.current_value = new
            goal_services.validate_key_result(kr)
            kr.progress = kr.compute_progress()
            kr.save(update_fields=["current_value", "progress", "updated_at"])
            goal_services.goal_event_record(
                goal=goal,
                actor=actor,
                kind=EventKind.KR_VALUE,
                subject=kr.title,
                field="current_value",
                old=old.normalize(),
                new=new.normalize(),
                reason="check-in",
            )
            result.moved.append((kr, old, new))
            if kr.progress >= 1.0 and not was_done:
                celebration, made = Celebration.objects.get_or_create(
                    key_result=kr,
                    kind=CelebrationKind.KR_TARGET,
                    defaults={
                        "organization_id": goal.organization_id,
                        "goal": goal,
                        "member": actor,
                        "subject": f"{kr.title}: target reached",
                    },
                )
                if made:
                    result.celebrations.append(celebration)
        # The caller may have prefetched the goal's key results (a form does): recompute from the rows just saved.
        getattr(goal, "_prefetched_objects_cache", {}).clear()
        goal_services.goal_recompute_progress(goal)
        if entry.status:
            goal.confidence = entry.status
            Goal.objects.filter(pk=goal.pk).update(confidence=entry.status)
            dataversion.bump(goal.organization_id, members=[goal.owner_member_id], teams=[goal.owner_team_id])
        checkin = CheckIn.objects.create(
            organization_id=actor.organization_id,
            submission=submission,
            goal=goal,
            author=actor,
            period_start=week,
            confidence=entry.confidence,
            status=entry.status,
            progress=goal.progress,
            wins=entry.wins.strip(),
            blockers=entry.blockers.strip(),
            next_steps=entry.next_steps.strip(),
            corrects=entry.corrects,
        )
        KeyResultUpdate.objects.bulk_create(
            KeyResultUpdate(
                organization_id=actor.organization_id,
                checkin=checkin,
                key_result=kr,
                old_value=old,
                new_value=new,
                progress=kr.progress,
            )
            for kr, old, new in changes
        )
        goal_services.goal_event_record(
            goal=goal,
            actor=actor,
            kind=EventKind.CHECKIN,
            subject="correction" if entry.corrects else "weekly check-in",
            new=f"{round(goal.progress * 100)} %",
        )
        if entry.blockers.strip():
            Blocker.objects.create(
                organization_id=actor.organization_id,
                goal=goal,
                checkin=checkin,
                author=actor,
                text=entry.blockers.strip(),
                help_from=entry.help_from,
            )
            if entry.help_from is not None and entry.help_from.pk != actor.pk:
                notice_create(
                    recipient=entry.help_from,
                    actor=actor,
                    kind=Notice.Kind.HELP,
                    goal=goal,
                    text=f"{actor.user.full_name} asks for your help on “{goal.title}”: {entry.blockers.strip()[:160]}",
                )
        result.checkins.append(checkin)
    return result


def notice_create(*, recipient: Membership, actor: Membership | None, kind: str, text: str, goal=None) -> Notice:
    return Notice.objects.create(
        organization_id=recipient.organization_id,
        recipient=recipient,
        actor=actor,
        kind=kind,
        text=text[:300],
        goal=goal,
    )


@transaction.atomic
def blocker_resolve(*, actor: Membership, blocker: Blocker) -> Blocker:
    blocker = Blocker.objects.select_for_update(of=("self",)).select_related("goal__owner_member").get(pk=blocker.pk)
    if not (can_edit_goal(actor, blocker.goal) or blocker.help_from_id == actor.pk):
        raise PermissionDenied("Only the goal's owner, their manager or the person asked for help can resolve this.")
    if blocker.resolved_at is None:
        blocker.resolved_at = timezone.now()
        blocker.resolved_by = actor
        blocker.save(update_fields=["resolved_at", "resolved_by"])
    return blocker


@transaction.atomic
def kudos_give(*, actor: Membership, celebration: Celebration) -> Kudos:
    if celebration.organization_id != actor.organization_id:
        raise PermissionDenied
    kudos, made = Kudos.objects.get_or_create(
        celebration=celebration, giver=actor, defaults={"organization_id": actor.organization_id}
    )
    if made and celebration.member_id != actor.pk:
        notice_create(
            recipient=celebration.member,
            actor=actor,
            kind=Notice.Kind.KUDOS,
            goal=celebration.goal,
            text=f"{actor.user.full_name} gave you kudos: {celebration.subject}",
        )
    return kudos


MENTION_RE = re.compile(r"@([A-Za-z0-9._-]+)")


def _mentioned(actor: Membership, body: str) -> list[Membership]:
    handles = {h.lower().rstrip(".") for h in MENTION_RE.findall(body)}
    if not handles:
        return []
    members = Membership.objects.for_org(actor.organization_id).active().select_related("user")
    found = []
    for member in members:
        local = member.user.email.split("@")[0].lower()
        first = member.user.get_short_name().lower()
        if local in handles or first in handles:
            found.append(member)
    return found


@transaction.atomic
def comment_add(
    *, actor: Membership, body: str, checkin: CheckIn | None = None, celebration: Celebration | None = None
) -> Comment:
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a comment."})
    if len(body) > TEXT_LIMIT:
        raise ValidationError({"body": f"Keep it under {TEXT_LIMIT} characters."})
    target = checkin or celebration
    if target is None or target.organization_id != actor.organization_id:
        raise PermissionDenied
    comment = Comment.objects.create(
        organization_id=actor.organization_id, author=actor, checkin=checkin, celebration=celebration, body=body
    )
    mentioned = [m for m in _mentioned(actor, body) if m.pk != actor.pk]
    comment.mentions.set(mentioned)
    goal = target.goal
    for member in mentioned:
        notice_create(
            recipient=member,
            actor=actor,
            kind=Notice.Kind.MENTION,
            goal=goal,
            text=f"{actor.user.full_name} mentioned you on “{goal.title}”: {body[:160]}",
        )
    return comment


@transaction.atomic
def reaction_set(*, actor: Membership, checkin: CheckIn, kind: str, note: str = "", on: bool = True) -> Reaction | None:
    """A manager marks a report's check-in as seen, or flags it for the next 1:1."""
    owner = checkin.author
    if not (owner.line_manager_id == actor.pk or actor.role == "admin"):
        raise PermissionDenied("Only the person's line manager can react to this check-in.")
    if not on:
        Reaction.objects.filter(checkin=checkin, member=actor, kind=kind).update(cleared_at=timezone.now())
        return None
    reaction, _ = Reaction.objects.update_or_create(
        checkin=checkin,
        member=actor,
        kind=kind,
        defaults={"organization_id": actor.organization_id, "note": note.strip()[:300], "cleared_at": None},
    )
    return reaction


def streak(*, periods: list[date], today: date, cadence_days: int = 7) -> int:
    """Consecutive check-in periods ending this period (or the previous one, if this one is still open)."""
    have = set(periods)
    current = period_start(today)
    if current not in have:
        current -= timedelta(days=cadence_days)
    count = 0
    while current in have:
        count += 1
        current -= timedelta(days=cadence_days)
    return count


def notices_mark_read(*, actor: Membership) -> int:
    """Mark all of the actor's unread notices read; returns how many changed."""
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
