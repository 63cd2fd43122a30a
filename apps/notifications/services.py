"""Notification writes: scans that decide who is due, the claim-before-send ledger, the sweeper.

How a send is made safe (see healthchecks' ``sendreports`` for the pattern):

1. A scan decides who is due and inserts one ``Delivery`` row per
   (person, kind, period) — the unique constraint makes a second scan, a
   second beat or a retried task insert nothing. Only the rows *this* scan
   inserted (its ``batch``) are enqueued, in chunks, after commit.
2. ``deliver`` claims a row with a conditional UPDATE (queued → sending, with
   a fresh claim token). Zero rows updated means someone else has it.
3. Inside one transaction it marks the row sent (only while the token is still
   ours), writes the in-app notification and sends; an exception rolls the
   mark back and the row is retried with exponential backoff, then failed.
4. The sweeper re-queues claims that were never completed (a killed worker)
   and re-enqueues queued rows whose broker message was lost.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import Membership, Role, Team, TeamMembership, TeamRole, User
from apps.checkins.models import Celebration, CheckIn, Notice
from apps.goals.models import Goal, GoalSettings, GoalStatus, Milestone
from apps.goals.selectors import goal_health

from . import content, schedule
from .models import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryState,
    Digest,
    GoalHealthState,
    HealthChange,
    Notification,
    NotificationKind,
    ReminderPolicy,
    ReminderPreference,
    TeamReminderPolicy,
    TeamWebhook,
)

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "goalsite.notifications.unsubscribe"
BAD_HEALTH = ("at_risk", "off_track")
SEVERITY = {"at_risk": 1, "off_track": 2}


def conf(name: str, default):
    return getattr(settings, f"NOTIFICATIONS_{name}", default)


# --- policy --------------------------------------------------------------------------


def _policies(org_ids: Iterable[int]) -> dict[int, ReminderPolicy]:
    org_ids = set(org_ids)
    found = {p.organization_id: p for p in ReminderPolicy.objects.filter(organization_id__in=org_ids)}
    return {org_id: found.get(org_id) or ReminderPolicy(organization_id=org_id) for org_id in org_ids}


def _team_overrides(member_ids: Iterable[int] | None = None) -> dict[int, tuple[int, object]]:
    """Each person's team check-in day (weekday, time): the first of their teams (by name) with an override."""
    qs = TeamMembership.objects.filter(team__reminder_policy__isnull=False)
    if member_ids is not None:
        qs = qs.filter(membership_id__in=list(member_ids))
    rows = qs.order_by("membership_id", "team__name").values_list(
        "membership_id", "team__reminder_policy__weekday", "team__reminder_policy__local_time"
    )
    found: dict[int, tuple[int, object]] = {}
    for member_id, weekday, at in rows:
        found.setdefault(member_id, (weekday, at))
    return found


def _managed_team_overrides() -> dict[int, tuple[int, object]]:
    """A manager's team check-in day: the first team (by name) they manage that has an override."""
    rows = (
        TeamMembership.objects.filter(role=TeamRole.MANAGER, team__reminder_policy__isnull=False)
        .order_by("membership_id", "team__name")
        .values_list("membership_id", "team__reminder_policy__weekday", "team__reminder_policy__local_time")
    )
    found: dict[int, tuple[int, object]] = {}
    for member_id, weekday, at in rows:
        found.setdefault(member_id, (weekday, at))
    return found


@dataclass
class Due:
    """One send a scan decided on, before it is a ledger row."""

    organization_id: int
    kind: str
    period: str
    recipient_id: int | None = None
    team_id: int | None = None
    channel: str = Channel.EMAIL
    payload: dict = field(default_factory=dict)


@dataclass
class ScanResult:
    kind: str
    due: int = 0
    created: int = 0
    delivery_ids: list[int] = field(default_factory=list)
    people: list[str] = field(default_factory=list)


# --- who is due ----------------------------------------------------------------------


def _active_members():
    return Membership.objects.filter(is_active=True, user__is_active=True)


