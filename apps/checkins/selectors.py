"""Check-in reads for an actor; bounded queries however many goals or reports."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Membership
from apps.goals.models import Goal, GoalStatus, KeyResult
from apps.goals.selectors import cycle_current, visible_goals

from .models import Blocker, Celebration, CheckIn, KeyResultUpdate, Notice
from .services import local_today, period_start, streak


def _get_or_404(qs, **lookup):
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError):
        raise Http404("Not found.") from None


def weekly_goals(*, actor: Membership):
    """The actor's active goals for this week's check-in: current cycle plus open-ended ones."""
    cycle = cycle_current(actor=actor, today=local_today(actor))
    cycle_q = Q(cycle__isnull=True) | (Q(cycle=cycle) if cycle else Q(pk__in=[]))
    return (
        Goal.objects.filter(organization_id=actor.organization_id, owner_member=actor, status=GoalStatus.ACTIVE)
        .filter(cycle_q)
        .select_related("cycle")
        .prefetch_related(Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id")))
        .order_by("due_date", "title")
    )


def last_checkins(*, goal_ids: list[int]) -> dict[int, CheckIn]:
    """The latest check-in of each goal, in one query."""
    if not goal_ids:
        return {}
    rows = (
        CheckIn.objects.filter(goal_id__in=goal_ids).order_by("goal_id", "-created_at", "-id").distinct("goal_id")
        if _supports_distinct_on()
        else None
    )
    if rows is not None:
        return {c.goal_id: c for c in rows}
    latest: dict[int, CheckIn] = {}
    for c in CheckIn.objects.filter(goal_id__in=goal_ids).order_by("goal_id", "-created_at", "-id"):
        latest.setdefault(c.goal_id, c)
    return latest


def _supports_distinct_on() -> bool:
    from django.db import connection

    return connection.features.can_distinct_on_fields


def member_periods(*, member_ids: list[int], since: date) -> dict[int, list[date]]:
    periods: dict[int, list[date]] = {m: [] for m in member_ids}
    rows = (
        CheckIn.objects.filter(author_id__in=member_ids, period_start__gte=since)
        .values_list("author_id", "period_start")
        .distinct()
    )
    for author_id, start in rows:
        periods[author_id].append(start)
    return periods


def member_streak(*, member: Membership, today: date | None = None) -> int:
    today = today or local_today(member)
    periods = member_periods(member_ids=[member.pk], since=today - timedelta(weeks=104))[member.pk]
    return streak(periods=periods, today=today)


def checked_in_this_period(*, member: Membership, today: date | None = None) -> bool:
    today = today or local_today(member)
    return CheckIn.objects.filter(author=member, period_start=period_start(today)).exists()


def goal_checkins(*, goal: Goal, limit: int = 100):
    return (
        CheckIn.objects.filter(goal=goal, organization_id=goal.organization_id)
        .select_related("author__user", "corrects")
        .prefetch_related(Prefetch("kr_updates", queryset=KeyResultUpdate.objects.select_related("key_result")))
        .order_by("-created_at", "-id")[:limit]
    )


def goal_progress_series(*, goal: Goal) -> list[tuple[date, float]]:
    """(day, progress) points from check-ins, oldest first: the chart's actual line."""
    rows = CheckIn.objects.filter(goal=goal).order_by("created_at", "id").values_list("created_at", "progress")
    return [(created.date(), value) for created, value in rows]


def goal_confidence_series(*, goal: Goal) -> list[tuple[date, int]]:
    rows = (
        CheckIn.objects.filter(goal=goal, confidence__isnull=False)
        .order_by("created_at", "id")
        .values_list("created_at", "confidence")
    )
    return [(created.date(), value) for created, value in rows]


def kr_value_series(*, key_result: KeyResult) -> list[tuple[date, float]]:
    rows = (
        KeyResultUpdate.objects.filter(key_result=key_result)
        .order_by("created_at", "id")
        .values_list("created_at", "new_value")
    )
    return [(created.date(), float(value)) for created, value in rows]


