"""Bump the organization's data version (``core.dataversion``) on every write the dashboards read."""

from __future__ import annotations

from apps.accounts.models import Membership, Organization, Team, TeamMembership, User
from apps.checkins.models import Blocker, Celebration, CheckIn, CheckinSubmission
from apps.core import dataversion
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

ORG_OWNED = (
    Membership, Team, TeamMembership, GoalSettings, Cycle, Goal, KeyResult, Milestone, GoalAlignment,
    CheckIn, CheckinSubmission, Blocker, Celebration,
)  # fmt: skip


def connect() -> None:
    dataversion.connect(org_owned=ORG_OWNED, organization=Organization, user=User, membership=Membership)
