"""Fixtures for the goals tests.

Several engineers add fixtures here: append a new section, never rewrite one.
"""

# --- goals world (services, selectors, SMART, roll-up) -------------------------------
# Built directly with the models (not tests/factories.py) so these tests do not
# depend on the factories' shape. Names are prefixed ``gw`` to stay out of the way.

from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, Organization, Role, Team, TeamKind, TeamMembership, TeamRole, User
from apps.goals import services
from apps.goals.models import Cycle


@dataclass
class GoalsWorld:
    org_a: Organization
    admin: Membership  # org A admin, in no team
    manager: Membership  # manages ``rockets``; line manager of member and teammate
    member: Membership  # in ``rockets``
    teammate: Membership  # in ``rockets``
    peer: Membership  # in ``anvils``; line manager is peer_manager
    peer_manager: Membership  # manages ``anvils``
    company: Team
    rockets: Team
    anvils: Team
    cycle: Cycle  # the current quarter
    next_cycle: Cycle
    org_b: Organization
    outsider: Membership  # org B admin
    outsider_member: Membership
    team_b: Team
    cycle_b: Cycle


def gw_person(organization: Organization, key: str, role: str = Role.MEMBER, line_manager=None) -> Membership:
    user = User.objects.create_user(email=f"{key}@{organization.slug}.example", password=None, full_name=key.title())
    return Membership.objects.create(organization=organization, user=user, role=role, line_manager=line_manager)


def gw_join(team: Team, membership: Membership, role: str = TeamRole.MEMBER) -> TeamMembership:
    return TeamMembership.objects.create(organization=team.organization, team=team, membership=membership, role=role)


def build_goals_world(today: date | None = None) -> GoalsWorld:
    today = today or timezone.localdate()
    org_a = Organization.objects.create(name="Gw Acme", slug="gw-acme")
    admin = gw_person(org_a, "admin", Role.ADMIN)
    manager = gw_person(org_a, "manager", Role.MANAGER, line_manager=admin)
    member = gw_person(org_a, "member", line_manager=manager)
    teammate = gw_person(org_a, "teammate", line_manager=manager)
    peer_manager = gw_person(org_a, "peermanager", Role.MANAGER, line_manager=admin)
    peer = gw_person(org_a, "peer", line_manager=peer_manager)
    company = Team.objects.create(organization=org_a, name="Acme", kind=TeamKind.COMPANY)
    rockets = Team.objects.create(organization=org_a, name="Rockets", parent=company)
    anvils = Team.objects.create(organization=org_a, name="Anvils", parent=company)
    gw_join(rockets, manager, TeamRole.MANAGER)
    gw_join(rockets, member)
    gw_join(rockets, teammate)
    gw_join(anvils, peer_manager, TeamRole.MANAGER)
    gw_join(anvils, peer)
    cycle, next_cycle = services.cycle_ensure_quarters(organization=org_a, today=today)

    org_b = Organization.objects.create(name="Gw Bluebird", slug="gw-bluebird")
    outsider = gw_person(org_b, "outsider", Role.ADMIN)
    outsider_member = gw_person(org_b, "outsidermember", line_manager=outsider)
    team_b = Team.objects.create(organization=org_b, name="Feathers")
    gw_join(team_b, outsider, TeamRole.MANAGER)
    gw_join(team_b, outsider_member)
    (cycle_b, _) = services.cycle_ensure_quarters(organization=org_b, today=today)
    return GoalsWorld(
        org_a=org_a,
        admin=admin,
        manager=manager,
        member=member,
        teammate=teammate,
        peer=peer,
        peer_manager=peer_manager,
        company=company,
        rockets=rockets,
        anvils=anvils,
        cycle=cycle,
        next_cycle=next_cycle,
        org_b=org_b,
        outsider=outsider,
        outsider_member=outsider_member,
        team_b=team_b,
        cycle_b=cycle_b,
    )


@pytest.fixture
def gw(db) -> GoalsWorld:
    return build_goals_world()


# --- URL registry: template library, career, coaching --------------------------------
# Objects for the tenancy sweep (tests/conftest.py SWEEP_OBJECTS): each builds a row of
# the given organization that org A's admin may open. Names are prefixed ``lcc``.

from apps.goals.models import CoachingSession, FeedbackRequest, Goal, GoalTemplate  # noqa: E402
from tests.conftest import SWEEP_OBJECTS  # noqa: E402


def _lcc_goal(w, org) -> Goal:
    return Goal.objects.create(organization=org, owner_member=w.member_of(org), title="Sweep goal for coaching")


def _lcc_session(w, org) -> CoachingSession:
    goal = _lcc_goal(w, org)
    return CoachingSession.objects.create(
        organization=org,
        goal=goal,
        author=w.admin_of(org),
        held_on=date(2026, 1, 5),
        grow_goal="g",
        reality="r",
        options="o",
        will="Do the thing",
    )


def _lcc_feedback(w, org) -> FeedbackRequest:
    # Asked by the admin, so the sweep's admin of org A is one of the two people who may open it.
    return FeedbackRequest.objects.create(
        organization=org, goal=_lcc_goal(w, org), requester=w.admin_of(org), recipient=w.member_of(org), question="?"
    )


def _lcc_template(w, org) -> GoalTemplate:
    return GoalTemplate.objects.create(
        organization=org, title="Sweep [number] things by [date]", why="Because.", involves="Steps."
    )


for _lcc_key, _lcc_factory in {
    ("goals:org_template_use", "public_id"): _lcc_template,
    ("goals:org_template_edit", "public_id"): _lcc_template,
    ("goals:org_template_delete", "public_id"): _lcc_template,
    ("goals:coaching_new", "public_id"): _lcc_goal,
    ("goals:coach_invite", "public_id"): _lcc_goal,
    ("goals:feedback_request", "public_id"): _lcc_goal,
    ("goals:will_to_milestones", "public_id"): _lcc_session,
    ("goals:feedback_detail", "public_id"): _lcc_feedback,
    ("goals:person_career", "public_id"): lambda w, org: w.member_of(org),
}.items():
    SWEEP_OBJECTS.setdefault(_lcc_key, _lcc_factory)


# --- URL registry: goal pages, key results, milestones --------------------------------
# Objects for the tenancy sweep of views/goals.py URLs. Names are prefixed ``gp``.

from apps.goals.models import KeyResult, Milestone  # noqa: E402


def _gp_goal(w, org) -> Goal:
    return Goal.objects.create(
        organization=org, owner_member=w.member_of(org), title="Sweep goal for goal pages", status="active"
    )


def _gp_kr(w, org) -> KeyResult:
    return KeyResult.objects.create(organization=org, goal=_gp_goal(w, org), title="Sweep KR", target_value=10)


def _gp_milestone(w, org) -> Milestone:
    return Milestone.objects.create(organization=org, goal=_gp_goal(w, org), title="Sweep step")


for _gp_names, _gp_factory in (
    (
        ("detail", "edit", "activate", "close", "reopen", "carry_over", "confidence", "activity", "kr_add"),
        _gp_goal,
    ),
    (("milestone_add", "plan_space"), _gp_goal),
    (("kr_value", "kr_edit", "kr_delete"), _gp_kr),
    (("milestone_done", "milestone_reschedule", "milestone_move", "milestone_delete"), _gp_milestone),
):
    for _gp_name in _gp_names:
        SWEEP_OBJECTS.setdefault((f"goals:{_gp_name}", "public_id"), _gp_factory)
