"""The demo goals: realistic, complete for every person, and safe to seed twice."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from apps.accounts.demo import PEOPLE
from apps.accounts.models import Membership, Organization
from apps.goals import selectors, services
from apps.goals.models import (
    CareerGoal,
    CareerProfile,
    CoachingSession,
    Cycle,
    FeedbackRequest,
    Framework,
    Goal,
    GoalAlignment,
    GoalEvent,
    GoalStatus,
    KeyResult,
    Milestone,
    MilestoneSource,
    Visibility,
)

pytestmark = pytest.mark.django_db

MID_QUARTER = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 55 % into Q4 2026
COUNTED = (
    Goal,
    KeyResult,
    Milestone,
    GoalAlignment,
    GoalEvent,
    CoachingSession,
    FeedbackRequest,
    CareerProfile,
    CareerGoal,
    Cycle,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (inside a transaction rolled back at the end); each test still rolls back its own."""
    hooks = override_settings(
        GOALSITE_DEMO_HOOKS=["apps.goals.demo.seed_goals"],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # 19 demo people
    )
    with django_db_blocker.unblock(), time_machine.travel(MID_QUARTER), hooks, transaction.atomic():
        call_command("seed_demo", "--quiet")
        yield Organization.objects.get(slug="brightwave")
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def cycles(org):
    previous = Cycle.objects.get(organization=org, name="Q3 2026")
    current = Cycle.objects.get(organization=org, name="Q4 2026")
    return previous, current


def test_seeding_twice_creates_nothing_new(seeded):
    first = counts()
    assert first["Goal"] > 50

    call_command("seed_demo", "--quiet")

    assert counts() == first


def test_every_person_owns_goals_of_all_three_frameworks_across_the_two_quarters(seeded):
    """Everyone but the newest hire, who joined days ago and has not set any goal yet."""
    previous, current = cycles(seeded)
    owned = defaultdict(set)
    per_cycle = defaultdict(Counter)
    for email, framework, cycle_id in Goal.objects.filter(
        organization=seeded, cycle__in=[previous, current], owner_member__isnull=False
    ).values_list("owner_member__user__email", "framework", "cycle_id"):
        owned[email].add(framework)
        per_cycle[email][cycle_id] += 1
    assert set(owned) == {f"{p.key}@brightwave.example" for p in PEOPLE if p.joined_days_ago is None}
    for email, frameworks in owned.items():
        assert frameworks == {Framework.OKR, Framework.SMART, Framework.PLAN}, email
        assert per_cycle[email][previous.pk] >= 2 and per_cycle[email][current.pk] >= 2, email


def test_last_quarter_is_closed_with_scores_and_reflections(seeded):
    previous, _ = cycles(seeded)
    closed = Goal.objects.filter(organization=seeded, cycle=previous)
    assert set(closed.values_list("status", flat=True)) == {GoalStatus.ACHIEVED, GoalStatus.MISSED}
    for goal in closed:
        assert goal.reflection_worked and goal.reflection_differently, goal.title
        assert goal.score is not None and goal.closed_at is not None, goal.title
        assert goal.closed_at.date() <= previous.ends_on
    achieved = closed.filter(status=GoalStatus.ACHIEVED)
    assert min(achieved.values_list("score", flat=True)) >= 0.7
    missed = closed.filter(status=GoalStatus.MISSED, owner_member__isnull=False)
    assert max(missed.values_list("score", flat=True)) < 0.8


def test_this_quarter_has_goals_on_track_at_risk_and_off_track_today(seeded):
    _, current = cycles(seeded)
    goals = Goal.objects.filter(organization=seeded, cycle=current)
    assert set(goals.values_list("status", flat=True)) == {GoalStatus.ACTIVE}
    row = services.goal_settings_for(seeded)
    health = Counter(selectors.goal_health(goal, row).code for goal in goals)
    assert health["on_track"] >= 10
    assert health["at_risk"] >= 5
    assert health["off_track"] >= 3


def test_objectives_roll_up_through_teams_to_the_company(seeded):
    _, current = cycles(seeded)
    company = Goal.objects.get(organization=seeded, cycle=current, owner_team__name="Brightwave")
    assert company.owner_team.kind == "company"
    departments = {link.child.owner_team.name for link in company.child_links.filter(child__owner_team__isnull=False)}
    assert departments == {"Revenue", "Product & Engineering"}
    sales = Goal.objects.get(organization=seeded, cycle=current, owner_team__name="Sales")
    assert sales.parent_links.get().parent.owner_team.name == "Revenue"
    assert sales.child_links.filter(child__owner_member__isnull=False).count() >= 4
    # the stored progress is exactly what the roll-up computes
    for goal in (company, sales):
        stored = goal.progress
        assert services.goal_recompute_progress(goal) == pytest.approx(stored)
        assert 0 < stored < 1


def test_some_personal_goals_are_left_unaligned_as_gaps(seeded):
    _, current = cycles(seeded)
    personal = Goal.objects.filter(organization=seeded, cycle=current, owner_member__isnull=False)
    unaligned = personal.filter(parent_links__isnull=True)
    assert 3 <= unaligned.count() <= personal.count() // 3


def test_visibility_is_mixed_and_private_goals_stay_private(seeded):
    visibilities = set(Goal.objects.filter(organization=seeded).values_list("visibility", flat=True))
    assert visibilities == {Visibility.ORGANIZATION, Visibility.TEAM, Visibility.PRIVATE}
    tom_career = Goal.objects.get(organization=seeded, title="Become a project manager")
    bo = Membership.objects.get(user__email="bo@brightwave.example")
    assert not selectors.visible_goals(actor=bo).filter(pk=tom_career.pk).exists()


def test_backward_plans_end_on_the_goal_date(seeded):
    plan = Goal.objects.get(organization=seeded, title="Become a project manager")
    steps = list(plan.milestones.order_by("position"))
    assert [s.title for s in steps] == [
        "Take PM courses",
        "Earn a PM certification",
        "Manage smaller projects",
        "Lead a complex project",
    ]
    assert all(s.source == MilestoneSource.PLAN for s in steps)
    assert steps[-1].due_date == plan.due_date
    assert [s.due_date for s in steps] == sorted(s.due_date for s in steps)
    assert plan.horizon == "long" and plan.cycle is None and plan.due_date > date(2027, 12, 31)


def test_coaching_career_and_feedback_are_seeded(seeded):
    assert CoachingSession.objects.filter(organization=seeded).count() == 3
    assert Milestone.objects.filter(organization=seeded, source=MilestoneSource.COACHING).exists()
    assert CareerProfile.objects.filter(organization=seeded).count() >= 3
    for career_goal in CareerGoal.objects.filter(organization=seeded, goal__isnull=False).select_related("goal"):
        assert career_goal.goal.owner_member_id == career_goal.profile.member_id
    assert FeedbackRequest.objects.filter(organization=seeded, answered_at__isnull=False).exists()


def test_values_are_written_through_the_services_with_history(seeded):
    goal = Goal.objects.get(organization=seeded, title="Close €200k of new ARR this quarter")
    kinds = set(goal.events.values_list("kind", flat=True))
    assert {"created", "kr_added", "status", "kr_value", "coaching", "ms_added"} <= kinds
