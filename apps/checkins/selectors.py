"""Check-in reads for an actor; bounded queries however many goals or reports."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from apps.accounts.models import Membership
from apps.accounts.selectors import member_choices
from apps.core.selectors import get_or_404
from apps.goals.models import Goal, GoalStatus, KeyResult
from apps.goals.permissions import can_edit_goal
from apps.goals.selectors import cycle_current, goal_get, goal_health, goal_settings, visible_goals

from .models import Blocker, Celebration, CheckIn, CheckinSubmission, Comment, KeyResultUpdate, Notice, Reaction
from .services import local_today, period_start, streak

_get_or_404 = get_or_404


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
        .prefetch_related(
            Prefetch("kr_updates", queryset=KeyResultUpdate.objects.select_related("key_result")),
            Prefetch("comments", queryset=Comment.objects.select_related("author__user").order_by("created_at")),
            Prefetch(
                "reactions", queryset=Reaction.objects.filter(cleared_at__isnull=True).select_related("member__user")
            ),
        )
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
    recent: list[CheckIn] = field(default_factory=list)  # the last six weeks, newest first


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
                recent=mine,
            )
        )
    rows.sort(key=lambda r: (r.checked_in, r.member.user.full_name))
    return rows


# --- pages: what each check-in screen reads, in a fixed number of queries -------------


def _valid_uuids(values) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def last_kr_values(*, kr_ids: list[int]) -> dict[int, Decimal]:
    """Each key result's value as of its last check-in, in one query."""
    if not kr_ids:
        return {}
    qs = KeyResultUpdate.objects.filter(key_result_id__in=kr_ids).order_by("key_result_id", "-created_at", "-id")
    if _supports_distinct_on():
        return dict(qs.distinct("key_result_id").values_list("key_result_id", "new_value"))
    latest: dict[int, Decimal] = {}
    for kr_id, value in qs.values_list("key_result_id", "new_value"):
        latest.setdefault(kr_id, value)
    return latest


HELP_SUGGESTIONS = 40
HELP_SEARCH_RESULTS = 20


def colleagues(*, actor: Membership) -> list[Membership]:
    """The "ask for help from" suggestions: the people a blocker most likely goes to.

    Line manager, direct reports, and the people of the actor's teams (bounded, so the
    check-in page stays small in a 5,000-person organization); anyone else is found by
    typing (``help_search``).
    """
    my_teams = actor.team_memberships.values("team_id")
    return list(
        member_choices(actor=actor)
        .filter(Q(pk=actor.line_manager_id) | Q(line_manager=actor) | Q(team_memberships__team_id__in=my_teams))
        .exclude(pk=actor.pk)
        .distinct()[:HELP_SUGGESTIONS]
    )


def help_search(*, actor: Membership, text: str) -> list[Membership]:
    """Active colleagues whose name or email contains ``text`` (at most a screenful)."""
    text = (text or "").strip()
    if len(text) < 2:
        return colleagues(actor=actor)
    return list(
        member_choices(actor=actor)
        .filter(Q(user__full_name__icontains=text) | Q(user__email__icontains=text))
        .exclude(pk=actor.pk)[:HELP_SEARCH_RESULTS]
    )


def colleague_by_reference(*, actor: Membership, text: str) -> Membership | None:
    """The active colleague an "ask for help from" answer names: an email, an exact full name, or an id.

    None when nobody (or more than one person) in the actor's organization matches.
    """
    text = (text or "").strip()
    if not text:
        return None
    people = member_choices(actor=actor).exclude(pk=actor.pk)
    try:
        return people.get(public_id=uuid.UUID(text))
    except (ValueError, Membership.DoesNotExist):
        pass
    matches = list(people.filter(Q(user__email__iexact=text) | Q(user__full_name__iexact=text))[:2])
    return matches[0] if len(matches) == 1 else None


def key_results_by_public_id(*, actor: Membership, public_ids) -> list[KeyResult]:
    """Key results the actor can see, by id (anything else is simply not found)."""
    ids = _valid_uuids(public_ids)
    if not ids:
        return []
    visible = visible_goals(actor=actor).values("id")
    return list(
        KeyResult.objects.filter(organization_id=actor.organization_id, goal_id__in=visible, public_id__in=ids)
        .select_related("goal__owner_member")
        .order_by("goal_id", "position", "id")
    )


@dataclass
class WeekPage:
    goals: list[Goal]
    last_values: dict[int, Decimal]
    last_checkins: dict[int, CheckIn]
    colleagues: list[Membership]
    health: dict[int, object]
    week: date
    today: date
    streak: int
    checked_in: bool


