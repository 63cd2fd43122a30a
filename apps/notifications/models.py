"""Reminder policy, the delivery ledger, the in-app notification centre and the digest archive.

The ledger (``Delivery``) is what makes sends safe: one row per (person, kind,
period), inserted before anything is sent, claimed by a conditional UPDATE
(queued → sending), completed once (sent / failed / skipped).
"""

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.accounts.models import Membership, Organization, Team
from apps.core.models import PublicIdModel, TenantModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ReminderPolicy(models.Model):
    """The organization's defaults: when reminders, manager notices and digests go out (local time)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="reminder_policy")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    local_time = models.TimeField(default=time(9, 0), help_text="In each person's own time zone.")
    reminders_enabled = models.BooleanField(default=True)
    manager_notices_enabled = models.BooleanField(
        default=True, help_text="The day after the check-in day, managers get who checked in and who did not."
    )
    digest_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    digest_time = models.TimeField(default=time(8, 0))
    digests_enabled = models.BooleanField(default=True)
    due_soon_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Tell owners this many days before a goal or step is due (0: off).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder policies"

    def __str__(self) -> str:
        return f"Reminder policy of {self.organization}"


class TeamReminderPolicy(TenantModel):
    """A team's own check-in day and time (overrides the organization's)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="reminder_policy")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    local_time = models.TimeField()

    def __str__(self) -> str:
        return f"Reminder policy of {self.team}"


class ReminderPreference(TenantModel):
    """A person's own choice: another weekday or time, reminders off, or a pause."""

    member = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="reminder_preference")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    local_time = models.TimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    paused_until = models.DateField(null=True, blank=True, help_text="No reminders up to and including this day.")

    def __str__(self) -> str:
        return f"Reminder preference of {self.member}"


class TeamWebhook(TenantModel):
    """An optional outgoing webhook (a Slack or Teams incoming-webhook URL) for one team."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Signs each body: X-Goalsite-Signature: sha256=<hex>.")
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"Webhook of {self.team}"


class DeliveryKind(models.TextChoices):
    REMINDER = "reminder", "Check-in reminder"
    MANAGER_NOTICE = "manager_notice", "Who checked in (manager)"
    MANAGER_DIGEST = "manager_digest", "Weekly team digest"
    PERSONAL_DIGEST = "personal_digest", "Weekly personal digest"
    HEALTH_ALERT = "health_alert", "Goal at risk"
    DUE_SOON = "due_soon", "Due soon"
    CELEBRATION = "celebration", "Celebration"
    TEAM_WEBHOOK = "team_webhook", "Team webhook"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no longer due)"


class Channel(models.TextChoices):
    EMAIL = "email", "Email and in-app"
    IN_APP = "in_app", "In-app only"
    WEBHOOK = "webhook", "Webhook"


class Delivery(TenantModel):
    """One send, claimed before it happens. The unique key is (recipient, kind, period) — or (team, kind, period).

    ``period`` names what the send is about: a local week's Monday for reminders
    and digests, ``goal-12:3`` for the third health change of goal 12, and so on.
    """

    recipient = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=DeliveryKind.choices)
    period = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    payload = models.JSONField(default=dict, blank=True)
    batch = models.UUIDField(null=True, blank=True, help_text="The scan that inserted this row.")
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "period"],
                condition=Q(recipient__isnull=False),
                name="delivery_once_per_person_kind_period",
            ),
            models.UniqueConstraint(
                fields=["team", "kind", "period"],
                condition=Q(recipient__isnull=True),
                name="delivery_once_per_team_kind_period",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(team__isnull=False), name="delivery_has_a_target"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "claimed_at"], name="delivery_state_claimed"),
            models.Index(fields=["state", "enqueued_at"], name="delivery_state_enqueued"),
            models.Index(fields=["organization", "state"], name="delivery_org_state"),
            models.Index(fields=["batch"], name="delivery_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} → {self.recipient_id or self.team_id} ({self.state})"


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    MANAGER_NOTICE = "manager_notice", "Team check-ins"
    DIGEST = "digest", "Digest"
    HEALTH_ALERT = "health_alert", "At risk"
    DUE_SOON = "due_soon", "Due soon"
    CELEBRATION = "celebration", "Celebration"
    HELP = "help", "Help requested"
    MENTION = "mention", "Mentioned"
    KUDOS = "kudos", "Kudos"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, member: Membership):
        return self.filter(recipient=member, organization_id=member.organization_id)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(TenantModel):
    """One line in a person's notification centre."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=2000)
    url = models.CharField(max_length=500, blank=True, help_text="A path inside Goalsite.")
    read_at = models.DateTimeField(null=True, blank=True)
    delivery = models.OneToOneField(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    notice = models.OneToOneField(
        "checkins.Notice", on_delete=models.CASCADE, null=True, blank=True, related_name="notification"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_read")]

    def __str__(self) -> str:
        return self.title


class DigestKind(models.TextChoices):
    MANAGER = "manager", "Team digest"
    PERSONAL = "personal", "Your week"


class Digest(TenantModel):
    """A weekly summary as it was sent, kept for the archive (``/digests/``)."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="digests")
    kind = models.CharField(max_length=10, choices=DigestKind.choices)
    period_start = models.DateField(help_text="Monday of the week the digest covers.")
    subject = models.CharField(max_length=200)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "period_start"], name="digest_once_per_week"),
        ]

    def __str__(self) -> str:
        return self.subject


class GoalHealthState(models.Model):
    """The last health recorded per goal: alerts fire on a change, once per change."""

    goal = models.OneToOneField("goals.Goal", on_delete=models.CASCADE, related_name="health_state")
    code = models.CharField(max_length=12)
    why = models.CharField(max_length=500, blank=True)
    changes = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.code}"


class HealthChange(PublicIdModel):
    """A goal's move into at risk / off track (what the digest lists as newly at risk)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    goal = models.ForeignKey("goals.Goal", on_delete=models.CASCADE, related_name="+")
    old_code = models.CharField(max_length=12)
    new_code = models.CharField(max_length=12)
    why = models.CharField(max_length=500, blank=True)
    number = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["goal", "number"], name="health_change_once")]
        indexes = [models.Index(fields=["organization", "created_at"], name="health_change_org_created")]
