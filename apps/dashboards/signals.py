"""Bump the data version (``core.dataversion``) on every write the dashboards read, as narrowly as
``scopes.py`` allows (a goal's write bumps its owners' teams, a team's write the whole organization)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from apps.accounts.models import Membership, Organization, Team, TeamMembership, User
from apps.checkins.models import Blocker, Celebration, CheckIn, CheckinSubmission
from apps.core import dataversion
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

from . import history, scopes

ORG_OWNED = (
    Membership, Team, TeamMembership, GoalSettings, Cycle, Goal, KeyResult, Milestone, GoalAlignment,
    CheckIn, CheckinSubmission, Blocker, Celebration,
)  # fmt: skip


def _goal_saved(sender, instance: Goal, created: bool, **kwargs) -> None:
    before = getattr(instance, "_history_set", None)
    instance._history_set = scopes.goal_set(instance)
    if not created and before != instance._history_set:
        history.bump(instance.organization_id)


def _goal_deleted(sender, instance: Goal, **kwargs) -> None:
    history.bump(instance.organization_id)


def _checkin_written(sender, instance: CheckIn, **kwargs) -> None:
    if history.is_past_somewhere(instance.period_start):
        history.bump(instance.organization_id)


def connect() -> None:
    scopes.install()
    dataversion.connect(org_owned=ORG_OWNED, organization=Organization, user=User, membership=Membership)
    post_save.connect(_goal_saved, sender=Goal, dispatch_uid="dashboards-goal-history-saved")
    post_delete.connect(_goal_deleted, sender=Goal, dispatch_uid="dashboards-goal-history-deleted")
    post_save.connect(_checkin_written, sender=CheckIn, dispatch_uid="dashboards-checkin-history-saved")
    post_delete.connect(_checkin_written, sender=CheckIn, dispatch_uid="dashboards-checkin-history-deleted")