def reminders_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """People whose local reminder moment this week has passed and who have not been reminded or checked in.

    Precedence: the person's own weekday/time, else their team's override, else the
    organization's default. Off, paused, email off or inactive people are never due.
    """
    now = now or timezone.now()
    members = _active_members().filter(user__email_notifications=True)
    if organization_id is not None:
        members = members.filter(organization_id=organization_id)
    rows = list(
        members.values_list(
            "id",
            "organization_id",
            "user__time_zone",
            "reminder_preference__weekday",
            "reminder_preference__local_time",
            "reminder_preference__enabled",
            "reminder_preference__paused_until",
            "checkin_preference__cadence",
        )
    )
    if not rows:
        return []
    policies = _policies(r[1] for r in rows)
    overrides = _team_overrides()
    candidates: list[tuple[int, int, str, bool]] = []
    for member_id, org_id, zone, p_weekday, p_time, p_enabled, paused_until, cadence in rows:
        policy = policies[org_id]
        if not policy.reminders_enabled or p_enabled is False:
            continue
        team_weekday, team_time = overrides.get(member_id, (None, None))
        weekday = p_weekday if p_weekday is not None else (team_weekday if team_weekday is not None else policy.weekday)
        at = p_time or team_time or policy.local_time
        monday = schedule.due_this_week(now, zone, weekday, at)
        if monday is None:
            continue
        if paused_until is not None and schedule.local_week(now, zone).today <= paused_until:
            continue
        candidates.append((member_id, org_id, monday.isoformat(), cadence == "biweekly"))
    if not candidates:
        return []
    periods = {c[2] for c in candidates}
    mondays = {date.fromisoformat(p) for p in periods}
    look_at = set(mondays) | {m - timedelta(days=7) for m in mondays}
    checked = set(CheckIn.objects.filter(period_start__in=look_at).values_list("author_id", "period_start").distinct())
    already = set(
        Delivery.objects.filter(kind=DeliveryKind.REMINDER, period__in=periods).values_list("recipient_id", "period")
    )
    due = []
    for member_id, org_id, period, biweekly in candidates:
        monday = date.fromisoformat(period)
        if (member_id, monday) in checked or (member_id, period) in already:
            continue
        if biweekly and (member_id, monday - timedelta(days=7)) in checked:
            continue
        due.append(Due(organization_id=org_id, kind=DeliveryKind.REMINDER, period=period, recipient_id=member_id))
    return due


def _manager_ids() -> set[int]:
    line = set(
        _active_members()
        .filter(line_manager__isnull=False, line_manager__is_active=True)
        .values_list("line_manager_id", flat=True)
    )
    team = set(TeamMembership.objects.filter(role=TeamRole.MANAGER).values_list("membership_id", flat=True))
    return line | team


def manager_notices_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """Managers past the day after their team's check-in day who have not had this week's notice."""
    now = now or timezone.now()
    managers = _active_members().filter(id__in=_manager_ids())
    if organization_id is not None:
        managers = managers.filter(organization_id=organization_id)
    rows = list(managers.values_list("id", "organization_id", "user__time_zone", "user__email_notifications"))
    policies = _policies(r[1] for r in rows)
    overrides = _managed_team_overrides()
    due: list[Due] = []
    for member_id, org_id, zone, email_on in rows:
        policy = policies[org_id]
        if not policy.manager_notices_enabled:
            continue
        weekday, at = overrides.get(member_id, (policy.weekday, policy.local_time))
        monday = schedule.due_day_after(now, zone, weekday, at)
        if monday is None:
            continue
        due.append(
            Due(
                organization_id=org_id,
                kind=DeliveryKind.MANAGER_NOTICE,
                period=monday.isoformat(),
                recipient_id=member_id,
                channel=Channel.EMAIL if email_on else Channel.IN_APP,
            )
        )
    due.extend(_team_webhooks_due(now=now, organization_id=organization_id, policies=policies))
    return due


def _team_webhooks_due(*, now: datetime, organization_id: int | None, policies) -> list[Due]:
    hooks = TeamWebhook.objects.filter(is_active=True).select_related("team")
    if organization_id is not None:
        hooks = hooks.filter(organization_id=organization_id)
    due = []
    for hook in hooks:
        policy = policies.get(hook.organization_id) or _policies([hook.organization_id])[hook.organization_id]
        override = TeamReminderPolicy.objects.filter(team_id=hook.team_id).first()
        weekday, at = (override.weekday, override.local_time) if override else (policy.weekday, policy.local_time)
        monday = schedule.due_day_after(now, "UTC", weekday, at)
        if monday is not None:
            due.append(
                Due(
                    organization_id=hook.organization_id,
                    kind=DeliveryKind.TEAM_WEBHOOK,
                    period=f"checkins-{monday.isoformat()}",
                    team_id=hook.team_id,
                    channel=Channel.WEBHOOK,
                    payload={"event": "team_checkins", "week": monday.isoformat()},
                )
            )
    return due


