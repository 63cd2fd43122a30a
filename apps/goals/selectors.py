"""Reads for an actor. Every query starts from the actor's organization and visibility."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Membership, Team, TeamMembership, TeamRole
from apps.core import dataversion
from apps.core.selectors import get_or_404

from . import progress as arithmetic
from .models import (
    CoachingSession,
    Cycle,
    FeedbackRequest,
    Goal,
    GoalAlignment,
    GoalEvent,
    GoalSettings,
    GoalStatus,
    GoalTemplate,
    KeyResult,
    Milestone,
)

_get_or_404 = get_or_404


# --- cycles --------------------------------------------------------------------------


def cycle_list(*, actor: Membership):
    return Cycle.objects.for_org(actor.organization_id).order_by("starts_on")


def cycle_current(*, actor: Membership, today: date | None = None) -> Cycle | None:
    today = today or timezone.localdate()
    cycles = Cycle.objects.for_org(actor.organization_id)
    return cycles.containing(today).order_by("-starts_on").first() or cycles.filter(starts_on__gt=today).first()


def cycle_get(*, actor: Membership, public_id) -> Cycle:
    return _get_or_404(Cycle.objects.for_org(actor.organization_id), public_id=public_id)


def cycle_next(*, cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.for_org(cycle.organization_id).filter(starts_on__gt=cycle.starts_on).order_by("starts_on").first()
    )


def goal_settings(*, actor: Membership) -> GoalSettings:
    settings_row, _ = GoalSettings.objects.get_or_create(organization_id=actor.organization_id)
    return settings_row


@dataclass(frozen=True)
class CycleSetup:
    """An organization's cycles (oldest first) and its goal settings (the defaults, unsaved, without a row)."""

    cycles: list[Cycle]
    settings: GoalSettings


def cycle_setup(*, actor: Membership) -> CycleSetup:
    """The organization's cycles and goal settings, read once per process and structure version
    (``dataversion.per_structure``: cycles and settings are structural writes), then shared read-only.
    One query (the settings come with the cycles); a second only for an organization without cycles."""
    org = actor.organization_id

    def load() -> CycleSetup:
        cycles = list(cycle_list(actor=actor).select_related("organization__goal_settings"))
        try:
            settings_row = cycles[0].organization.goal_settings if cycles else None
        except GoalSettings.DoesNotExist:
            settings_row = GoalSettings(organization_id=org)
        if settings_row is None:
            settings_row = GoalSettings.objects.filter(organization_id=org).first() or GoalSettings(organization_id=org)
        return CycleSetup(cycles=cycles, settings=settings_row)

    return dataversion.per_structure(org, "goal-cycles", load)


# --- status --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalHealth:
    """What a person sees as a goal's status, and why."""

    code: str  # on_track / at_risk / off_track / achieved / missed / dropped / draft / not_started
    label: str
    symbol: str
    expected: float | None
    why: str


SYMBOLS = {
    "on_track": "●",
    "at_risk": "▲",
    "off_track": "■",
    "achieved": "✓",
    "missed": "✗",
    "dropped": "–",
    "draft": "○",
    "not_started": "○",
}
LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "achieved": "Achieved",
    "missed": "Missed",
    "dropped": "Dropped",
    "draft": "Draft",
    "not_started": "Not started",
}


def goal_health(goal: Goal, settings_row: GoalSettings, today: date | None = None) -> GoalHealth:
    """Status from actual vs expected progress, overridden by the owner's confidence."""
    today = today or timezone.localdate()
    expected = arithmetic.expected_progress(goal.start_date, goal.due_date, today)
    if goal.status in (GoalStatus.ACHIEVED, GoalStatus.MISSED, GoalStatus.DROPPED, GoalStatus.DRAFT):
        code = goal.status
        why = {
            "achieved": "Closed as achieved.",
            "missed": "Closed as missed: see the reflection.",
            "dropped": "Dropped.",
            "draft": "Draft: not active yet.",
        }[code]
        return GoalHealth(code, LABELS[code], SYMBOLS[code], expected, why)
    actual_pct = round(goal.progress * 100)
    if expected is None:
        computed = arithmetic.ON_TRACK
        why = f"{actual_pct} % done; no due date, so no expected pace."
    else:
        computed = arithmetic.health(
            goal.progress, expected, at_risk_gap=settings_row.at_risk_gap, off_track_gap=settings_row.off_track_gap
        )
        gap = round((expected - goal.progress) * 100)
        if gap > 0:
            why = f"{actual_pct} % done, {round(expected * 100)} % expected by today: {gap} points behind"
        else:
            why = f"{actual_pct} % done, {round(expected * 100)} % expected by today: on or ahead of pace"
        why += f" (at risk past {settings_row.at_risk_gap}, off track past {settings_row.off_track_gap})."
    if goal.progress == 0 and (expected is None or expected < 0.1):
        computed, why = "not_started", "No progress recorded yet."
    code = computed
    if goal.confidence:
        code = goal.confidence
        if goal.confidence != computed:
            why = (
                f"Owner's confidence: {LABELS[goal.confidence].lower()}"
                + (f" — “{goal.confidence_note}”" if goal.confidence_note else "")
                + f". Pace alone says {LABELS[computed].lower()}: "
                + why
            )
    return GoalHealth(code, LABELS[code], SYMBOLS[code], expected, why)


