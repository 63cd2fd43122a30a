from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.accounts.models import Membership, Organization, Team
from apps.core.models import TenantModel

from . import progress as arithmetic


class GoalSettings(models.Model):
    """Per-organization knobs for status and roll-up."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="goal_settings")
    at_risk_gap = models.PositiveSmallIntegerField(
        default=10, help_text="Percentage points behind the expected pace before a goal is at risk."
    )
    off_track_gap = models.PositiveSmallIntegerField(
        default=25, help_text="Percentage points behind the expected pace before a goal is off track."
    )
    max_active_goals = models.PositiveSmallIntegerField(
        default=5, help_text="More active goals than this per person earns an achievability warning."
    )

    class RollupMode(models.TextChoices):
        KEY_RESULTS = "krs", "Own key results only"
        CHILDREN = "children", "Aligned goals only"
        BOTH = "both", "Key results and aligned goals"

    rollup_mode = models.CharField(max_length=10, choices=RollupMode.choices, default=RollupMode.BOTH)

    def __str__(self) -> str:
        return f"Goal settings for {self.organization}"


class CycleKind(models.TextChoices):
    QUARTER = "quarter", "Quarter"
    HALF = "half", "Half year"
    YEAR = "year", "Year"
    CUSTOM = "custom", "Custom"


class CycleQuerySet(models.QuerySet["Cycle"]):
    def for_org(self, organization):
        return self.filter(organization=organization)

    def containing(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Cycle(TenantModel):
    """A period goals are set for."""

    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=CycleKind.choices, default=CycleKind.QUARTER)
    starts_on = models.DateField()
    ends_on = models.DateField()

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="cycle_ends_after_start"),
            models.UniqueConstraint(fields=["organization", "name"], name="cycle_unique_name_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    def expected_progress(self, today) -> float:
        return arithmetic.expected_progress(self.starts_on, self.ends_on, today)


class Framework(models.TextChoices):
    OKR = "okr", "OKR"
    SMART = "smart", "SMART"
    PLAN = "plan", "Milestone plan"


class Horizon(models.TextChoices):
    SHORT = "short", "Short term (weeks–months)"
    MID = "mid", "Mid term (months–a year)"
    LONG = "long", "Long term (years)"


class Visibility(models.TextChoices):
    ORGANIZATION = "org", "Everyone in the organization"
    TEAM = "team", "My team"
    PRIVATE = "private", "Private (me, my manager, admins)"


class GoalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    DROPPED = "dropped", "Dropped"


CLOSED_STATUSES = (GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.DROPPED)


class Health(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class GoalQuerySet(models.QuerySet["Goal"]):
    def for_org(self, organization):
        return self.filter(organization=organization)

    def open(self):
        return self.filter(status__in=[GoalStatus.DRAFT, GoalStatus.ACTIVE])

    def active(self):
        return self.filter(status=GoalStatus.ACTIVE)

    def in_cycle(self, cycle):
        return self.filter(cycle=cycle)

    def visible_to(self, actor: Membership):
        """Goals the actor may see.

        Organization-wide goals: everyone. Team goals: members of the owning team
        (or of the owner's teams). Private goals: the owner, their line manager,
        a private team goal's managers. Admins see everything in their organization.
        """
        qs = self.filter(organization_id=actor.organization_id)
        if actor.role == "admin":
            return qs
        from apps.accounts.models import TeamMembership

        my_team_ids = TeamMembership.objects.filter(membership_id=actor.pk).values("team_id")
        managed_team_ids = TeamMembership.objects.filter(membership_id=actor.pk, role="manager").values("team_id")
        teammate_ids = TeamMembership.objects.filter(team_id__in=my_team_ids).values("membership_id")
        report_ids = Membership.objects.filter(line_manager_id=actor.pk).values("id")
        return qs.filter(
            Q(visibility=Visibility.ORGANIZATION)
            | Q(owner_member_id=actor.pk)
            | Q(owner_member_id__in=report_ids)
            | Q(visibility=Visibility.TEAM, owner_team_id__in=my_team_ids)
            | Q(visibility=Visibility.TEAM, owner_member_id__in=teammate_ids)
            | Q(visibility=Visibility.PRIVATE, owner_team_id__in=managed_team_ids)
        )


class Goal(TenantModel):
    """One thing a person or team wants to achieve."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, null=True, blank=True, related_name="goals")
    owner_member = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="owned_goals"
    )
    owner_team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="owned_goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10000, help_text="Markdown.")
    framework = models.CharField(max_length=10, choices=Framework.choices, default=Framework.OKR)
    horizon = models.CharField(max_length=10, choices=Horizon.choices, default=Horizon.SHORT)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.ORGANIZATION)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT)
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated.")
    end_state = models.TextField(blank=True, max_length=2000, help_text="For a plan: what is true when it is done.")
    # Denormalised, maintained by services on every write (never computed per request).
    progress = models.FloatField(default=0.0)
    confidence = models.CharField(max_length=10, choices=Health.choices, blank=True)
    confidence_note = models.CharField(max_length=300, blank=True)
    score = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reflection_worked = models.TextField(blank=True, max_length=4000)
    reflection_differently = models.TextField(blank=True, max_length=4000)
    from_template = models.CharField(
        max_length=80, blank=True, help_text="Catalog key or organization template id it was made from."
    )
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_member__isnull=False) & Q(owner_team__isnull=True))
                | (Q(owner_member__isnull=True) & Q(owner_team__isnull=False)),
                name="goal_has_exactly_one_owner",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="goal_progress_0_1"),
        ]
        indexes = [
            models.Index(fields=["organization", "cycle", "status"]),
            models.Index(fields=["owner_member", "status"]),
            models.Index(fields=["owner_team", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_member_id:
            return self.owner_member.user.full_name
        return self.owner_team.name

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    @property
    def progress_pct(self) -> int:
        return round(self.progress * 100)


class MetricType(models.TextChoices):
    NUMBER = "number", "Number"
    PERCENTAGE = "percentage", "Percentage"
    CURRENCY = "currency", "Currency"
    BOOLEAN = "boolean", "Yes / no"
    MILESTONE = "milestone", "Milestone (done / not done)"


class Direction(models.TextChoices):
    INCREASE = "increase", "Increase to target"
    DECREASE = "decrease", "Decrease to target"
    AT_LEAST = "at_least", "Stay at or above"
    AT_MOST = "at_most", "Stay at or below"


class KeyResult(TenantModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    metric_type = models.CharField(max_length=12, choices=MetricType.choices, default=MetricType.NUMBER)
    unit = models.CharField(max_length=20, blank=True)
    start_value = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    target_value = models.DecimalField(max_digits=16, decimal_places=4)
    current_value = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(Decimal("0"))]
    )
    position = models.PositiveSmallIntegerField(default=0)
    progress = models.FloatField(default=0.0)
    contributes_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="contributors"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="kr_weight_not_negative"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="kr_progress_0_1"),
        ]

    def __str__(self) -> str:
        return self.title

    def compute_progress(self) -> float:
        return arithmetic.kr_progress(
            start=self.start_value,
            target=self.target_value,
            current=self.current_value,
            direction=self.direction,
            metric_type=self.metric_type,
        )

    @property
    def progress_pct(self) -> int:
        return round(self.progress * 100)