def digests_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """Weekly digests for last week: a team digest for each manager, a personal one for everyone with goals."""
    now = now or timezone.now()
    members = _active_members()
    if organization_id is not None:
        members = members.filter(organization_id=organization_id)
    rows = list(members.values_list("id", "organization_id", "user__time_zone", "user__email_notifications"))
    policies = _policies(r[1] for r in rows)
    managers = _manager_ids()
    with_goals = set(
        Goal.objects.filter(owner_member__isnull=False)
        .exclude(status=GoalStatus.DRAFT)
        .values_list("owner_member_id", flat=True)
        .distinct()
    )
    due: list[Due] = []
    for member_id, org_id, zone, email_on in rows:
        policy = policies[org_id]
        if not policy.digests_enabled:
            continue
        monday = schedule.due_this_week(now, zone, policy.digest_weekday, policy.digest_time)
        if monday is None:
            continue
        period = (monday - timedelta(days=7)).isoformat()
        channel = Channel.EMAIL if email_on else Channel.IN_APP
        if member_id in managers:
            due.append(Due(org_id, DeliveryKind.MANAGER_DIGEST, period, recipient_id=member_id, channel=channel))
        if member_id in with_goals:
            due.append(Due(org_id, DeliveryKind.PERSONAL_DIGEST, period, recipient_id=member_id, channel=channel))
    return due


def _goal_audience(goal: Goal) -> list[int]:
    """Who is told about a goal: its owner, or a team goal's managers."""
    if goal.owner_member_id:
        return [goal.owner_member_id]
    return list(
        TeamMembership.objects.filter(team_id=goal.owner_team_id, role=TeamRole.MANAGER).values_list(
            "membership_id", flat=True
        )
    )


def health_alerts_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """Goals whose health moved into at risk / off track since the last scan: owner and line manager, once per change.

    The first time a goal is seen its health is only recorded (no alert for old news).
    """
    now = now or timezone.now()
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE).select_related("owner_member")
    if organization_id is not None:
        goals = goals.filter(organization_id=organization_id)
    goals = list(goals)
    settings_rows = {
        s.organization_id: s
        for s in GoalSettings.objects.filter(organization_id__in={g.organization_id for g in goals})
    }
    states = {s.goal_id: s for s in GoalHealthState.objects.filter(goal_id__in=[g.pk for g in goals])}
    today = now.date()
    fresh: list[GoalHealthState] = []
    due: list[Due] = []
    for goal in goals:
        settings_row = settings_rows.get(goal.organization_id) or GoalSettings(organization_id=goal.organization_id)
        health = goal_health(goal, settings_row, today)
        state = states.get(goal.pk)
        if state is None:
            fresh.append(GoalHealthState(goal=goal, code=health.code, why=health.why[:500], changed_at=now))
            continue
        if state.code == health.code:
            continue
        # Claim the change: only the scan that moves the counter records and alerts.
        moved = GoalHealthState.objects.filter(pk=state.pk, changes=state.changes, code=state.code).update(
            code=health.code, why=health.why[:500], changes=F("changes") + 1, changed_at=now
        )
        if not moved or health.code not in BAD_HEALTH:
            continue
        if SEVERITY.get(health.code, 0) <= SEVERITY.get(state.code, 0):
            continue
        number = state.changes + 1
        HealthChange.objects.create(
            organization_id=goal.organization_id,
            goal=goal,
            old_code=state.code,
            new_code=health.code,
            why=health.why[:500],
            number=number,
        )
        people = set(_goal_audience(goal))
        if goal.owner_member_id and goal.owner_member.line_manager_id:
            people.add(goal.owner_member.line_manager_id)
        payload = {"goal_id": goal.pk, "old": state.code, "new": health.code, "why": health.why[:500]}
        for member_id in sorted(people):
            due.append(
                Due(
                    goal.organization_id,
                    DeliveryKind.HEALTH_ALERT,
                    f"goal-{goal.pk}:{number}",
                    member_id,
                    payload=payload,
                )
            )
    if fresh:
        GoalHealthState.objects.bulk_create(fresh, ignore_conflicts=True)
    return due