# --- goals ---------------------------------------------------------------------------


def visible_goals(*, actor: Membership):
    return Goal.objects.visible_to(actor)


def goal_get(*, actor: Membership, public_id) -> Goal:
    """A goal the actor may see; anything else is a 404, exactly like a missing one."""
    qs = visible_goals(actor=actor).select_related(
        "cycle", "owner_member__user", "owner_member__line_manager", "owner_team", "carried_from"
    )
    return _get_or_404(qs, public_id=public_id)


def goal_detail(*, actor: Membership, public_id) -> Goal:
    goal = goal_get(actor=actor, public_id=public_id)
    # Prefetch what the detail page shows, once.
    return (
        Goal.objects.filter(pk=goal.pk)
        .select_related("cycle", "owner_member__user", "owner_member__line_manager", "owner_team", "carried_from")
        .prefetch_related(
            "key_results",
            "milestones",
            Prefetch("coaching_sessions", queryset=CoachingSession.objects.select_related("author__user")),
            "coaches__member__user",
        )
        .get()
    )


def goal_events(*, goal: Goal, limit: int = 50):
    return GoalEvent.objects.filter(goal=goal, organization_id=goal.organization_id).select_related("actor__user")[
        :limit
    ]


def goal_parents(*, actor: Membership, goal: Goal):
    """Parents the actor may see (alignment never reveals a goal the actor cannot see)."""
    visible = visible_goals(actor=actor).values("id")
    return (
        GoalAlignment.objects.filter(child=goal, parent_id__in=visible)
        .select_related("parent__owner_member__user", "parent__owner_team")
        .order_by("parent__title")
    )


def goal_children(*, actor: Membership, goal: Goal):
    visible = visible_goals(actor=actor).values("id")
    return (
        GoalAlignment.objects.filter(parent=goal, child_id__in=visible)
        .select_related("child__owner_member__user", "child__owner_team")
        .order_by("child__title")
    )


def my_goals(*, actor: Membership, cycle: Cycle | None, include_open_ended: bool = True):
    """The actor's own goals (and their teams' goals they manage) in a cycle, with KRs and parents."""
    managed_team_ids = TeamMembership.objects.filter(membership_id=actor.pk, role=TeamRole.MANAGER).values("team_id")
    scope = Q(owner_member=actor) | Q(owner_team_id__in=managed_team_ids)
    if cycle is not None:
        cycle_q = Q(cycle=cycle) | Q(cycle__isnull=True) if include_open_ended else Q(cycle=cycle)
    else:
        cycle_q = Q(cycle__isnull=True)
    visible_parent_ids = visible_goals(actor=actor).values("id")
    return (
        Goal.objects.filter(organization_id=actor.organization_id)
        .filter(scope)
        .filter(cycle_q)
        .select_related("cycle", "owner_member__user", "owner_team")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("position", "id")),
            Prefetch(
                "parent_links",
                queryset=GoalAlignment.objects.filter(parent_id__in=visible_parent_ids).select_related(
                    "parent__owner_team", "parent__owner_member__user"
                ),
            ),
        )
        .order_by("status", "-created_at")
    )


def key_result_get(*, actor: Membership, public_id) -> KeyResult:
    visible = visible_goals(actor=actor).values("id")
    return _get_or_404(
        KeyResult.objects.filter(organization_id=actor.organization_id, goal_id__in=visible).select_related(
            "goal__owner_member", "goal__cycle"
        ),
        public_id=public_id,
    )