def weekly_checkin(*, actor: Membership) -> WeekPage:
    """Everything the weekly check-in page shows; the query count does not grow with the number of goals."""
    today = local_today(actor)
    goals = list(weekly_goals(actor=actor))
    kr_ids = [kr.pk for goal in goals for kr in goal.key_results.all()]
    periods = member_periods(member_ids=[actor.pk], since=today - timedelta(weeks=104))[actor.pk]
    settings_row = goal_settings(actor=actor)
    return WeekPage(
        goals=goals,
        last_values=last_kr_values(kr_ids=kr_ids),
        last_checkins=last_checkins(goal_ids=[g.pk for g in goals]),
        colleagues=colleagues(actor=actor),
        health={g.pk: goal_health(g, settings_row, today) for g in goals},
        week=period_start(today),
        today=today,
        streak=streak(periods=periods, today=today),
        checked_in=period_start(today) in periods,
    )


@dataclass
class MovedKR:
    key_result: KeyResult
    old: Decimal
    new: Decimal
    old_progress: float
    new_progress: float

    @property
    def delta(self) -> Decimal:
        return self.new - self.old

    @property
    def target_hit(self) -> bool:
        return self.new_progress >= 1.0 > self.old_progress


@dataclass
class SummaryRow:
    checkin: CheckIn
    previous_progress: float | None
    moved: list[MovedKR]

    @property
    def progress_change(self) -> int | None:
        if self.previous_progress is None:
            return None
        return round(self.checkin.progress * 100) - round(self.previous_progress * 100)


@dataclass
class SubmissionSummary:
    submission: CheckinSubmission
    rows: list[SummaryRow]
    celebrations: list[Celebration]
    streak: int
    skipped: int


def submission_summary(*, actor: Membership, public_id) -> SubmissionSummary:
    """The page after "Submit all": what moved, the streak, celebrations. Only the author can open it."""
    submission = _get_or_404(
        CheckinSubmission.objects.filter(organization_id=actor.organization_id, author=actor), public_id=public_id
    )
    checkins = list(
        submission.checkins.select_related("goal", "corrects")
        .prefetch_related(
            Prefetch("kr_updates", queryset=KeyResultUpdate.objects.select_related("key_result").order_by("id"))
        )
        .order_by("id")
    )
    goal_ids = [c.goal_id for c in checkins]
    previous: dict[int, float] = {}
    if checkins:
        first = min(c.created_at for c in checkins)
        earlier = CheckIn.objects.filter(goal_id__in=goal_ids, created_at__lt=first).order_by(
            "goal_id", "-created_at", "-id"
        )
        for goal_id, progress in earlier.values_list("goal_id", "progress"):
            previous.setdefault(goal_id, progress)
    rows = []
    for c in checkins:
        moved = []
        for update in c.kr_updates.all():
            kr = update.key_result
            before = KeyResult(
                start_value=kr.start_value,
                target_value=kr.target_value,
                current_value=update.old_value,
                direction=kr.direction,
                metric_type=kr.metric_type,
            )
            moved.append(MovedKR(kr, update.old_value, update.new_value, before.compute_progress(), update.progress))
        rows.append(SummaryRow(checkin=c, previous_progress=previous.get(c.goal_id), moved=moved))
    celebrations = []
    if checkins:
        last = max(c.created_at for c in checkins)
        celebrations = list(
            Celebration.objects.filter(
                goal_id__in=goal_ids, member=actor, created_at__gte=submission.created_at, created_at__lte=last
            ).select_related("goal")
        )
    active = weekly_goals(actor=actor).count()
    return SubmissionSummary(
        submission=submission,
        rows=rows,
        celebrations=celebrations,
        streak=member_streak(member=actor),
        skipped=max(0, active - len(checkins)),
    )


def goal_checkin_context(*, actor: Membership, goal: Goal) -> dict:
    """What ``checkins/_goal_section.html`` needs, in one call: ``context.update(goal_checkin_context(...))``."""
    return {
        "goal": goal,
        "checkins": list(goal_checkins(goal=goal)),
        "blockers": list(open_blockers_for_goal(goal=goal)),
        "can_edit": can_edit_goal(actor, goal),
    }


def comments_for(*, checkin: CheckIn | None = None, celebration: Celebration | None = None) -> list[Comment]:
    qs = Comment.objects.select_related("author__user").order_by("created_at")
    if checkin is not None:
        return list(qs.filter(checkin=checkin))
    return list(qs.filter(celebration=celebration))