def due_soon_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """Goals and steps due within the organization's N days (default 3): told once per due date."""
    now = now or timezone.now()
    today = now.date()
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE, due_date__gte=today)
    milestones = Milestone.objects.filter(
        goal__status=GoalStatus.ACTIVE, completed_at__isnull=True, due_date__gte=today
    ).select_related("goal")
    if organization_id is not None:
        goals = goals.filter(organization_id=organization_id)
        milestones = milestones.filter(organization_id=organization_id)
    policies = _policies(
        set(goals.values_list("organization_id", flat=True)) | set(milestones.values_list("organization_id", flat=True))
    )
    horizon = max([p.due_soon_days for p in policies.values()] or [0])
    due = []
    for goal in goals.filter(due_date__lte=today + timedelta(days=horizon)):
        days = policies[goal.organization_id].due_soon_days
        if days and goal.due_date <= today + timedelta(days=days):
            payload = {"goal_id": goal.pk, "due": goal.due_date.isoformat(), "what": "goal"}
            for member_id in _goal_audience(goal):
                due.append(
                    Due(
                        goal.organization_id,
                        DeliveryKind.DUE_SOON,
                        f"goal-{goal.pk}-{goal.due_date}",
                        member_id,
                        payload=payload,
                    )
                )
    for step in milestones.filter(due_date__lte=today + timedelta(days=horizon)):
        days = policies[step.organization_id].due_soon_days
        if days and step.due_date <= today + timedelta(days=days):
            payload = {
                "goal_id": step.goal_id,
                "milestone_id": step.pk,
                "due": step.due_date.isoformat(),
                "what": "step",
            }
            for member_id in _goal_audience(step.goal):
                due.append(
                    Due(
                        step.organization_id,
                        DeliveryKind.DUE_SOON,
                        f"step-{step.pk}-{step.due_date}",
                        member_id,
                        payload=payload,
                    )
                )
    return due


def celebrations_due(*, now: datetime | None = None, organization_id: int | None = None) -> list[Due]:
    """A reached milestone or key-result target: the owner (by email) and their team (in the app), once."""
    now = now or timezone.now()
    since = now - timedelta(days=conf("CELEBRATION_WINDOW_DAYS", 7))
    celebrations = Celebration.objects.filter(created_at__gte=since).select_related("goal")
    if organization_id is not None:
        celebrations = celebrations.filter(organization_id=organization_id)
    hooks = dict(TeamWebhook.objects.filter(is_active=True).values_list("team_id", "id"))
    due = []
    for celebration in celebrations:
        goal = celebration.goal
        owners = {celebration.member_id}
        if goal.owner_member_id:
            owners.add(goal.owner_member_id)
            team_ids = set(
                TeamMembership.objects.filter(membership_id=goal.owner_member_id).values_list("team_id", flat=True)
            )
        else:
            team_ids = {goal.owner_team_id}
        teammates = set(
            TeamMembership.objects.filter(team_id__in=team_ids, membership__is_active=True).values_list(
                "membership_id", flat=True
            )
        )
        payload = {"celebration_id": celebration.pk}
        period = f"cel-{celebration.pk}"
        for member_id in sorted(owners | teammates):
            channel = Channel.EMAIL if member_id in owners else Channel.IN_APP
            due.append(
                Due(
                    celebration.organization_id,
                    DeliveryKind.CELEBRATION,
                    period,
                    member_id,
                    channel=channel,
                    payload=payload,
                )
            )
        for team_id in sorted(team_ids):
            if team_id in hooks:
                due.append(
                    Due(
                        celebration.organization_id,
                        DeliveryKind.TEAM_WEBHOOK,
                        period,
                        team_id=team_id,
                        channel=Channel.WEBHOOK,
                        payload={"event": "celebration", **payload},
                    )
                )
    return due


SCANNERS = {
    "reminders": reminders_due,
    "manager_notices": manager_notices_due,
    "digests": digests_due,
    "alerts": health_alerts_due,
    "due_soon": due_soon_due,
    "celebrations": celebrations_due,
}


# --- the ledger ----------------------------------------------------------------------


