"""Rebuild dashboards_goalweek (the pacing chart's rows) from the check-ins. PostgreSQL only; idempotent."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Organization
from apps.dashboards import history, weeks


class Command(BaseCommand):
    help = "Rebuild the weekly pacing rows (each goal's best check-in per week) from the check-ins."

    def handle(self, *args, **options):
        if not weeks.enabled():
            self.stdout.write("Nothing to do: the weekly rows are kept on PostgreSQL only.")
            return
        with transaction.atomic():
            weeks.rebuild()
            for organization_id in Organization.objects.values_list("id", flat=True):
                history.bump(organization_id)  # the kept past weeks of the pacing charts are read again
        self.stdout.write("Rebuilt the weekly pacing rows.")
