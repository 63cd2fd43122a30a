"""Bump the data version (``core.dataversion``) on every write the dashboards read, as narrowly as
``scopes.py`` allows (a goal's write bumps its owners' teams, a team's write the whole organization)."""

from __future__ import annotations

from apps.accounts.models import Membership, Organization, Team, TeamMembership, User
from apps.checkins.models import Blocker, Celebration, CheckIn, CheckinSubmission
from apps.core import dataversion
from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

from . import scopes

ORG_OWNED = (
    Membership, Team, TeamMembership, GoalSettings, Cycle, Goal, KeyResult, Milestone, GoalAlignment,
    CheckIn, CheckinSubmission, Blocker, Celebration,
)  # fmt: skip


def connect() -> None:
    scopes.install()
    dataversion.connect(org_owned=ORG_OWNED, organization=Organization, user=User, membership=Membership)