def ledger_insert(*, due: list[Due], now: datetime | None = None) -> list[int]:
    """Insert the ledger rows (existing keys are left alone) and return the ids *this* call inserted."""
    if not due:
        return []
    now = now or timezone.now()
    batch = uuid.uuid4()
    Delivery.objects.bulk_create(
        [
            Delivery(
                organization_id=d.organization_id,
                recipient_id=d.recipient_id,
                team_id=d.team_id,
                kind=d.kind,
                period=d.period,
                channel=d.channel,
                payload=d.payload,
                batch=batch,
                enqueued_at=now,
            )
            for d in due
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return list(Delivery.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))


def enqueue(delivery_ids: list[int], *, countdown: int | None = None) -> int:
    """Publish send tasks in chunks (call it from ``transaction.on_commit``)."""
    from .tasks import send_batch

    # Chunks of at most BATCH_SIZE ids, and at least a few chunks, so a small fan-out
    # (500 manager digests) still keeps every worker process busy.
    size = max(1, min(conf("BATCH_SIZE", 500), max(50, -(-len(delivery_ids) // conf("MIN_CHUNKS", 4)))))
    options = {}
    if conf("QUEUE", None):
        options["queue"] = conf("QUEUE", None)  # a dedicated queue, so a big fan-out never starves other tasks
    if countdown:
        options["countdown"] = countdown
    chunks = 0
    for start in range(0, len(delivery_ids), size):
        send_batch.apply_async((delivery_ids[start : start + size],), **options)
        chunks += 1
    return chunks


def scan(
    *,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    organization_id: int | None = None,
    enqueue_sends: bool = True,
) -> list[ScanResult]:
    """Decide who is due for each kind, record it in the ledger, and enqueue the sends after commit.

    ``enqueue_sends=False`` records only (the caller sends, e.g. ``notify_now --sync``).
    """
    now = now or timezone.now()
    results = []
    for kind in kinds or SCANNERS:
        scanner = SCANNERS[kind]
        with transaction.atomic():
            due = scanner(now=now, organization_id=organization_id)
            result = ScanResult(kind=kind, due=len(due))
            if dry_run:
                result.people = [
                    f"{d.kind} {d.period} → " + (f"member {d.recipient_id}" if d.recipient_id else f"team {d.team_id}")
                    for d in due
                ]
                transaction.set_rollback(True)  # the alert scan records health states: leave nothing behind
            else:
                result.delivery_ids = ledger_insert(due=due, now=now)
                result.created = len(result.delivery_ids)
                if result.delivery_ids and enqueue_sends:
                    transaction.on_commit(partial(enqueue, result.delivery_ids))
        results.append(result)
    return results


def _backoff(attempts: int) -> int:
    base = conf("RETRY_BASE", 60)
    return int(min(conf("RETRY_CAP", 900), base * (2 ** max(0, attempts - 1))))


def claim_many(*, delivery_ids: list[int], now: datetime | None = None) -> tuple[uuid.UUID, set[int]]:
    """queued → sending for a few rows under one fresh token; returns the token and the ids that are now ours."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = (
        Delivery.objects.filter(pk__in=delivery_ids, state=DeliveryState.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=5)))
        .update(state=DeliveryState.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1)
    )
    if not claimed:
        return token, set()
    if claimed == len(set(delivery_ids)):
        return token, set(delivery_ids)
    return token, set(Delivery.objects.filter(pk__in=delivery_ids, claim_token=token).values_list("id", flat=True))


def claim(*, delivery_id: int, now: datetime | None = None) -> uuid.UUID | None:
    """queued → sending with a fresh token, or None when the row is not ours to send."""
    token, ours = claim_many(delivery_ids=[delivery_id], now=now)
    return token if ours else None


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    not_claimed: int = 0
    retried: int = 0
    failed: int = 0


def _loaded(ids) -> dict[int, Delivery]:
    rows = Delivery.objects.filter(pk__in=ids, state=DeliveryState.QUEUED).select_related(
        "recipient__user", "recipient__organization", "team", "organization"
    )
    return {d.pk: d for d in rows}


class _Mailer:
    """The mail connections of one batch: opened on first use, reopened after a failure.

    With the SMTP backend, a batch's emails go out over ``SMTP_THREADS`` connections at
    once (threads only wait on the network: building the messages and every database
    write stay on the task's own thread). Other backends (console, file, the tests'
    transactional outbox) send one by one on the task's thread.
    """

    def __init__(self, connection=None):
        self.connection = connection
        self.borrowed = connection is not None
        threads = int(conf("SMTP_THREADS", 4))
        self.threaded = threads > 1 and isinstance(connection or mailers.default, SMTPBackend)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="smtp") if self.threaded else None
        self.local = threading.local()
        self.opened: list = []
        self.lock = threading.Lock()

    def get(self):
        if self.connection is None:
            self.connection = mailers.default  # a new backend instance on each access
            self.connection.open()  # open here, so send_messages reuses it instead of one connection per message
        return self.connection

    def reset(self) -> None:
        if self.connection is not None and not self.borrowed:
            _close_quietly(self.connection)
        self.connection = None
        self.borrowed = False

    def send_all(self, pairs: list[tuple[Delivery, content.Message]]) -> dict[int, Exception]:
        """Send every (delivery, message); returns the errors by delivery id."""
        errors: dict[int, Exception] = {}
        threaded = []
        for delivery, message in pairs:
            if self.pool is not None and message.webhook is None:
                threaded.append((delivery, message))
                continue
            try:
                content.send(delivery, message, connection=self.get())
            except Exception as error:  # retried, then shown on the operations page
                errors[delivery.pk] = error
                self.reset()  # a failed conversation is not trusted for the next message
        if threaded:
            for (delivery, _), error in zip(threaded, self.pool.map(self._send_here, threaded), strict=True):
                if error is not None:
                    errors[delivery.pk] = error
        return errors

    def _send_here(self, pair: tuple[Delivery, content.Message]) -> Exception | None:
        """On a sender thread: send over this thread's connection; return the error instead of raising."""
        connection = getattr(self.local, "connection", None)
        try:
            if connection is None:
                connection = self.local.connection = mailers.default
                connection.open()
                with self.lock:
                    self.opened.append(connection)
            content.send(pair[0], pair[1], connection=connection)
            return None
        except Exception as error:
            self.local.connection = None
            if connection is not None:
                _close_quietly(connection)
            return error
        finally:
            db_connection.close()  # rendering must not touch the database; if anything did, let it go

    def close(self) -> None:
        self.reset()
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            for connection in self.opened:
                _close_quietly(connection)


def deliver_batch(*, delivery_ids: list[int]) -> BatchResult:
    """Send each delivery that can still be claimed; one mail connection and one set of reads for the batch.

    The batch goes in groups of ``CLAIM_GROUP``: one UPDATE claims a group, one transaction
    marks it sent, records its in-app side and commits after its messages went out.
    """
    result = BatchResult()
    delivery_ids = list(dict.fromkeys(delivery_ids))  # a repeated id is one delivery
    # One read for the whole batch: a redelivered or redundant task skips what others already sent.
    rows = _loaded(delivery_ids)
    result.not_claimed = len(delivery_ids) - len(rows)
    context = content.BatchContext.load(list(rows.values()))
    queued = [i for i in delivery_ids if i in rows]
    group = conf("CLAIM_GROUP", 20)
    mailer = _Mailer()
    try:
        for start in range(0, len(queued), group):
            token, ours = claim_many(delivery_ids=queued[start : start + group])
            mine = [rows[i] for i in queued[start : start + group] if i in ours]
            result.not_claimed += len(queued[start : start + group]) - len(mine)
            for outcome in _deliver_group(mine, token=token, context=context, mailer=mailer).values():
                setattr(result, outcome, getattr(result, outcome) + 1)
    finally:
        mailer.close()
    return result


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a broken SMTP connection can fail to QUIT: nothing more to do with it
        log.debug("closing the mail connection failed", exc_info=True)


def deliver(
    *, delivery_id: int, connection=None, loaded: Delivery | None = None, context=None, token: uuid.UUID | None = None
) -> str:
    """Claim (unless ``token`` says the caller already did) and send one delivery.

    Returns sent / skipped / not_claimed / retried / failed; the claim token is what decides.
    """
    if token is None:
        token = claim(delivery_id=delivery_id)
        if token is None:
            return "not_claimed"
    delivery = loaded or Delivery.objects.select_related(
        "recipient__user", "recipient__organization", "team", "organization"
    ).get(pk=delivery_id)
    mailer = _Mailer(connection)
    try:
        return _deliver_group([delivery], token=token, context=context, mailer=mailer)[delivery_id]
    finally:
        mailer.close()


def _deliver_group(deliveries: list[Delivery], *, token: uuid.UUID, context, mailer: _Mailer) -> dict[int, str]:
    """Send deliveries claimed under ``token``; returns each one's outcome.

    Marks, in-app rows and (for a transactional mail backend) the messages commit together,
    after the sends: a worker killed mid-group leaves the group claimed, and the sweeper
    re-queues it. With SMTP, what was already handed over before the kill is sent again:
    at most one group per worker process (the messages in flight).
    """
    outcomes: dict[int, str] = {}
    if not deliveries:
        return outcomes
    ids = [d.pk for d in deliveries]
    if conf("CLAIM_ONLY", False):  # the bench's ledger-only run: what the claim itself costs
        Delivery.objects.filter(pk__in=ids, claim_token=token).update(state=DeliveryState.SENT, sent_at=timezone.now())
        return dict.fromkeys(ids, "sent")
    context = context or content.BatchContext.load(deliveries)
    built: dict[int, content.Message | None] = {}
    errors: dict[int, Exception] = {}
    for delivery in deliveries:
        try:
            built[delivery.pk] = content.build(delivery, context=context)
        except Exception as error:  # a message that cannot be built is retried like a failed send
            log.warning("delivery %s could not be built: %s", delivery.pk, error, exc_info=True)
            errors[delivery.pk] = error
    with transaction.atomic():
        live = set(
            Delivery.objects.select_for_update()
            .filter(pk__in=list(built), claim_token=token, state=DeliveryState.SENDING)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        skipped = [i for i in built if i in live and built[i] is None]
        to_send = [d for d in deliveries if d.pk in live and built[d.pk] is not None]
        if skipped:
            Delivery.objects.filter(pk__in=skipped).update(state=DeliveryState.SKIPPED, sent_at=now, last_error="")
        if to_send:
            Delivery.objects.filter(pk__in=[d.pk for d in to_send]).update(
                state=DeliveryState.SENT, sent_at=now, last_error=""
            )
        recorded = content.record([(d, built[d.pk]) for d in to_send])
        send_errors = mailer.send_all([(d, built[d.pk]) for d in to_send])
        failed_sends = [d.pk for d in to_send if d.pk in send_errors]
        for delivery_id, error in send_errors.items():
            log.warning("delivery %s failed: %s", delivery_id, error, exc_info=error)
            errors[delivery_id] = error
        if failed_sends:
            content.take_back([recorded[i] for i in failed_sends])
            Delivery.objects.filter(pk__in=failed_sends).update(state=DeliveryState.SENDING, sent_at=None)
        for delivery_id in ids:
            if delivery_id in errors:
                outcomes[delivery_id] = _fail(delivery_id=delivery_id, token=token, error=errors[delivery_id])
            elif delivery_id not in live:
                outcomes[delivery_id] = "not_claimed"  # the sweeper took it back: whoever holds it now sends it
            else:
                outcomes[delivery_id] = "skipped" if built[delivery_id] is None else "sent"
    return outcomes


def _fail(*, delivery_id: int, token: uuid.UUID, error: Exception) -> str:
    row = (
        Delivery.objects.filter(pk=delivery_id, claim_token=token, state=DeliveryState.SENDING)
        .values("attempts")
        .first()
    )
    if row is None:
        return "not_claimed"
    text = f"{type(error).__name__}: {error}"[:500]
    now = timezone.now()
    if row["attempts"] >= conf("MAX_ATTEMPTS", 5):
        Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
            state=DeliveryState.FAILED, last_error=text, claim_token=None
        )
        return "failed"
    delay = _backoff(row["attempts"])
    Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
        state=DeliveryState.QUEUED,
        last_error=text,
        claim_token=None,
        next_attempt_at=now + timedelta(seconds=delay),
        enqueued_at=now,
    )
    transaction.on_commit(partial(enqueue, [delivery_id], countdown=delay))
    return "retried"


@dataclass
class SweepResult:
    reclaimed: int = 0
    expired_failed: int = 0
    requeued: int = 0


def sweep(
    *, now: datetime | None = None, claim_timeout: int | None = None, requeue_after: int | None = None
) -> SweepResult:
    """Take back claims never completed (a killed worker) and re-enqueue queued rows whose message was lost."""
    now = now or timezone.now()
    claim_timeout = conf("CLAIM_TIMEOUT", 600) if claim_timeout is None else claim_timeout
    requeue_after = conf("REQUEUE_AFTER", 600) if requeue_after is None else requeue_after
    result = SweepResult()
    stale = Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=claim_timeout))
    result.expired_failed = stale.filter(attempts__gte=conf("MAX_ATTEMPTS", 5)).update(
        state=DeliveryState.FAILED, claim_token=None, last_error="The worker never finished this send."
    )
    result.reclaimed = stale.update(
        state=DeliveryState.QUEUED, claim_token=None, enqueued_at=None, last_error="Claim expired: sent again."
    )
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=DeliveryState.QUEUED)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - timedelta(seconds=requeue_after)))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .values_list("id", flat=True)[: conf("SWEEP_LIMIT", 100_000)]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
            transaction.on_commit(partial(enqueue, ids))
    result.requeued = len(ids)
    return result


