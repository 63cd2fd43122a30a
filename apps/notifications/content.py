"""What each delivery says, and the three ways it goes out (in-app, email, webhook).

``build`` reads (it may decide the send is no longer due and return None);
``send`` writes and sends, inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.accounts.models import Membership, TeamMembership, TeamRole
from apps.checkins.models import Blocker, Celebration, CheckIn
from apps.checkins.services import streak
from apps.goals.models import Goal, GoalStatus, Milestone

from . import schedule
from .mail import NotificationEmail
from .models import Channel, Delivery, DeliveryKind, Notification, NotificationKind, ReminderPreference


def path(name: str, fallback: str, **kwargs) -> str:
    if not kwargs:
        return _static_path(name, fallback)
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


@lru_cache(maxsize=64)
def _static_path(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def absolute(url_path: str) -> str:
    return f"{settings.SITE_URL}{url_path}"


def goal_path(goal: Goal) -> str:
    return path("goals:detail", f"/goals/{goal.public_id}/", public_id=goal.public_id)


@dataclass
class Message:
    kind: str  # NotificationKind
    subject: str
    title: str
    body: str
    url: str  # a path inside Goalsite
    template: str  # templates/notifications/email/<template>.{txt,html}
    context: dict = field(default_factory=dict)
    email: bool = True
    digest: dict | None = None
    webhook: dict | None = None


# --- build ---------------------------------------------------------------------------------


@dataclass
class BatchContext:
    """Reads shared by a batch of reminders: one query each instead of one per message."""

    preferences: dict[int, ReminderPreference] = field(default_factory=dict)
    checked_in: set[tuple[int, date]] = field(default_factory=set)
    goals: dict[int, list[Goal]] = field(default_factory=dict)

    @classmethod
    def load(cls, deliveries: list[Delivery]) -> BatchContext:
        reminders = [d for d in deliveries if d.kind == DeliveryKind.REMINDER and d.recipient_id]
        context = cls()
        if not reminders:
            return context
        member_ids = {d.recipient_id for d in reminders}
        weeks = {date.fromisoformat(d.period) for d in reminders}
        context.preferences = {p.member_id: p for p in ReminderPreference.objects.filter(member_id__in=member_ids)}
        context.checked_in = set(
            CheckIn.objects.filter(author_id__in=member_ids, period_start__in=weeks)
            .values_list("author_id", "period_start")
            .distinct()
        )
        goals = Goal.objects.filter(owner_member_id__in=member_ids, status=GoalStatus.ACTIVE).order_by(
            "due_date", "title"
        )
        for goal in goals:
            mine = context.goals.setdefault(goal.owner_member_id, [])
            if len(mine) < 5:
                mine.append(goal)
        return context


def build(delivery: Delivery, context: BatchContext | None = None) -> Message | None:
    if delivery.kind == DeliveryKind.REMINDER:
        return _reminder(delivery, context or BatchContext.load([delivery]))
    return BUILDERS[delivery.kind](delivery)


def _member_ok(member: Membership | None) -> bool:
    return member is not None and member.is_active and member.user.is_active


def _reminder(delivery: Delivery, context: BatchContext) -> Message | None:
    """Still due? (reminders on, not paused, not checked in since the scan), then the message."""
    member = delivery.recipient
    if not _member_ok(member) or not member.user.email_notifications:
        return None
    monday = date.fromisoformat(delivery.period)
    preference = context.preferences.get(member.pk)
    today = schedule.local_week(timezone.now(), member.user.time_zone).today
    if preference and (not preference.enabled or (preference.paused_until and today <= preference.paused_until)):
        return None
    if (member.pk, monday) in context.checked_in:
        return None
    goals = context.goals.get(member.pk, [])
    week_path = path("checkins:week", "/checkins/week/")
    return Message(
        kind=NotificationKind.REMINDER,
        subject="Time for your weekly check-in",
        title="Time for your weekly check-in",
        body=f"Week of {monday:%-d %B}: a couple of minutes on how your goals moved.",
        url=week_path,
        template="reminder",
        context={"member": member, "monday": monday, "goals": goals, "action_url": absolute(week_path)},
    )


def _reports_of(manager: Membership) -> list[Membership]:
    """Line reports and the members of teams the person manages (active, not the manager)."""
    team_ids = TeamMembership.objects.filter(membership=manager, role=TeamRole.MANAGER).values("team_id")
    team_member_ids = TeamMembership.objects.filter(team_id__in=team_ids).values("membership_id")
    from django.db.models import Q

    return list(
        Membership.objects.filter(organization_id=manager.organization_id, is_active=True, user__is_active=True)
        .filter(Q(line_manager=manager) | Q(id__in=team_member_ids))
        .exclude(pk=manager.pk)
        .select_related("user")
        .order_by("user__full_name")
        .distinct()
    )


def _manager_notice(delivery: Delivery) -> Message | None:
    manager = delivery.recipient
    if not _member_ok(manager):
        return None
    monday = date.fromisoformat(delivery.period)
    reports = _reports_of(manager)
    if not reports:
        return None
    done_ids = set(CheckIn.objects.filter(author__in=reports, period_start=monday).values_list("author_id", flat=True))
    checked_in = [m for m in reports if m.pk in done_ids]
    missing = [m for m in reports if m.pk not in done_ids]
    team_path = path("checkins:team", "/checkins/team/")
    return Message(
        kind=NotificationKind.MANAGER_NOTICE,
        subject=f"Check-ins for the week of {monday:%-d %B}: {len(checked_in)} of {len(reports)}",
        title=f"{len(checked_in)} of {len(reports)} checked in this week",
        body=("Not yet: " + ", ".join(m.user.full_name for m in missing)) if missing else "Everyone checked in.",
        url=team_path,
        template="manager_notice",
        context={
            "member": manager,
            "monday": monday,
            "checked_in": checked_in,
            "missing": missing,
            "total": len(reports),
            "action_url": absolute(team_path),
        },
        email=delivery.channel == Channel.EMAIL,
    )


def _progress_at(goal_ids: list[int], before) -> dict[int, float]:
    """Each goal's progress as of its last check-in before ``before``."""
    found: dict[int, float] = {}
    rows = (
        CheckIn.objects.filter(goal_id__in=goal_ids, created_at__lt=before)
        .order_by("goal_id", "-created_at", "-id")
        .values_list("goal_id", "progress")
    )
    for goal_id, progress in rows:
        found.setdefault(goal_id, progress)
    return found


