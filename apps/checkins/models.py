from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.accounts.models import Membership
from apps.core.models import TenantModel
from apps.goals.models import Goal, Health, KeyResult, Milestone


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    BIWEEKLY = "biweekly", "Every two weeks"


class CheckinPreference(TenantModel):
    """A person's check-in cadence (the reminder worker reads it too)."""

    member = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="checkin_preference")
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)


class CheckinSubmission(TenantModel):
    """One press of “Submit all”: the idempotency key makes a resend a no-op."""

    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="checkin_submissions")
    idempotency_key = models.UUIDField()
    period_start = models.DateField(help_text="Monday of the author's local week.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["author", "idempotency_key"], name="checkin_submission_idempotent"),
        ]


class CheckIn(TenantModel):
    """A dated update on a goal by its owner. History: never edited; a correction is a new check-in."""

    submission = models.ForeignKey(CheckinSubmission, on_delete=models.CASCADE, related_name="checkins")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="checkins")
    period_start = models.DateField(db_index=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    status = models.CharField(max_length=10, choices=Health.choices, blank=True)
    progress = models.FloatField(help_text="The goal's progress right after this check-in.")
    wins = models.TextField(blank=True, max_length=2000)
    blockers = models.TextField(blank=True, max_length=2000)
    next_steps = models.TextField(blank=True, max_length=2000)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["goal", "-created_at"]),
            models.Index(fields=["author", "period_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | (Q(confidence__gte=1) & Q(confidence__lte=10)),
                name="checkin_confidence_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in on {self.goal} ({self.created_at:%Y-%m-%d})"


class KeyResultUpdate(TenantModel):
    """A key result's value as set by a check-in: the KR's value history."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="kr_updates")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="updates")
    old_value = models.DecimalField(max_digits=16, decimal_places=4)
    new_value = models.DecimalField(max_digits=16, decimal_places=4)
    progress = models.FloatField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["key_result", "created_at"])]


class Blocker(TenantModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="blockers")
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="blocker_items")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="blockers_raised")
    text = models.TextField(max_length=2000)
    help_from = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="help_requests"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["resolved_at", "-created_at"]
        indexes = [models.Index(fields=["organization", "resolved_at"])]


class CelebrationKind(models.TextChoices):
    MILESTONE = "milestone", "Milestone reached"
    KR_TARGET = "kr_target", "Key result target hit"
    GOAL = "goal", "Goal achieved"


class Celebration(TenantModel):
    """A reached milestone or target: shown in the team feed and sent to the digest worker once."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="celebrations")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="celebrations")
    kind = models.CharField(max_length=10, choices=CelebrationKind.choices)
    subject = models.CharField(max_length=200)
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Once per milestone / KR target.
            models.UniqueConstraint(
                fields=["key_result"], condition=Q(kind="kr_target"), name="celebration_once_per_kr_target"
            ),
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(kind="milestone"), name="celebration_once_per_milestone"
            ),
        ]


class Kudos(TenantModel):
    celebration = models.ForeignKey(Celebration, on_delete=models.CASCADE, related_name="kudos")
    giver = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["celebration", "giver"], name="kudos_once")]


class Comment(TenantModel):
    """A comment on a check-in or a celebration; @mentions notify."""

    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    celebration = models.ForeignKey(
        Celebration, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    body = models.TextField(max_length=2000)
    mentions = models.ManyToManyField(Membership, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(checkin__isnull=False) & Q(celebration__isnull=True))
                | (Q(checkin__isnull=True) & Q(celebration__isnull=False)),
                name="comment_on_one_thing",
            )
        ]


class Reaction(TenantModel):
    """A manager's acknowledgement of a check-in, or a flag to discuss it at the next 1:1."""

    class Kind(models.TextChoices):
        SEEN = "seen", "👍 Seen"
        FLAG = "flag", "Discuss at 1:1"

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    note = models.CharField(max_length=300, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkin", "member", "kind"], name="reaction_once")]


class Notice(TenantModel):
    """Something a person should know (help asked, @mention, celebration).

    Recorded here; the notifications app delivers it (in-app centre, email, digest).
    """

    class Kind(models.TextChoices):
        HELP = "help", "Help requested"
        MENTION = "mention", "Mentioned"
        CELEBRATION = "celebration", "Celebration"
        KUDOS = "kudos", "Kudos"

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notices")
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=300)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