def milestone_get(*, actor: Membership, public_id) -> Milestone:
    visible = visible_goals(actor=actor).values("id")
    return _get_or_404(
        Milestone.objects.filter(organization_id=actor.organization_id, goal_id__in=visible).select_related(
            "goal__owner_member"
        ),
        public_id=public_id,
    )


def coaching_session_get(*, actor: Membership, public_id) -> CoachingSession:
    visible = visible_goals(actor=actor).values("id")
    return _get_or_404(
        CoachingSession.objects.filter(organization_id=actor.organization_id, goal_id__in=visible).select_related(
            "goal__owner_member"
        ),
        public_id=public_id,
    )


def feedback_inbox(*, actor: Membership):
    return (
        FeedbackRequest.objects.filter(organization_id=actor.organization_id)
        .filter(Q(recipient=actor) | Q(requester=actor))
        .select_related("goal", "requester__user", "recipient__user")
        .order_by("answered_at", "-created_at")
    )


def feedback_get(*, actor: Membership, public_id) -> FeedbackRequest:
    """Only the requester and the recipient can open a feedback request."""
    qs = FeedbackRequest.objects.filter(organization_id=actor.organization_id).filter(
        Q(recipient=actor) | Q(requester=actor)
    )
    return _get_or_404(qs.select_related("goal", "requester__user", "recipient__user"), public_id=public_id)


def org_templates(*, actor: Membership):
    return GoalTemplate.objects.filter(organization_id=actor.organization_id).order_by("role", "title")


def org_template_get(*, actor: Membership, public_id) -> GoalTemplate:
    return _get_or_404(GoalTemplate.objects.filter(organization_id=actor.organization_id), public_id=public_id)


# --- goal pages ----------------------------------------------------------------------


def goal_owner_team_choices(*, actor: Membership):
    """Teams the actor may set a goal for: every team for admins, else the teams they manage."""
    teams = Team.objects.for_org(actor.organization_id).order_by("name")
    if actor.role != "admin":
        managed = TeamMembership.objects.filter(membership_id=actor.pk, role=TeamRole.MANAGER).values("team_id")
        teams = teams.filter(pk__in=managed)
    return teams


def cycle_choices(*, actor: Membership, exclude: Cycle | None = None):
    cycles = cycle_list(actor=actor)
    if exclude is not None:
        cycles = cycles.exclude(pk=exclude.pk)
    return cycles


def kr_health(kr: KeyResult, expected: float | None, settings_row: GoalSettings) -> str:
    """A key result's colour: achieved when reached, else its pace against the goal's expected progress."""
    if kr.progress >= 1:
        return "achieved"
    return arithmetic.health(
        kr.progress, expected, at_risk_gap=settings_row.at_risk_gap, off_track_gap=settings_row.off_track_gap
    )


def plan_position(milestones) -> tuple[int | None, int]:
    """(number of the first open step counting from 1, or None when all are done; number of steps)."""
    steps = list(milestones)
    for index, ms in enumerate(steps, start=1):
        if ms.completed_at is None:
            return index, len(steps)
    return None, len(steps)


@dataclass(frozen=True)
class GoalRow:
    """One line of the My goals list: the goal, its status and what it contributes to."""

    goal: Goal
    health: GoalHealth  # rolled up: goals.evidence.RolledHealth, which reads the same
    parents: list
    step: int | None
    steps: int


@dataclass(frozen=True)
class MyGoalsOverview:
    cycle: Cycle | None
    active: list[GoalRow]
    drafts: list[GoalRow]
    closed: list[GoalRow]
    open_ended: list[GoalRow]

    @property
    def count(self) -> int:
        return len(self.active) + len(self.drafts) + len(self.closed) + len(self.open_ended)

    @property
    def average_progress(self) -> float | None:
        rows = self.active
        return sum(r.goal.progress for r in rows) / len(rows) if rows else None

    @property
    def needs_attention(self) -> int:
        return sum(1 for r in self.active if r.health.code in ("at_risk", "off_track"))