def _week_bounds(monday: date, member: Membership):
    zone = schedule.tz(member.user.time_zone)
    start = schedule.local_moment(monday, 0, time(0, 0), zone)
    end = schedule.local_moment(monday + timedelta(days=7), 0, time(0, 0), zone)
    return start, end


def _goal_lines(goals: list[Goal], start, end) -> list[dict]:
    ids = [g.pk for g in goals]
    before = _progress_at(ids, start)
    after = _progress_at(ids, end)
    lines = []
    for goal in goals:
        old = before.get(goal.pk, 0.0)
        new = after.get(goal.pk, goal.progress)
        lines.append(
            {
                "title": goal.title,
                "url": absolute(goal_path(goal)),
                "owner": goal.owner_name,
                "progress": round(new * 100),
                "change": round(new * 100) - round(old * 100),
            }
        )
    return lines


def _manager_digest(delivery: Delivery) -> Message | None:
    manager = delivery.recipient
    if not _member_ok(manager):
        return None
    monday = date.fromisoformat(delivery.period)
    start, end = _week_bounds(monday, manager)
    reports = _reports_of(manager)
    report_ids = [m.pk for m in reports]
    goals = list(
        Goal.objects.filter(owner_member_id__in=report_ids, status=GoalStatus.ACTIVE)
        .select_related("owner_member__user", "owner_team")
        .order_by("owner_member__user__full_name", "title")
    )
    lines = _goal_lines(goals, start, end)
    avg_now = round(sum(line["progress"] for line in lines) / len(lines)) if lines else 0
    avg_change = round(sum(line["change"] for line in lines) / len(lines)) if lines else 0
    celebrations = list(
        Celebration.objects.filter(
            organization_id=manager.organization_id,
            goal__owner_member_id__in=report_ids,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("goal", "member__user")
        .order_by("created_at")
    )
    from .models import HealthChange

    at_risk = list(
        HealthChange.objects.filter(
            organization_id=manager.organization_id,
            goal__owner_member_id__in=report_ids,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("goal__owner_member__user")
        .order_by("created_at")
    )
    done_ids = set(
        CheckIn.objects.filter(author_id__in=report_ids, period_start=monday).values_list("author_id", flat=True)
    )
    blockers = list(
        Blocker.objects.filter(author_id__in=report_ids, resolved_at__isnull=True)
        .select_related("goal", "author__user")
        .order_by("-created_at")[:20]
    )
    data = {
        "week": monday.isoformat(),
        "people": len(reports),
        "average_progress": avg_now,
        "average_change": avg_change,
        "goals": lines,
        "celebrations": [
            {"subject": c.subject, "who": c.member.user.full_name, "goal": c.goal.title, "kind": c.get_kind_display()}
            for c in celebrations
        ],
        "at_risk": [
            {
                "goal": h.goal.title,
                "url": absolute(goal_path(h.goal)),
                "owner": h.goal.owner_name,
                "status": h.new_code.replace("_", " "),
                "why": h.why,
            }
            for h in at_risk
        ],
        "missing": [m.user.full_name for m in reports if m.pk not in done_ids],
        "blockers": [{"who": b.author.user.full_name, "goal": b.goal.title, "text": b.text[:300]} for b in blockers],
    }
    subject = f"Team digest, week of {monday:%-d %B}: {avg_change:+d} points"
    return _digest_message(delivery, data, subject, "manager_digest", NotificationKind.DIGEST)


def _personal_digest(delivery: Delivery) -> Message | None:
    member = delivery.recipient
    if not _member_ok(member):
        return None
    monday = date.fromisoformat(delivery.period)
    start, end = _week_bounds(monday, member)
    goals = list(
        Goal.objects.filter(owner_member=member, status=GoalStatus.ACTIVE)
        .select_related("owner_member__user", "owner_team")
        .order_by("due_date", "title")
    )
    lines = _goal_lines(goals, start, end)
    today = schedule.local_week(timezone.now(), member.user.time_zone).today
    periods = list(
        CheckIn.objects.filter(author=member, period_start__gte=today - timedelta(weeks=104))
        .values_list("period_start", flat=True)
        .distinct()
    )
    horizon = today + timedelta(days=14)
    due_goals = [g for g in goals if g.due_date and today <= g.due_date <= horizon]
    due_steps = list(
        Milestone.objects.filter(
            goal__owner_member=member,
            goal__status=GoalStatus.ACTIVE,
            completed_at__isnull=True,
            due_date__gte=today,
            due_date__lte=horizon,
        )
        .select_related("goal")
        .order_by("due_date")[:10]
    )
    data = {
        "week": monday.isoformat(),
        "goals": lines,
        "checked_in": monday in set(periods),
        "streak": streak(periods=periods, today=today),
        "due_next": [
            {"what": "Goal", "title": g.title, "due": g.due_date.isoformat(), "url": absolute(goal_path(g))}
            for g in due_goals
        ]
        + [
            {
                "what": "Step",
                "title": f"{s.title} ({s.goal.title})",
                "due": s.due_date.isoformat(),
                "url": absolute(goal_path(s.goal)),
            }
            for s in due_steps
        ],
    }
    data["due_next"].sort(key=lambda item: item["due"])
    subject = f"Your week of {monday:%-d %B} in Goalsite"
    return _digest_message(delivery, data, subject, "personal_digest", NotificationKind.DIGEST)


def _digest_message(delivery: Delivery, data: dict, subject: str, template: str, kind: str) -> Message:
    archive = path("notifications:digests", "/digests/")
    return Message(
        kind=kind,
        subject=subject,
        title=subject,
        body="Your weekly summary is in the digest archive.",
        url=archive,
        template=template,
        context={"member": delivery.recipient, "data": data, "action_url": absolute(archive)},
        email=delivery.channel == Channel.EMAIL,
        digest=data,
    )


def _health_alert(delivery: Delivery) -> Message | None:
    member = delivery.recipient
    goal = Goal.objects.filter(pk=delivery.payload.get("goal_id"), organization_id=delivery.organization_id).first()
    if not _member_ok(member) or goal is None or goal.status != GoalStatus.ACTIVE:
        return None
    status = delivery.payload.get("new", "at_risk").replace("_", " ")
    goal_url = goal_path(goal)
    return Message(
        kind=NotificationKind.HEALTH_ALERT,
        subject=f"“{goal.title}” is now {status}",
        title=f"“{goal.title}” is now {status}",
        body=delivery.payload.get("why", ""),
        url=goal_url,
        template="health_alert",
        context={
            "member": member,
            "goal": goal,
            "status": status,
            "why": delivery.payload.get("why", ""),
            "action_url": absolute(goal_url),
        },
        email=delivery.channel == Channel.EMAIL and member.user.email_notifications,
    )


def _due_soon(delivery: Delivery) -> Message | None:
    member = delivery.recipient
    goal = Goal.objects.filter(pk=delivery.payload.get("goal_id"), organization_id=delivery.organization_id).first()
    if not _member_ok(member) or goal is None or goal.status != GoalStatus.ACTIVE:
        return None
    due = date.fromisoformat(delivery.payload["due"])
    title = goal.title
    if delivery.payload.get("what") == "step":
        step = Milestone.objects.filter(pk=delivery.payload.get("milestone_id"), goal=goal).first()
        if step is None or step.completed_at is not None or step.due_date != due:
            return None
        title = f"{step.title} ({goal.title})"
    elif goal.due_date != due:
        return None
    goal_url = goal_path(goal)
    return Message(
        kind=NotificationKind.DUE_SOON,
        subject=f"Due {due:%a %-d %b}: {title}",
        title=f"Due {due:%a %-d %b}: {title}",
        body="Close to its due date: finish it, reschedule it, or say what is in the way.",
        url=goal_url,
        template="due_soon",
        context={"member": member, "title": title, "due": due, "action_url": absolute(goal_url)},
        email=delivery.channel == Channel.EMAIL and member.user.email_notifications,
    )


def _celebration(delivery: Delivery) -> Message | None:
    member = delivery.recipient
    celebration = (
        Celebration.objects.filter(pk=delivery.payload.get("celebration_id"), organization_id=delivery.organization_id)
        .select_related("goal", "member__user")
        .first()
    )
    if not _member_ok(member) or celebration is None:
        return None
    feed = path("checkins:feed", "/checkins/feed/")
    mine = celebration.member_id == member.pk
    who = "You" if mine else celebration.member.user.full_name
    return Message(
        kind=NotificationKind.CELEBRATION,
        subject=f"🎉 {celebration.subject}",
        title=f"🎉 {celebration.subject}",
        body=f"{who} — {celebration.get_kind_display().lower()} on “{celebration.goal.title}”.",
        url=feed,
        template="celebration",
        context={"member": member, "celebration": celebration, "who": who, "action_url": absolute(feed)},
        email=delivery.channel == Channel.EMAIL and member.user.email_notifications,
    )


def _team_webhook(delivery: Delivery) -> Message | None:
    team = delivery.team
    hook = getattr(team, "webhook", None) if team else None
    if hook is None or not hook.is_active:
        return None
    event = delivery.payload.get("event")
    if event == "celebration":
        celebration = (
            Celebration.objects.filter(pk=delivery.payload.get("celebration_id"))
            .select_related("goal", "member__user")
            .first()
        )
        if celebration is None:
            return None
        text = f"🎉 {celebration.member.user.full_name}: {celebration.subject} (“{celebration.goal.title}”)"
    else:
        monday = date.fromisoformat(delivery.payload["week"])
        members = list(
            Membership.objects.filter(team_memberships__team=team, is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )
        done = set(CheckIn.objects.filter(author__in=members, period_start=monday).values_list("author_id", flat=True))
        missing = [m.user.full_name for m in members if m.pk not in done]
        text = f"{team.name}: {len(done)} of {len(members)} checked in for the week of {monday:%-d %B}."
        if missing:
            text += " Not yet: " + ", ".join(missing) + "."
    body = {"text": text, "event": event, "team": team.name, "delivery": str(delivery.public_id)}
    return Message(kind="", subject="", title="", body=text, url="", template="", email=False, webhook=body)


BUILDERS = {
    DeliveryKind.MANAGER_NOTICE: _manager_notice,
    DeliveryKind.MANAGER_DIGEST: _manager_digest,
    DeliveryKind.PERSONAL_DIGEST: _personal_digest,
    DeliveryKind.HEALTH_ALERT: _health_alert,
    DeliveryKind.DUE_SOON: _due_soon,
    DeliveryKind.CELEBRATION: _celebration,
    DeliveryKind.TEAM_WEBHOOK: _team_webhook,
}


# --- send ----------------------------------------------------------------------------------


def render_email(delivery: Delivery, message: Message) -> NotificationEmail:
    from .services import unsubscribe_token

    user = delivery.recipient.user
    token = unsubscribe_token(user)
    unsubscribe_page = path("notifications:unsubscribe", "/unsubscribe/", token=token)
    one_click = path("notifications:unsubscribe_one_click", "/unsubscribe/", token=token)
    context = {
        **message.context,
        "subject": message.subject,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": absolute(unsubscribe_page),
        "preferences_url": absolute(path("notifications:preferences", "/notifications/preferences/")),
    }
    email = NotificationEmail(
        subject=message.subject,
        body=render_to_string(f"notifications/email/{message.template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{absolute(one_click)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Goalsite-Delivery": str(delivery.public_id),
            "X-Goalsite-Kind": delivery.kind,
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(render_to_string(f"notifications/email/{message.template}.html", context), "text/html")
    return email


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, secret: str, payload: dict, timeout: float = 5.0) -> int:
    body = json.dumps(payload, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - an admin-entered https/http URL, validated by the form
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Goalsite-Webhook/1",
            "X-Goalsite-Signature": sign(secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.status


@dataclass
class Recorded:
    """What ``record`` wrote for one delivery, so a failed send can take it back."""

    notification: Notification | None = None
    digest_id: int | None = None  # set when this send created the archive entry


def record(pairs: list[tuple[Delivery, Message]]) -> dict[int, Recorded]:
    """Write the in-app side of several sends (inside the caller's transaction): one insert for all."""
    from .services import digest_record

    recorded: dict[int, Recorded] = {}
    rows = []
    for delivery, message in pairs:
        entry = recorded[delivery.pk] = Recorded()
        if message.webhook is not None:
            continue
        if message.digest is not None:
            digest, created = digest_record(delivery=delivery, data=message.digest, subject=message.subject)
            entry.digest_id = digest.pk if created else None
            message.url = path("notifications:digest", message.url, public_id=digest.public_id)
        # The claim makes this the only transaction that can mark the delivery sent, so a plain
        # insert is enough (the one-to-one key would refuse a second one anyway).
        entry.notification = Notification(
            delivery=delivery,
            organization_id=delivery.organization_id,
            recipient_id=delivery.recipient_id,
            kind=message.kind,
            title=message.title[:200],
            body=message.body[:2000],
            url=message.url,
        )
        rows.append(entry.notification)
    Notification.objects.bulk_create(rows)
    return recorded


def take_back(recorded: list[Recorded]) -> None:
    """Undo ``record`` for sends that failed (same transaction)."""
    notification_ids = [r.notification.pk for r in recorded if r.notification is not None]
    digest_ids = [r.digest_id for r in recorded if r.digest_id is not None]
    if notification_ids:
        Notification.objects.filter(pk__in=notification_ids).delete()
    if digest_ids:
        from .models import Digest

        Digest.objects.filter(pk__in=digest_ids).delete()


def send(delivery: Delivery, message: Message, *, connection=None) -> None:
    """The outgoing side: post the webhook or send the email; raises on a failed send."""
    if message.webhook is not None:
        hook = delivery.team.webhook
        post_webhook(hook.url, hook.secret, message.webhook, timeout=conf_timeout())
        return
    if message.email and delivery.recipient.user.email_notifications:
        email = render_email(delivery, message)
        if connection is not None:
            connection.send_messages([email])  # the batch's open connection (SMTP: no reconnect per message)
        else:
            email.send()


def conf_timeout() -> float:
    return float(getattr(settings, "NOTIFICATIONS_WEBHOOK_TIMEOUT", 5.0))
