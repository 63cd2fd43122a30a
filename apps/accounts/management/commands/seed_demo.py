from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts import demo


class Command(BaseCommand):
    help = "Create (or refresh) the Brightwave demo organization. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the sign-in details.")

    def handle(self, *args, quiet: bool = False, **options):
        organization, members = demo.seed_people()
        for hook in getattr(settings, "GOALSITE_DEMO_HOOKS", []):
            from django.utils.module_loading import import_string

            import_string(hook)(organization=organization, members=members)
        if quiet:
            return
        self.stdout.write(
            self.style.SUCCESS(f"Demo organization “{organization.name}” is ready: {len(members)} people.")
        )
        self.stdout.write(f"Every demo person's password: {demo.DEMO_PASSWORD}")
        self.stdout.write("Sign in as, for example:")
        for key, label in [
            ("maya", "admin, CEO"),
            ("ana", "manager, Sales"),
            ("bo", "member, Sales"),
            ("alex", "admin, People ops"),
        ]:
            self.stdout.write(f"  {demo.demo_email(key):<28} ({label})")