@transaction.atomic
def delivery_retry(*, actor: Membership, delivery: Delivery) -> Delivery:
    """An admin sends a failed delivery again (from the operations page)."""
    if actor.role != Role.ADMIN or delivery.organization_id != actor.organization_id:
        raise PermissionDenied("Only an admin can retry a send.")
    updated = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.QUEUED, attempts=0, next_attempt_at=None, claim_token=None, enqueued_at=timezone.now()
    )
    if updated:
        transaction.on_commit(partial(enqueue, [delivery.pk]))
    delivery.refresh_from_db()
    return delivery


# --- in-app notifications --------------------------------------------------------------


NOTICE_KINDS = {
    Notice.Kind.HELP: NotificationKind.HELP,
    Notice.Kind.MENTION: NotificationKind.MENTION,
    Notice.Kind.KUDOS: NotificationKind.KUDOS,
    Notice.Kind.CELEBRATION: NotificationKind.CELEBRATION,
}


def notification_from_notice(*, notice: Notice) -> Notification:
    """Surface a check-ins notice (help, mention, kudos) in the notification centre, once."""
    from django.urls import reverse

    url = reverse("goals:detail", kwargs={"public_id": notice.goal.public_id}) if notice.goal_id else ""
    notification, _ = Notification.objects.get_or_create(
        notice=notice,
        defaults={
            "organization_id": notice.organization_id,
            "recipient_id": notice.recipient_id,
            "kind": NOTICE_KINDS.get(notice.kind, NotificationKind.MENTION),
            "title": notice.get_kind_display(),
            "body": notice.text,
            "url": url,
        },
    )
    return notification