def my_goals_overview(*, actor: Membership, cycle: Cycle | None, today: date | None = None) -> MyGoalsOverview:
    """My goals grouped for the page: a fixed number of queries however many goals there are."""
    today = today or timezone.localdate()
    settings_row = goal_settings(actor=actor)
    from .evidence import Evidence, goals_evidence, rolled_health

    groups: dict[str, list[GoalRow]] = {"active": [], "drafts": [], "closed": [], "open_ended": []}
    goals = list(my_goals(actor=actor, cycle=cycle))
    # Each goal at most as healthy as the goals aligned to it say (as everywhere else).
    evidence = goals_evidence([goal.pk for goal in goals], settings_row, today) if goals else {}
    for goal in goals:
        milestones = goal.milestones.all()
        step, steps = plan_position(milestones) if goal.framework == "plan" else (None, len(milestones))
        row = GoalRow(
            goal=goal,
            health=rolled_health(goal_health(goal, settings_row, today), evidence.get(goal.pk, Evidence())),
            parents=list(goal.parent_links.all()),
            step=step,
            steps=steps,
        )
        if goal.cycle_id is None:
            groups["open_ended"].append(row)
        elif goal.status == GoalStatus.ACTIVE:
            groups["active"].append(row)
        elif goal.status == GoalStatus.DRAFT:
            groups["drafts"].append(row)
        else:
            groups["closed"].append(row)
    groups["open_ended"].sort(key=lambda r: (r.goal.is_closed, r.goal.status != GoalStatus.ACTIVE))
    return MyGoalsOverview(cycle=cycle, **groups)


@dataclass(frozen=True)
class ProgressPart:
    kind: str  # "key result", "step" or "aligned goal"
    label: str
    progress: float
    weight: float
    share: float  # the part's share of the goal's progress, 0–1 (0 when it does not count)

    @property
    def contribution(self) -> float:
        return self.progress * self.share


@dataclass(frozen=True)
class ProgressBreakdown:
    """How a goal's stored progress is computed, in words a person can check."""

    parts: list[ProgressPart]
    method: str
    hidden_children: int
    total: float


def progress_breakdown(
    *, goal: Goal, settings_row: GoalSettings, children, contributors: int | None = None
) -> ProgressBreakdown:
    """The parts of a goal's progress as services.goal_recompute_progress combines them.

    ``children`` are the alignment links the actor can see; aligned goals they cannot
    see still count and are reported as a number only. ``contributors``: how many goals
    (not dropped) are aligned to it in all, when already known.
    """
    mode = settings_row.rollup_mode
    child_parts: list[tuple[str, str, float, float]] = []
    hidden = 0
    if mode in (GoalSettings.RollupMode.CHILDREN, GoalSettings.RollupMode.BOTH):
        shown = [link for link in children if link.child.status != GoalStatus.DROPPED]
        child_parts = [("aligned goal", link.child.title, link.child.progress, float(link.weight)) for link in shown]
        total_links = (
            contributors
            if contributors is not None
            else GoalAlignment.objects.filter(parent=goal).exclude(child__status=GoalStatus.DROPPED).count()
        )
        hidden = max(0, total_links - len(shown))
    has_children = bool(child_parts) or hidden > 0
    parts: list[tuple[str, str, float, float]] = []
    method = ""
    # Own parts count unless the organization rolls up aligned goals only and this goal has some.
    if mode != GoalSettings.RollupMode.CHILDREN or not has_children:
        krs = list(goal.key_results.all())
        if goal.framework == "plan" and not krs:
            parts = [("step", m.title, 1.0 if m.completed_at else 0.0, float(m.weight)) for m in goal.milestones.all()]
            method = "the plan's steps (a step counts fully once it is done)"
        else:
            parts = [("key result", kr.title, kr.progress, float(kr.weight)) for kr in krs]
            method = "its key results"
    if has_children:
        method = f"{method} and the goals aligned to it" if method else "the goals aligned to it"
    parts += child_parts
    counted = sum(w for *_, w in parts if w > 0)
    result = []
    for kind, label, value, weight in parts:
        share = (weight / counted if weight > 0 else 0.0) if counted > 0 else 1 / len(parts)
        result.append(ProgressPart(kind=kind, label=label, progress=value, weight=weight, share=share))
    return ProgressBreakdown(parts=result, method=method, hidden_children=hidden, total=goal.progress)


# --- library, career, coaching -------------------------------------------------------

from django.db.models import F  # noqa: E402

from .models import CareerGoal, CareerProfile, GoalCoach  # noqa: E402


