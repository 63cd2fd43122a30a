"""Bump the organization's data version (``core.dataversion``) on every write the dashboards read."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from apps.accounts.models import Membership, Organization, Team, TeamMembership, User
from apps.checkins.models import Blocker, Celebration, CheckIn, CheckinSubmission
from apps.core import dataversion
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

ORG_OWNED = (
    Membership, Team, TeamMembership, GoalSettings, Cycle, Goal, KeyResult, Milestone, GoalAlignment,
    CheckIn, CheckinSubmission, Blocker, Celebration,
)  # fmt: skip


def _org_row_changed(sender, instance, **kwargs) -> None:
    dataversion.bump(instance.organization_id)


def _organization_changed(sender, instance, **kwargs) -> None:
    dataversion.bump(instance.pk)


def _user_changed(sender, instance, **kwargs) -> None:
    """A name or an active flag shows on the dashboards of every organization the person belongs to."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("created") or (update_fields is not None and set(update_fields) <= {"last_login", "password"}):
        return
    for organization_id in Membership.objects.filter(user_id=instance.pk).values_list("organization_id", flat=True):
        dataversion.bump(organization_id)


def connect() -> None:
    for model in ORG_OWNED:
        post_save.connect(_org_row_changed, sender=model, dispatch_uid=f"dataversion-{model._meta.label}")
        post_delete.connect(_org_row_changed, sender=model, dispatch_uid=f"dataversion-del-{model._meta.label}")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid="dataversion-org")
    post_save.connect(_user_changed, sender=User, dispatch_uid="dataversion-user")
