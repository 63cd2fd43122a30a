from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Organization
from apps.notifications import services

KINDS = list(services.SCANNERS)


class Command(BaseCommand):
    help = (
        "Scan now: record who is due (reminders, manager notices, digests, alerts, due soon, celebrations) "
        "and hand the sends to the Celery worker. Safe to run any number of times: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=[*KINDS, "all"], help="Repeatable; default: all.")
        parser.add_argument("--dry-run", action="store_true", help="Print who is due; write and send nothing.")
        parser.add_argument("--sync", action="store_true", help="Send in this process instead of via the worker.")
        parser.add_argument("--org", help="Only this organization (its slug).")

    def handle(self, *args, kind=None, dry_run=False, sync=False, org=None, **options):
        kinds = KINDS if not kind or "all" in kind else kind
        organization_id = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"No organization with slug {org!r}.")
            organization_id = organization.pk
        results = services.scan(kinds=kinds, dry_run=dry_run, organization_id=organization_id, enqueue_sends=not sync)
        for result in results:
            if dry_run:
                self.stdout.write(f"{result.kind}: {result.due} due (dry run, nothing recorded)")
                for line in result.people[:200]:
                    self.stdout.write(f"  {line}")
                continue
            self.stdout.write(f"{result.kind}: {result.due} due, {result.created} new sends queued")
            if sync and result.delivery_ids:
                outcome = services.deliver_batch(delivery_ids=result.delivery_ids)
                self.stdout.write(f"  sent {outcome.sent}, skipped {outcome.skipped}, failed {outcome.failed}")
