"""Notification reads for an actor. Everything starts from the actor's organization; other ids are a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from apps.accounts.models import Membership, Team, TeamMembership
from apps.core.models import BeatTick
from apps.core.selectors import get_or_404

from .models import (
    Delivery,
    DeliveryState,
    Digest,
    Notification,
    ReminderPolicy,
    ReminderPreference,
    TeamReminderPolicy,
    TeamWebhook,
    Weekday,
)

_get_or_404 = get_or_404


# --- notification centre -------------------------------------------------------------------


def unread_count(*, actor: Membership) -> int:
    """The navigation bell's number, on every page: one plain statement (no queryset to compile)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL",  # noqa: S608 - a table name
            [actor.pk],
        )
        return cursor.fetchone()[0]


def notification_list(*, actor: Membership, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.for_recipient(actor).order_by("-created_at", "-id")[:limit])


def notification_get(*, actor: Membership, public_id) -> Notification:
    return _get_or_404(Notification.objects.for_recipient(actor), public_id=public_id)


# --- digests -------------------------------------------------------------------------------


def digest_list(*, actor: Membership, limit: int = 104) -> list[Digest]:
    return list(
        Digest.objects.filter(recipient=actor, organization_id=actor.organization_id)
        .only("public_id", "kind", "period_start", "subject", "created_at")
        .order_by("-period_start", "kind")[:limit]
    )


def digest_get(*, actor: Membership, public_id) -> Digest:
    return _get_or_404(
        Digest.objects.filter(recipient=actor, organization_id=actor.organization_id), public_id=public_id
    )


# --- preferences and policy ----------------------------------------------------------------


def organization_policy(*, actor: Membership) -> ReminderPolicy:
    return ReminderPolicy.objects.filter(organization_id=actor.organization_id).first() or ReminderPolicy(
        organization_id=actor.organization_id
    )


def reminder_preference(*, actor: Membership) -> ReminderPreference:
    return ReminderPreference.objects.filter(member=actor).first() or ReminderPreference(
        member=actor, organization_id=actor.organization_id
    )


@dataclass
class EffectiveSchedule:
    weekday: int
    local_time: object
    source: str  # "you", "team <name>", "organization"
    enabled: bool
    paused_until: object
    time_zone: str
    email_on: bool

    @property
    def weekday_label(self) -> str:
        return Weekday(self.weekday).label


def effective_schedule(*, actor: Membership) -> EffectiveSchedule:
    policy = organization_policy(actor=actor)
    preference = reminder_preference(actor=actor)
    team = (
        TeamMembership.objects.filter(membership=actor, team__reminder_policy__isnull=False)
        .select_related("team__reminder_policy")
        .order_by("team__name")
        .first()
    )
    weekday, at, source = policy.weekday, policy.local_time, "your organization's default"
    if team is not None:
        weekday, at, source = (
            team.team.reminder_policy.weekday,
            team.team.reminder_policy.local_time,
            f"team {team.team.name}",
        )
    if preference.weekday is not None:
        weekday, source = preference.weekday, "your choice"
    if preference.local_time is not None:
        at, source = preference.local_time, "your choice"
    return EffectiveSchedule(
        weekday=weekday,
        local_time=at,
        source=source,
        enabled=policy.reminders_enabled and preference.enabled,
        paused_until=preference.paused_until,
        time_zone=actor.user.time_zone,
        email_on=actor.user.email_notifications,
    )


@dataclass
class TeamPolicyRow:
    team: Team
    policy: TeamReminderPolicy | None
    webhook: TeamWebhook | None


def team_policies(*, actor: Membership) -> list[TeamPolicyRow]:
    teams = list(Team.objects.for_org(actor.organization_id).order_by("name"))
    policies = {p.team_id: p for p in TeamReminderPolicy.objects.filter(organization_id=actor.organization_id)}
    hooks = {h.team_id: h for h in TeamWebhook.objects.filter(organization_id=actor.organization_id, is_active=True)}
    return [TeamPolicyRow(team=t, policy=policies.get(t.pk), webhook=hooks.get(t.pk)) for t in teams]


def team_policy_get(*, actor: Membership, public_id) -> TeamPolicyRow:
    team = _get_or_404(Team.objects.for_org(actor.organization_id), public_id=public_id)
    return TeamPolicyRow(
        team=team,
        policy=TeamReminderPolicy.objects.filter(team=team).first(),
        webhook=TeamWebhook.objects.filter(team=team, is_active=True).first(),
    )


# --- operations ----------------------------------------------------------------------------


@dataclass
class OpsSummary:
    counts: dict[str, int]
    last_beat: BeatTick | None
    failed: list[Delivery]
    stuck: int
    log: list[Delivery]
    person: Membership | None
    people: list[Membership]


def ops_summary(*, actor: Membership, person_public_id=None, stuck_after_seconds: int = 600) -> OpsSummary:
    from datetime import timedelta

    from django.utils import timezone

    deliveries = Delivery.objects.filter(organization_id=actor.organization_id)
    counts = {state: 0 for state in DeliveryState.values}
    for row in deliveries.values("state").annotate(n=Count("id")).order_by():
        counts[row["state"]] = row["n"]
    person = None
    if person_public_id:
        person = _get_or_404(
            Membership.objects.for_org(actor.organization_id).select_related("user"), public_id=person_public_id
        )
    log_qs = deliveries.select_related("recipient__user", "team").order_by("-created_at", "-id")
    if person is not None:
        log_qs = log_qs.filter(recipient=person)
    return OpsSummary(
        counts=counts,
        last_beat=BeatTick.objects.filter(name="beat").first(),
        failed=list(
            deliveries.filter(state=DeliveryState.FAILED)
            .select_related("recipient__user", "team")
            .order_by("-updated_at")[:50]
        ),
        stuck=deliveries.filter(
            state=DeliveryState.SENDING, claimed_at__lt=timezone.now() - timedelta(seconds=stuck_after_seconds)
        ).count(),
        log=list(log_qs[:100]),
        person=person,
        people=list(
            Membership.objects.for_org(actor.organization_id).select_related("user").order_by("user__full_name")
        ),
    )


def ops_delivery_get(*, actor: Membership, public_id) -> Delivery:
    return _get_or_404(Delivery.objects.filter(organization_id=actor.organization_id), public_id=public_id)