class MilestoneSource(models.TextChoices):
    MANUAL = "manual", "Added"
    PLAN = "plan", "Backward plan"
    COACHING = "coaching", "Coaching (Will)"


class Milestone(TenantModel):
    """A dated step inside a goal; for a plan, ordered from first step to the end result."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    completed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=MilestoneSource.choices, default=MilestoneSource.MANUAL)

    class Meta:
        ordering = ["position", "due_date", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class EventKind(models.TextChoices):
    CREATED = "created", "created the goal"
    UPDATED = "updated", "changed"
    STATUS = "status", "changed the status"
    KR_ADDED = "kr_added", "added a key result"
    KR_UPDATED = "kr_updated", "changed a key result"
    KR_VALUE = "kr_value", "updated a value"
    KR_REMOVED = "kr_removed", "removed a key result"
    MILESTONE_ADDED = "ms_added", "added a step"
    MILESTONE_DONE = "ms_done", "completed a step"
    MILESTONE_REOPENED = "ms_reopened", "reopened a step"
    MILESTONE_MOVED = "ms_moved", "rescheduled a step"
    MILESTONE_REORDERED = "ms_reordered", "reordered the plan"
    CARRIED = "carried", "carried the goal over"
    CLOSED = "closed", "closed the goal"
    COACHING = "coaching", "recorded a coaching session"
    ALIGNED = "aligned", "changed alignment"
    CONFIDENCE = "confidence", "set confidence"
    CHECKIN = "checkin", "checked in"


class GoalEvent(TenantModel):
    """History: who changed what on a goal, when, old → new, and why. Never edited."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    subject = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["goal", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"


class GoalAlignment(TenantModel):
    """A goal contributes to a parent goal with a weight (several parents allowed)."""

    child = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="child_links")
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="alignment_unique_pair"),
            models.CheckConstraint(condition=~Q(child=models.F("parent")), name="alignment_not_self"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="alignment_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.child} → {self.parent}"


class GoalCoach(TenantModel):
    """Someone the owner invited to coach or mentor on a goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="coaches")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="coaching")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "member"], name="goal_coach_unique")]


class CoachingSession(TenantModel):
    """A GROW conversation: Goal, Reality, Options, Will."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="coaching_sessions")
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    held_on = models.DateField()
    grow_goal = models.TextField("Goal", max_length=4000)
    reality = models.TextField(max_length=4000)
    options = models.TextField(max_length=4000)
    will = models.TextField(max_length=4000, help_text="One action per line; add “by YYYY-MM-DD” for a date.")
    will_converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]


class FeedbackRequest(TenantModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="feedback_requests")
    requester = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="feedback_asked")
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="feedback_received")
    question = models.TextField(max_length=2000)
    answer = models.TextField(blank=True, max_length=4000)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class CareerProfile(TenantModel):
    member = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="career_profile")
    vision = models.TextField(blank=True, max_length=4000, help_text="Where you want to be in 5–10 years.")
    strengths = models.TextField(blank=True, max_length=4000)
    weaknesses = models.TextField(blank=True, max_length=4000, help_text="Skills and knowledge gaps to close.")
    updated_at = models.DateTimeField(auto_now=True)


class CareerGoal(TenantModel):
    """One of a person's top three career goals, optionally linked to a goal they track."""

    profile = models.ForeignKey(CareerProfile, on_delete=models.CASCADE, related_name="top_goals")
    rank = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3)])
    title = models.CharField(max_length=200)
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "rank"], name="career_goal_unique_rank"),
            models.CheckConstraint(condition=Q(rank__gte=1) & Q(rank__lte=3), name="career_goal_rank_1_3"),
        ]


class GoalTemplate(TenantModel):
    """An organization's own template (the built-in catalog lives in catalog.py)."""

    title = models.CharField(max_length=200, help_text="Use [blanks] like [percentage], [timeframe], [number].")
    role = models.CharField(max_length=80, blank=True)
    industry = models.CharField(max_length=80, blank=True)
    career_stage = models.CharField(max_length=10, blank=True)
    framework = models.CharField(max_length=10, choices=Framework.choices, default=Framework.SMART)
    why = models.TextField(max_length=2000)
    involves = models.TextField(max_length=2000)
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["role", "title"]
