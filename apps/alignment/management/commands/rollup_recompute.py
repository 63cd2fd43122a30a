"""Recompute every stored key result and goal progress from raw values (all organizations, or some)."""

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organization
from apps.alignment.rollup import rollup_recompute_all


class Command(BaseCommand):
    help = "Recompute stored progress (key results, goals, roll-ups) from raw values, set-based, per organization."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Organization slugs (default: every organization).")

    def handle(self, *args, slugs, **options):
        organizations = Organization.objects.order_by("pk")
        if slugs:
            organizations = organizations.filter(slug__in=slugs)
            missing = set(slugs) - set(organizations.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No organization with slug: {', '.join(sorted(missing))}")
        for organization in organizations:
            result = rollup_recompute_all(organization)
            self.stdout.write(
                f"{organization.slug}: {result.goals} goals ({result.goals_changed} changed), "
                f"{result.key_results} key results ({result.key_results_changed} changed), "
                f"{result.levels} levels, {result.seconds:.3f} s [{result.method}]"
            )
