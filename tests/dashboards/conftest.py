"""Fixtures for the dashboard tests, built on the shared ``world`` (tests/conftest.py).

Rows are made directly with the models (goal progress set as stored numbers), so
a test can say exactly which status each goal has today: a cycle that started
50 days ago and ends in 50 (expected 50 %), goals with start/due dates of the
cycle, progress chosen to land in each status band (at risk 10–25 points behind,
off track beyond 25).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, Organization, Role, Team, TeamMembership, TeamRole, User
from apps.checkins.models import Blocker, Celebration, CelebrationKind, CheckIn, CheckinSubmission
from apps.goals.models import Cycle, Goal, GoalStatus, KeyResult

# Progress that lands in each status on a cycle half gone (expected 50 %).
PROGRESS = {"on_track": 0.5, "at_risk": 0.35, "off_track": 0.1, "achieved": 1.0, "not_started": 0.0, "missed": 0.2}


def today():
    return timezone.localdate()


def make_cycle(organization: Organization) -> Cycle:
    day = today()
    return Cycle.objects.create(
        organization=organization, name=f"Test cycle {organization.slug}", starts_on=day - timedelta(days=50),
        ends_on=day + timedelta(days=50),
    )  # fmt: skip


def make_person(organization: Organization, name: str, *, team: Team | None = None, line_manager=None,
                role: str = Role.MEMBER, team_role: str = TeamRole.MEMBER) -> Membership:  # fmt: skip
    user = User.objects.create_user(
        email=f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@{organization.slug}.example",
        password=None,
        full_name=name,
    )
    member = Membership.objects.create(organization=organization, user=user, role=role, line_manager=line_manager)
    if team is not None:
        TeamMembership.objects.create(organization=organization, team=team, membership=member, role=team_role)
    return member


def make_goal(cycle: Cycle, *, status_code: str = "on_track", owner_member=None, owner_team=None,
              title: str = "", visibility: str = "org") -> Goal:  # fmt: skip
    status = {"achieved": GoalStatus.ACHIEVED, "missed": GoalStatus.MISSED}.get(status_code, GoalStatus.ACTIVE)
    return Goal.objects.create(
        organization=cycle.organization, cycle=cycle, owner_member=owner_member, owner_team=owner_team,
        title=title or f"{status_code} goal {uuid.uuid4().hex[:6]}", status=status, visibility=visibility,
        start_date=today() if status_code == "not_started" else cycle.starts_on,  # nothing expected yet
        due_date=cycle.ends_on, progress=PROGRESS[status_code],
    )  # fmt: skip


def check_in(goal: Goal, *, weeks_ago: int = 0, progress: float | None = None, confidence: int = 7,
             blocker: str = "", author: Membership | None = None) -> CheckIn:  # fmt: skip
    day = today() - timedelta(weeks=weeks_ago)
    monday = day - timedelta(days=day.weekday())
    author = author or goal.owner_member
    submission = CheckinSubmission.objects.create(
        organization=goal.organization, author=author, idempotency_key=uuid.uuid4(), period_start=monday
    )
    checkin = CheckIn.objects.create(
        organization=goal.organization, submission=submission, goal=goal, author=author, period_start=monday,
        confidence=confidence, progress=goal.progress if progress is None else progress, blockers=blocker,
    )  # fmt: skip
    if weeks_ago:
        CheckIn.objects.filter(pk=checkin.pk).update(created_at=timezone.now() - timedelta(weeks=weeks_ago))
    if blocker:
        Blocker.objects.create(organization=goal.organization, goal=goal, checkin=checkin, author=author, text=blocker)
    return checkin


def celebrate(goal: Goal, subject: str = "Target reached") -> Celebration:
    kr = KeyResult.objects.create(
        organization=goal.organization, goal=goal, title=subject, target_value=10, current_value=10, progress=1.0
    )
    return Celebration.objects.create(
        organization=goal.organization, goal=goal, member=goal.owner_member, kind=CelebrationKind.KR_TARGET,
        subject=subject, key_result=kr,
    )  # fmt: skip


def grow_team(world, cycle: Cycle, reports: int) -> list[Membership]:
    """``reports`` more people in the manager's team, each with goals, check-ins, a blocker and a win."""
    people = []
    for index in range(reports):
        person = make_person(world.org_a, f"Report {index:03d}", team=world.team, line_manager=world.manager)
        on = make_goal(cycle, owner_member=person, status_code="on_track")
        risky = make_goal(cycle, owner_member=person, status_code="at_risk", visibility="private")
        check_in(on, weeks_ago=1, confidence=6)
        check_in(on, blocker="Waiting on data" if index % 3 == 0 else "")
        check_in(risky, weeks_ago=2, confidence=4)
        if index % 4 == 0:
            celebrate(on)
        people.append(person)
    return people


@pytest.fixture(autouse=True)
def _no_dashboard_cache(settings):
    """Every request computes its numbers (the large-scope cache has its own test)."""
    settings.DASHBOARDS_CACHE_SECONDS = 0


@pytest.fixture
def cycle(world) -> Cycle:
    return make_cycle(world.org_a)


@pytest.fixture
def dashboard_url():
    return "/dashboard/"


def get_counted(client, params=None, url: str = "/dashboard/") -> tuple[int, str]:
    """GET the dashboard: (queries it ran, its HTML); it must answer 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()
