"""Helpers the goal, check-in and dashboard browser flows share (fixtures stay in conftest.py)."""

import re

from django.core.management import call_command
from playwright.sync_api import Page, expect

from apps.accounts.models import Membership

# The machine running these is often busy: wait generously, never sleep.
WAIT = 30_000
expect.set_options(timeout=WAIT)


def seed_full_demo() -> None:
    """Goals, alignment and check-ins on top of the demo people (idempotent, like `seed_demo`)."""
    call_command("seed_demo", "--quiet")


def member(key: str) -> Membership:
    return Membership.objects.select_related("user", "organization").get(user__email=f"{key}@brightwave.example")


def patient(page: Page) -> Page:
    """The page with generous default timeouts (the machine is shared)."""
    page.set_default_timeout(WAIT)
    page.set_default_navigation_timeout(WAIT)
    return page


def percent(text: str) -> int:
    """The number of a "42 %" label."""
    match = re.search(r"(-?\d+)\s*%", text)
    assert match, f"no percentage in {text!r}"
    return int(match.group(1))