def member_choices(*, actor: Membership, exclude_ids=()):
    """Active people of the actor's organization, for pickers (coach, feedback recipient)."""
    qs = Membership.objects.for_org(actor.organization_id).active().select_related("user").order_by("user__full_name")
    return qs.exclude(pk__in=list(exclude_ids)) if exclude_ids else qs


def own_goal_choices(*, actor: Membership):
    """The actor's own goals that are not dropped, for linking a career goal."""
    return (
        Goal.objects.for_org(actor.organization_id)
        .filter(owner_member=actor)
        .exclude(status=GoalStatus.DROPPED)
        .select_related("cycle")
        .order_by("-created_at")
    )


def active_goal_count(*, actor: Membership) -> int:
    return Goal.objects.for_org(actor.organization_id).filter(owner_member=actor, status=GoalStatus.ACTIVE).count()


def goal_for_coaching(*, actor: Membership, public_id) -> Goal:
    """A goal the actor may see, or one they were invited to coach on; anything else is a 404."""
    visible = visible_goals(actor=actor).values("id")
    coached = GoalCoach.objects.filter(organization_id=actor.organization_id, member=actor).values("goal_id")
    qs = (
        Goal.objects.for_org(actor.organization_id)
        .filter(Q(id__in=visible) | Q(id__in=coached))
        .select_related("cycle", "owner_member__user", "owner_member__line_manager", "owner_team")
    )
    return _get_or_404(qs, public_id=public_id)


def goal_coaching(*, actor: Membership, public_id) -> Goal:
    """A goal with what its Coaching section shows, prefetched once."""
    goal = goal_for_coaching(actor=actor, public_id=public_id)
    return (
        Goal.objects.filter(pk=goal.pk)
        .select_related("cycle", "owner_member__user", "owner_member__line_manager", "owner_team")
        .prefetch_related(
            Prefetch("coaching_sessions", queryset=CoachingSession.objects.select_related("author__user")),
            Prefetch("coaches", queryset=GoalCoach.objects.select_related("member__user").order_by("created_at")),
        )
        .get()
    )


def goal_coaches(*, goal: Goal):
    return GoalCoach.objects.filter(goal=goal, organization_id=goal.organization_id).select_related("member__user")


def career_profile(*, member: Membership) -> CareerProfile | None:
    """A person's career profile with their top goals and the goals they link to (or None)."""
    return (
        CareerProfile.objects.filter(organization_id=member.organization_id, member=member)
        .prefetch_related(
            Prefetch("top_goals", queryset=CareerGoal.objects.select_related("goal__cycle").order_by("rank"))
        )
        .first()
    )


def career_member_get(*, actor: Membership, public_id) -> Membership:
    """A person whose career profile the actor may read: themselves, their line reports, or anyone for admins.

    Everyone else (and every other organization) gets a 404, as if the person did not exist.
    """
    member = _get_or_404(
        Membership.objects.for_org(actor.organization_id).select_related("user", "line_manager__user"),
        public_id=public_id,
    )
    if member.pk == actor.pk or member.line_manager_id == actor.pk or (actor.role == "admin" and actor.is_active):
        return member
    raise Http404("Not found.")


def feedback_received(*, actor: Membership):
    """Requests the actor was asked: unanswered first (newest first), then the most recently answered."""
    return (
        FeedbackRequest.objects.filter(organization_id=actor.organization_id, recipient=actor)
        .select_related("goal", "requester__user", "recipient__user")
        .order_by(F("answered_at").desc(nulls_first=True), "-created_at")
    )


def feedback_sent(*, actor: Membership):
    """Requests the actor sent, with their answers: newest first."""
    return (
        FeedbackRequest.objects.filter(organization_id=actor.organization_id, requester=actor)
        .select_related("goal", "requester__user", "recipient__user")
        .order_by("-created_at")
    )


def feedback_for_goal(*, actor: Membership, goal: Goal):
    """The actor's own requests on a goal (what the Coaching section lists)."""
    return feedback_sent(actor=actor).filter(goal=goal)


def goal_is_visible(*, actor: Membership, goal: Goal) -> bool:
    return visible_goals(actor=actor).filter(pk=goal.pk).exists()


def cycle_name_taken(*, actor: Membership, name: str) -> bool:
    return Cycle.objects.for_org(actor.organization_id).filter(name__iexact=name.strip()).exists()
