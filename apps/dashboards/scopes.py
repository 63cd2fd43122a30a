"""Which teams a write touches: the dashboards' narrow cache invalidation (``core.dataversion``).

A dashboard about team T shows goals owned by T's subtree and by the people in it,
their check-ins, blockers and wins. So a write of such a row bumps the version of
the teams that own it, the teams of the people it belongs to, and every team above
them; a page about another team stays cached. Writes that decide who is in a scope
or who may see what (teams, memberships, people, cycles, settings) stay unscoped:
every page of the organization misses (``dataversion.bump`` without a scope).

Resolving costs at most two small indexed queries per write (a goal's owner when the
row does not carry it, a person's teams); the organization's team parents are read
once per process and structure version.
"""

from __future__ import annotations

from django.db.models.signals import post_init

from apps.accounts.models import Team, TeamMembership
from apps.checkins.models import Blocker, Celebration, CheckIn, CheckinSubmission
from apps.core import dataversion
from apps.goals.models import Goal, GoalAlignment, KeyResult, Milestone


def _parent_map(organization_id: int) -> dict[int, int | None]:
    return dataversion.per_structure(
        organization_id,
        "team-parents",
        lambda: dict(Team.objects.for_org(organization_id).values_list("id", "parent_id")),
    )


def teams_touched(organization_id: int, goals: set[int], members: set[int], teams: set[int]) -> set[int]:
    """The teams owning ``goals`` or holding their owners, the teams of ``members``, ``teams`` —
    and every team above any of them."""
    members, teams = set(members), set(teams)
    if goals:
        for member_id, team_id in Goal.objects.filter(organization_id=organization_id, pk__in=goals).values_list(
            "owner_member_id", "owner_team_id"
        ):
            members.add(member_id) if member_id else teams.add(team_id)
    members.discard(None)
    if members:
        teams |= set(
            TeamMembership.objects.filter(organization_id=organization_id, membership_id__in=members).values_list(
                "team_id", flat=True
            )
        )
    parents = _parent_map(organization_id)
    touched: set[int] = set()
    for team_id in teams:
        while team_id and team_id not in touched:  # stops at the top, and at a team already climbed from
            touched.add(team_id)
            team_id = parents.get(team_id)
    return touched


# --- what each row's write touches ----------------------------------------------------------------


def _goal_owner(goal_id: int, instance) -> dict:
    """The owner of a row's goal when it is loaded (no query), else the goal id to look up."""
    goal = instance._state.fields_cache.get("goal")
    if goal is not None and goal.pk == goal_id:
        return {"members": [goal.owner_member_id], "teams": [goal.owner_team_id]}
    return {"goals": [goal_id]}


def goal_set(goal: Goal) -> tuple:
    """What decides whether a goal is in a scope's past weeks (``history``): status, cycle and owner."""
    return (goal.status, goal.cycle_id, goal.owner_member_id, goal.owner_team_id)


def _remember_loaded(sender, instance: Goal, **kwargs) -> None:
    # The owner as loaded: moving a goal to another owner bumps the old owner's teams too.
    instance._dataversion_owner = (instance.owner_member_id, instance.owner_team_id)
    instance._history_set = goal_set(instance)  # a change of it makes the kept past weeks read again


def _goal(instance: Goal) -> dict:
    old_member, old_team = getattr(instance, "_dataversion_owner", (None, None))
    instance._dataversion_owner = (instance.owner_member_id, instance.owner_team_id)
    return {"members": [instance.owner_member_id, old_member], "teams": [instance.owner_team_id, old_team]}


def _with_author(instance, author_id: int | None) -> dict:
    scope = _goal_owner(instance.goal_id, instance)
    return {**scope, "members": [*scope.get("members", ()), author_id]}


SCOPERS = {
    Goal: _goal,
    KeyResult: lambda kr: _goal_owner(kr.goal_id, kr),
    Milestone: lambda m: _goal_owner(m.goal_id, m),
    GoalAlignment: lambda link: {"goals": [link.child_id, link.parent_id]},
    CheckIn: lambda c: _with_author(c, c.author_id),
    CheckinSubmission: lambda s: {"members": [s.author_id]},
    Blocker: lambda b: _with_author(b, b.author_id),
    Celebration: lambda c: _with_author(c, c.member_id),
}


def install() -> None:
    dataversion.set_team_resolver(teams_touched)
    for model, scoper in SCOPERS.items():
        dataversion.set_scoper(model, scoper)
    post_init.connect(_remember_loaded, sender=Goal, dispatch_uid="dashboards-goal-owner")
