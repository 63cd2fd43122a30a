"""Fixtures for the alignment tests, on top of the shared world (tests/conftest.py).

``aw`` adds cycles and a small alignment tree to org A:

    company objective (team Acme, org-wide)
    ├── Rockets objective (team Rockets, org-wide)      weight 2
    │   ├── Mel's goal (member, org-wide)               weight 1
    │   └── Mel's private goal (member, private)        weight 1
    └── Anvils objective (team Anvils, org-wide)        weight 1

plus one goal in org B. Objects are made through the services, so stored
progress is maintained exactly as in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership, Organization, Team
from apps.alignment import services as alignment
from apps.goals import services as goals
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalStatus, KeyResult
from tests.conftest import SWEEP_OBJECTS, World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_tree_cache(settings):
    """Every request builds the tree (rows here are often made with bulk_create; test_tree_cache.py tests the cache)."""
    settings.ALIGNMENT_CACHE_SECONDS = 0


def make_goal(
    actor: Membership,
    title: str,
    *,
    cycle: Cycle | None,
    team: Team | None = None,
    visibility: str = "org",
    krs=((10, 0, 1),),
    status: str = GoalStatus.ACTIVE,
) -> Goal:
    """A goal with key results given as (target, current, weight)."""
    goal = goals.goal_create(
        actor=actor, title=title, cycle=cycle, owner_team=team, visibility=visibility, status=status
    )
    for index, (target, current, weight) in enumerate(krs):
        kr = goals.kr_create(
            actor=actor, goal=goal, title=f"{title} KR {index + 1}", target_value=target, weight=weight, unit="things"
        )
        if current:
            goals.kr_set_value(actor=actor, kr=kr, value=current)
    goal.refresh_from_db()
    return goal


@dataclass
class AlignmentWorld:
    w: World
    cycle: Cycle
    next_cycle: Cycle
    company_goal: Goal
    rockets_goal: Goal
    anvils_goal: Goal
    member_goal: Goal
    private_goal: Goal
    goal_b: Goal
    cycle_b: Cycle

    def __getattr__(self, name):
        return getattr(self.w, name)


def build_alignment_world(w: World) -> AlignmentWorld:
    today = timezone.localdate()
    cycle, next_cycle = goals.cycle_ensure_quarters(organization=w.org_a, today=today)
    (cycle_b,) = goals.cycle_ensure_quarters(organization=w.org_b, today=today, ahead=0)
    company_goal = make_goal(w.admin, "Acme wins its market", cycle=cycle, team=w.company, krs=((100, 40, 1),))
    rockets_goal = make_goal(w.manager, "Rockets ship twice as fast", cycle=cycle, team=w.team, krs=((10, 5, 1),))
    anvils_goal = make_goal(w.admin, "Anvils never break", cycle=cycle, team=w.peer_team, krs=((10, 2, 1),))
    member_goal = make_goal(w.member, "Mel ships the new launcher", cycle=cycle, krs=((4, 3, 1),))
    private_goal = make_goal(w.member, "Mel's secret side quest", cycle=cycle, visibility="private", krs=((10, 1, 1),))
    alignment.alignment_link(actor=w.manager, child=rockets_goal, parent=company_goal, weight=Decimal(2))
    alignment.alignment_link(actor=w.admin, child=anvils_goal, parent=company_goal)
    alignment.alignment_link(actor=w.member, child=member_goal, parent=rockets_goal)
    alignment.alignment_link(actor=w.member, child=private_goal, parent=rockets_goal)
    goal_b = make_goal(w.outsider_member, "Bluebird flies", cycle=cycle_b)
    for goal in (company_goal, rockets_goal, anvils_goal, member_goal, private_goal):
        goal.refresh_from_db()
    return AlignmentWorld(
        w=w,
        cycle=cycle,
        next_cycle=next_cycle,
        company_goal=company_goal,
        rockets_goal=rockets_goal,
        anvils_goal=anvils_goal,
        member_goal=member_goal,
        private_goal=private_goal,
        goal_b=goal_b,
        cycle_b=cycle_b,
    )


@pytest.fixture(scope="module")
def _aw_module(django_db_setup, django_db_blocker):
    """Build the world once per test module, inside a transaction rolled back at the end of the module.

    Each test's own ``db`` transaction nests inside it (a savepoint), so every test
    starts from the same rows and none sees another's changes.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_alignment_world(build_world())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _reload(obj):
    return type(obj).objects.get(pk=obj.pk) if obj is not None else None


@pytest.fixture
def aw(_aw_module, db) -> AlignmentWorld:
    """The alignment world with every object freshly read (tests may change rows; they are rolled back)."""
    built = _aw_module
    w = World(**{name: _reload(getattr(built.w, name)) for name in World.__dataclass_fields__})
    others = {name: _reload(getattr(built, name)) for name in AlignmentWorld.__dataclass_fields__ if name != "w"}
    return AlignmentWorld(w=w, **others)


# --- URL registry (tests/conftest.py SWEEP_OBJECTS) ----------------------------------
# Each builds a row of the given organization that its admin may open. Prefixed ``_al``.


def _al_goal(w: World, org: Organization) -> Goal:
    return Goal.objects.create(
        organization=org, owner_member=w.member_of(org), title="Sweep goal for alignment", status=GoalStatus.ACTIVE
    )


def _al_cycle(w: World, org: Organization) -> Cycle:
    start = timezone.localdate() - timedelta(days=400 + Cycle.objects.filter(organization=org).count() * 10)
    return Cycle.objects.create(
        organization=org, name=f"Sweep {start.isoformat()}", starts_on=start, ends_on=start + timedelta(days=9)
    )


def _al_link(w: World, org: Organization) -> GoalAlignment:
    parent = _al_goal(w, org)
    child = _al_goal(w, org)
    return GoalAlignment.objects.create(organization=org, child=child, parent=parent)


def _al_kr(w: World, org: Organization) -> KeyResult:
    return KeyResult.objects.create(organization=org, goal=_al_goal(w, org), title="Sweep KR", target_value=10)


AL_SWEEP = {
    ("alignment:team_node", "public_id"): lambda w, org: Team.objects.create(
        organization=org, name=f"Sweep {org.pk}-{Team.objects.count()}"
    ),
    ("alignment:person_node", "public_id"): lambda w, org: w.member_of(org),
    ("alignment:goal_node", "public_id"): _al_goal,
    ("alignment:path", "public_id"): _al_goal,
    ("alignment:goal", "public_id"): _al_goal,
    ("alignment:link", "public_id"): _al_goal,
    ("alignment:report", "public_id"): _al_cycle,
    ("alignment:link_weight", "public_id"): _al_link,
    ("alignment:unlink", "public_id"): _al_link,
    ("alignment:kr_contribute", "public_id"): _al_kr,
}

for _al_key, _al_factory in AL_SWEEP.items():
    SWEEP_OBJECTS.setdefault(_al_key, _al_factory)
