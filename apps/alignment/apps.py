from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "apps.alignment"
    label = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        from apps.accounts.models import Membership, Organization, Team, TeamMembership, User
        from apps.core import dataversion
        from apps.goals.models import Cycle, Goal, GoalAlignment, GoalSettings, KeyResult, Milestone

        from . import signals  # noqa: F401

        # The tree page is cached by the data version (core.pagecache): bump it on what the tree shows.
        dataversion.connect(
            org_owned=(Membership, Team, TeamMembership, GoalSettings, Cycle, Goal, KeyResult, Milestone, GoalAlignment),
            organization=Organization, user=User, membership=Membership,
        )  # fmt: skip