def reactions_by(*, actor: Membership, checkin: CheckIn) -> dict[str, Reaction]:
    """The actor's live reactions on a check-in, by kind ("seen", "flag")."""
    return {r.kind: r for r in Reaction.objects.filter(checkin=checkin, member=actor, cleared_at__isnull=True)}


@dataclass
class ReviewItem:
    checkin: CheckIn
    confidence_change: int | None
    seen: Reaction | None
    flag: Reaction | None
    comments: list[Comment]


@dataclass
class ReviewRow:
    report: ReportRow
    items: list[ReviewItem]
    confidence_trend: list[int]


@dataclass
class TeamReview:
    rows: list[ReviewRow]
    week: date
    checked_in: int
    missing: int


def team_review(*, actor: Membership, today: date | None = None) -> TeamReview:
    """The manager's weekly review: ``manager_review`` plus reactions, comments and per-goal confidence changes.

    One more query than ``manager_review`` (the comments), whatever the number of reports.
    """
    today = today or timezone.localdate()
    reports = manager_review(actor=actor, today=today)
    latest = [c for r in reports for c in r.latest]
    prefetch_related_objects(
        latest, Prefetch("kr_updates", queryset=KeyResultUpdate.objects.select_related("key_result").order_by("id"))
    )
    latest_ids = [c.pk for c in latest]
    comments: dict[int, list[Comment]] = {}
    if latest_ids:
        for comment in (
            Comment.objects.filter(checkin_id__in=latest_ids).select_related("author__user").order_by("created_at")
        ):
            comments.setdefault(comment.checkin_id, []).append(comment)
    rows = []
    for report in reports:
        items = []
        newest_per_goal: dict[int, CheckIn] = {}
        for c in report.latest:  # newest first: keep each goal's latest check-in of the period
            newest_per_goal.setdefault(c.goal_id, c)
        for c in newest_per_goal.values():
            earlier = [
                o.confidence
                for o in report.recent
                if o.goal_id == c.goal_id and o.confidence is not None and (o.created_at, o.pk) < (c.created_at, c.pk)
            ]
            change = c.confidence - earlier[0] if earlier and c.confidence is not None else None
            mine = {r.kind: r for r in c.reactions.all() if r.member_id == actor.pk and r.cleared_at is None}
            items.append(
                ReviewItem(
                    checkin=c,
                    confidence_change=change,
                    seen=mine.get(Reaction.Kind.SEEN),
                    flag=mine.get(Reaction.Kind.FLAG),
                    comments=comments.get(c.pk, []),
                )
            )
        trend = [c.confidence for c in reversed(report.recent) if c.confidence is not None]
        rows.append(ReviewRow(report=report, items=items, confidence_trend=trend))
    done = sum(1 for r in reports if r.checked_in)
    return TeamReview(rows=rows, week=period_start(today), checked_in=done, missing=len(reports) - done)


def review_item(*, actor: Membership, checkin: CheckIn) -> ReviewItem:
    """One check-in of the manager review, fresh (for an htmx swap after a reaction or a comment)."""
    mine = reactions_by(actor=actor, checkin=checkin)
    return ReviewItem(
        checkin=checkin,
        confidence_change=None,
        seen=mine.get(Reaction.Kind.SEEN),
        flag=mine.get(Reaction.Kind.FLAG),
        comments=comments_for(checkin=checkin),
    )


def celebration_detail(*, actor: Membership, public_id) -> Celebration:
    """One celebration with its kudos and comments (for an htmx swap)."""
    celebration = celebration_get(actor=actor, public_id=public_id)
    return (
        Celebration.objects.filter(pk=celebration.pk)
        .select_related("goal", "member__user")
        .prefetch_related("kudos__giver__user", "comments__author__user")
        .get()
    )


def checkin_goal_get(*, actor: Membership, public_id) -> Goal:
    """A goal the actor can see (else 404), with its key results, ready for a check-in form."""
    goal = goal_get(actor=actor, public_id=public_id)
    prefetch_related_objects([goal], Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id")))
    return goal


@dataclass
class GoalFormPage:
    last_values: dict[int, Decimal]
    last_checkins: dict[int, CheckIn]
    colleagues: list[Membership]


def goal_checkin_form(*, actor: Membership, goal: Goal) -> GoalFormPage:
    return GoalFormPage(
        last_values=last_kr_values(kr_ids=[kr.pk for kr in goal.key_results.all()]),
        last_checkins=last_checkins(goal_ids=[goal.pk]),
        colleagues=colleagues(actor=actor),
    )