def open_blockers_for_goal(*, goal: Goal):
    return (
        Blocker.objects.filter(goal=goal, resolved_at__isnull=True)
        .select_related("author__user", "help_from__user")
        .order_by("-created_at")
    )


def blocker_get(*, actor: Membership, public_id) -> Blocker:
    visible = visible_goals(actor=actor).values("id")
    qs = Blocker.objects.filter(organization_id=actor.organization_id).filter(
        Q(goal_id__in=visible) | Q(help_from=actor)
    )
    return _get_or_404(qs.select_related("goal__owner_member"), public_id=public_id)


def checkin_get(*, actor: Membership, public_id) -> CheckIn:
    visible = visible_goals(actor=actor).values("id")
    qs = CheckIn.objects.filter(organization_id=actor.organization_id, goal_id__in=visible)
    return _get_or_404(qs.select_related("goal", "author__user", "author__line_manager"), public_id=public_id)


def celebration_get(*, actor: Membership, public_id) -> Celebration:
    visible = visible_goals(actor=actor).values("id")
    qs = Celebration.objects.filter(organization_id=actor.organization_id, goal_id__in=visible)
    return _get_or_404(qs.select_related("goal", "member__user"), public_id=public_id)


def team_feed(*, actor: Membership, limit: int = 30):
    """Recent celebrations on goals the actor can see, with kudos and comments."""
    visible = visible_goals(actor=actor).values("id")
    return (
        Celebration.objects.filter(organization_id=actor.organization_id, goal_id__in=visible)
        .select_related("goal", "member__user")
        .prefetch_related("kudos__giver__user", "comments__author__user")
        .order_by("-created_at")[:limit]
    )


def notices_for(*, actor: Membership, limit: int = 30):
    return Notice.objects.filter(recipient=actor).select_related("actor__user", "goal").order_by("-created_at")[:limit]


def unread_notice_count(*, actor: Membership) -> int:
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).count()


@dataclass
class ReportRow:
    member: Membership
    checked_in: bool
    last_checkin: CheckIn | None
    confidence_change: int | None
    new_blockers: list[Blocker] = field(default_factory=list)
    streak: int = 0
    latest: list[CheckIn] = field(default_factory=list)


def manager_review(*, actor: Membership, today: date | None = None) -> list[ReportRow]:
    """Direct reports' latest check-ins in a constant number of queries.

    Who checked in this week and who did not, confidence changes, new blockers.
    """
    today = today or timezone.localdate()
    week = period_start(today)
    reports = list(
        Membership.objects.for_org(actor.organization_id)
        .active()
        .filter(line_manager=actor)
        .select_related("user")
        .order_by("user__full_name")
    )
    ids = [m.pk for m in reports]
    if not ids:
        return []
    recent = list(
        CheckIn.objects.filter(author_id__in=ids, created_at__gte=timezone.now() - timedelta(weeks=6))
        .select_related("goal")
        .prefetch_related("reactions")
        .order_by("author_id", "-created_at", "-id")
    )
    by_author: dict[int, list[CheckIn]] = {}
    for c in recent:
        by_author.setdefault(c.author_id, []).append(c)
    blockers: dict[int, list[Blocker]] = {}
    for b in (
        Blocker.objects.filter(author_id__in=ids, resolved_at__isnull=True)
        .select_related("goal", "help_from__user")
        .order_by("-created_at")
    ):
        blockers.setdefault(b.author_id, []).append(b)
    periods = member_periods(member_ids=ids, since=today - timedelta(weeks=104))
    rows = []
    for member in reports:
        mine = by_author.get(member.pk, [])
        last = mine[0] if mine else None
        confidences = [c.confidence for c in mine if c.confidence is not None]
        change = confidences[0] - confidences[1] if len(confidences) >= 2 else None
        rows.append(
            ReportRow(
                member=member,
                checked_in=any(c.period_start == week for c in mine),
                last_checkin=last,
                confidence_change=change,
                new_blockers=blockers.get(member.pk, []),
                streak=streak(periods=periods[member.pk], today=today),
                latest=[c for c in mine if c.period_start == (last.period_start if last else None)],
            )
        )
    rows.sort(key=lambda r: (r.checked_in, r.member.user.full_name))
    return rows
