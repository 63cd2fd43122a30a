"""Fixtures for the check-in tests, built on the shared ``world`` (tests/conftest.py).

``cw`` adds, in org A: a current cycle; two active goals of ``member`` (three key results
between them) and a goal of ``peer`` everyone can see; in org B: an active goal of
``outsider_member``. Goals and key results are made with the goals services, the way the
product makes them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, Organization
from apps.checkins import services as checkin_services
from apps.checkins.forms import form_value
from apps.checkins.models import Blocker, Celebration, CelebrationKind, CheckIn
from apps.goals import services as goal_services
from apps.goals.models import Cycle, Goal, GoalStatus, KeyResult
from tests.conftest import SWEEP_OBJECTS, World


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The world has a dozen people; the production hasher would spend seconds on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_goal(owner: Membership, title: str, *, cycle: Cycle | None, krs=(), status=GoalStatus.ACTIVE) -> Goal:
    goal = goal_services.goal_create(actor=owner, title=title, cycle=cycle, status=status)
    for kr_title, start, target, current in krs:
        goal_services.kr_create(
            actor=owner, goal=goal, title=kr_title, start_value=start, target_value=target, current_value=current
        )
    goal.refresh_from_db()
    return goal


def current_cycle(organization: Organization) -> Cycle:
    return goal_services.cycle_ensure_quarters(organization=organization, today=timezone.localdate())[0]


@dataclass
class CheckinWorld:
    w: World
    cycle: Cycle
    goal: Goal  # member's: "Grow pipeline", KRs leads (10 → 50, now 20) and demos (0 → 10, now 2)
    goal2: Goal  # member's: "Ship the playbook", KR chapters (0 → 5, now 1)
    peer_goal: Goal  # peer's, visible to everyone in org A
    outsider_goal: Goal  # org B

    @property
    def leads(self) -> KeyResult:
        return self.goal.key_results.get(title="Qualified leads")

    @property
    def demos(self) -> KeyResult:
        return self.goal.key_results.get(title="Demos")

    @property
    def chapters(self) -> KeyResult:
        return self.goal2.key_results.get(title="Chapters written")


@pytest.fixture
def cw(world) -> CheckinWorld:
    cycle = current_cycle(world.org_a)
    goal = make_goal(
        world.member, "Grow pipeline", cycle=cycle, krs=[("Qualified leads", 10, 50, 20), ("Demos", 0, 10, 2)]
    )
    goal2 = make_goal(world.member, "Ship the playbook", cycle=cycle, krs=[("Chapters written", 0, 5, 1)])
    peer_goal = make_goal(world.peer, "Peer goal", cycle=cycle, krs=[("Peer KR", 0, 10, 3)])
    outsider_goal = make_goal(
        world.outsider_member, "Outsider goal", cycle=current_cycle(world.org_b), krs=[("Outsider KR", 0, 10, 4)]
    )
    return CheckinWorld(w=world, cycle=cycle, goal=goal, goal2=goal2, peer_goal=peer_goal, outsider_goal=outsider_goal)


# --- building form data -------------------------------------------------------------


def week_data(goals, key: uuid.UUID | None = None, **changes) -> dict[str, str]:
    """POST data as the weekly page sends it untouched: every value prefilled, its loaded twin, a key.

    ``changes`` are field names (see ``k`` and ``g``) with the values typed in, e.g.
    ``week_data(goals, **{k(kr): "30", g(goal, "wins"): "Closed two deals"})``.
    """
    data = {"idempotency_key": str(key or uuid.uuid4())}
    for goal in goals:
        for kr in goal.key_results.all():
            data[f"kr-{kr.public_id}"] = form_value(kr)
            data[f"kr-{kr.public_id}-loaded"] = form_value(kr)
        prefix = f"g-{goal.public_id}-"
        for name in ("confidence", "status", "wins", "blockers", "next_steps", "help_from"):
            data[prefix + name] = ""
    data.update(changes)
    return data


def g(goal: Goal, name: str) -> str:
    return f"g-{goal.public_id}-{name}"


def k(kr: KeyResult) -> str:
    return f"kr-{kr.public_id}"


def submit(actor: Membership, goal: Goal, *, values=None, **fields) -> checkin_services.SubmitResult:
    """Record a check-in through the service (test setup)."""
    values = values or {}
    entry = checkin_services.CheckinInput(
        goal=goal,
        kr_values=[
            checkin_services.KRValueInput(key_result=kr, value=str(new), loaded_value=str(kr.current_value))
            for kr, new in values.items()
        ],
        **fields,
    )
    return checkin_services.checkin_submit(actor=actor, idempotency_key=uuid.uuid4(), entries=[entry])


def kr_values(goal: Goal) -> dict[str, Decimal]:
    return {kr.title: kr.current_value for kr in KeyResult.objects.filter(goal=goal)}


# --- objects for the tenancy sweep -----------------------------------------------------
# tests/conftest.py keeps the registry; these entries make the check-in URLs sweepable
# (the maintainers of tests/conftest.py may move them there).


def _sweep_goal(w: World, org: Organization) -> Goal:
    owner = w.admin_of(org)  # the sweep's org-A requests come from the admin, who may open and change all of it
    return make_goal(owner, "Sweep goal", cycle=current_cycle(org), krs=[("Sweep KR", 0, 10, 1)])


def _sweep_checkin(w: World, org: Organization) -> CheckIn:
    goal = _sweep_goal(w, org)
    return submit(goal.owner_member, goal, wins="sweep").checkins[0]


def _sweep_blocker(w: World, org: Organization) -> Blocker:
    goal = _sweep_goal(w, org)
    submit(goal.owner_member, goal, blockers="stuck")
    return Blocker.objects.get(goal=goal)


def _sweep_celebration(w: World, org: Organization) -> Celebration:
    goal = _sweep_goal(w, org)
    return Celebration.objects.create(
        organization=org, goal=goal, member=goal.owner_member, kind=CelebrationKind.GOAL, subject="Sweep"
    )


CHECKIN_SWEEP = {
    ("checkins:goal_checkin", "public_id"): _sweep_goal,
    ("checkins:goal_checkins", "public_id"): _sweep_goal,
    ("checkins:kr_history", "public_id"): lambda w, org: _sweep_goal(w, org).key_results.get(),
    ("checkins:blocker_resolve", "public_id"): _sweep_blocker,
    ("checkins:checkin_seen", "public_id"): _sweep_checkin,
    ("checkins:checkin_flag", "public_id"): _sweep_checkin,
    ("checkins:checkin_comment", "public_id"): _sweep_checkin,
    ("checkins:kudos", "public_id"): _sweep_celebration,
    ("checkins:celebration_comment", "public_id"): _sweep_celebration,
    ("checkins:submitted", "public_id"): lambda w, org: _sweep_checkin(w, org).submission,
}
for _key, _factory in CHECKIN_SWEEP.items():
    SWEEP_OBJECTS.setdefault(_key, _factory)