def notification_mark_read(*, actor: Membership, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
        if notification.notice_id:
            Notice.objects.filter(pk=notification.notice_id, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, actor: Membership) -> int:
    now = timezone.now()
    with transaction.atomic():
        notice_ids = list(
            Notification.objects.for_recipient(actor)
            .unread()
            .filter(notice__isnull=False)
            .values_list("notice_id", flat=True)
        )
        count = Notification.objects.for_recipient(actor).unread().update(read_at=now)
        if notice_ids:
            Notice.objects.filter(pk__in=notice_ids, read_at__isnull=True).update(read_at=now)
    return count


# --- preferences and policy ------------------------------------------------------------


@transaction.atomic
def reminder_preference_set(
    *, actor: Membership, enabled: bool, weekday: int | None, local_time, paused_until
) -> ReminderPreference:
    if paused_until is not None and paused_until < schedule.local_week(timezone.now(), actor.user.time_zone).today:
        raise ValidationError({"paused_until": "Pick today or a later day."})
    preference, _ = ReminderPreference.objects.update_or_create(
        member=actor,
        defaults={
            "organization_id": actor.organization_id,
            "enabled": enabled,
            "weekday": weekday,
            "local_time": local_time,
            "paused_until": paused_until,
        },
    )
    return preference


@transaction.atomic
def reminder_policy_set(*, actor: Membership, **values) -> ReminderPolicy:
    if actor.role != Role.ADMIN:
        raise PermissionDenied("Only an admin can change the organization's reminder policy.")
    allowed = {
        "weekday",
        "local_time",
        "reminders_enabled",
        "manager_notices_enabled",
        "digest_weekday",
        "digest_time",
        "digests_enabled",
        "due_soon_days",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"Unknown policy fields: {sorted(unknown)}")
    policy, _ = ReminderPolicy.objects.update_or_create(organization_id=actor.organization_id, defaults=values)
    return policy


@transaction.atomic
def team_policy_set(
    *, actor: Membership, team: Team, weekday: int | None, local_time, webhook_url: str = ""
) -> TeamReminderPolicy | None:
    """Set (or clear, with weekday None) a team's check-in day, and its optional webhook."""
    if actor.role != Role.ADMIN or team.organization_id != actor.organization_id:
        raise PermissionDenied("Only an admin can change a team's reminder policy.")
    policy = None
    if weekday is None:
        TeamReminderPolicy.objects.filter(team=team).delete()
    else:
        if local_time is None:
            raise ValidationError({"local_time": "Pick a time for the team's check-in day."})
        policy, _ = TeamReminderPolicy.objects.update_or_create(
            team=team, defaults={"organization_id": team.organization_id, "weekday": weekday, "local_time": local_time}
        )
    if webhook_url:
        hook = TeamWebhook.objects.filter(team=team).first()
        if hook is None:
            TeamWebhook.objects.create(
                organization_id=team.organization_id, team=team, url=webhook_url, secret=secrets.token_urlsafe(32)
            )
        elif hook.url != webhook_url or not hook.is_active:
            TeamWebhook.objects.filter(pk=hook.pk).update(url=webhook_url, is_active=True)
    else:
        TeamWebhook.objects.filter(team=team).update(is_active=False)
    return policy


# --- unsubscribe -----------------------------------------------------------------------


def unsubscribe_token(user: User) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.public_id))


def user_for_unsubscribe_token(token: str) -> User | None:
    try:
        public_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
        return User.objects.filter(public_id=uuid.UUID(public_id)).first()
    except (signing.BadSignature, ValueError):
        return None


def unsubscribe(*, user: User) -> bool:
    """Switch off reminder and digest emails for the person behind a signed link. True when something changed."""
    return bool(User.objects.filter(pk=user.pk, email_notifications=True).update(email_notifications=False))


# --- digests -----------------------------------------------------------------------------


def digest_record(*, delivery: Delivery, data: dict, subject: str) -> tuple[Digest, bool]:
    kind = "manager" if delivery.kind == DeliveryKind.MANAGER_DIGEST else "personal"
    return Digest.objects.get_or_create(
        recipient_id=delivery.recipient_id,
        kind=kind,
        period_start=date.fromisoformat(delivery.period),
        defaults={"organization_id": delivery.organization_id, "subject": subject[:200], "data": data},
    )
