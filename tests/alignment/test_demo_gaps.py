"""The demo shows something in every list of the gaps page, whatever the day it is seeded.

An unaligned goal, a team objective no one's goal contributes to yet, the newest
hire (no goal yet) and a goal whose check-ins stopped three weeks ago: seeded on
the first, a middle and the last day of a quarter, each list has a row for the
admin and for a member who sees only what is shared with the organization.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import Membership
from apps.alignment import selectors
from apps.checkins.models import CheckIn
from apps.goals.models import Cycle

pytestmark = pytest.mark.django_db

SECTIONS = ("unaligned", "unsupported", "idle_people", "stale")
HEADINGS = ("gap-unaligned", "gap-unsupported", "gap-people", "gap-stale")
DAYS = [
    datetime(2026, 10, 1, 12, 0, tzinfo=UTC),  # a quarter's first day: its goals are hours old
    datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 12, 0, tzinfo=UTC),
]


def member(key: str) -> Membership:
    return Membership.objects.select_related("organization", "user").get(user__email=f"{key}@brightwave.example")


def current_gaps(actor: Membership) -> selectors.Gaps:
    cycle = selectors.current_cycle(list(Cycle.objects.filter(organization=actor.organization)))
    return selectors.gaps(actor=actor, cycle=cycle)


@pytest.mark.parametrize("moment", DAYS, ids=["first-day", "mid-quarter", "last-day"])
def test_the_demo_has_a_gap_of_every_kind_in_the_current_cycle(moment, client_for):
    with time_machine.travel(moment):
        call_command("seed_demo", "--quiet")
        for key in ("maya", "bo"):
            gaps = current_gaps(member(key))
            assert gaps.cycle is not None and gaps.cycle.starts_on <= moment.date() <= gaps.cycle.ends_on
            totals = {section: getattr(gaps, section).total for section in SECTIONS}
            assert all(totals.values()), (key, totals)

        gaps = current_gaps(member("bo"))
        unsupported = {goal.title for goal in gaps.unsupported.rows}
        assert "Make Brightwave usable with a keyboard and a screen reader" in unsupported
        # Only the newest hire, who joined days ago, has no active goal.
        assert [m.user.full_name for m in gaps.idle_people.rows] == ["Elif Yılmaz"]
        elif_ = member("elif")
        assert elif_.line_manager == member("sam")
        assert timezone.now() - timedelta(days=7) < elif_.user.date_joined < timezone.now()
        # The goal that went quiet: last check-in about three weeks ago, while its owner still checks in on others.
        (quiet,) = gaps.stale.rows
        assert quiet.title == "Retire the legacy reporting service"
        assert timedelta(days=17) < timezone.now() - quiet.last_checkin < timedelta(days=25)
        recent = CheckIn.objects.filter(author=quiet.owner_member, created_at__gte=timezone.now() - timedelta(days=8))
        assert recent.exclude(goal=quiet).exists()

        html = client_for(member("bo")).get("/alignment/gaps/").content.decode()
        for heading in HEADINGS:
            count = re.search(rf'id="{heading}"[^>]*>[^<]*<span[^>]*>\((\d+)\)', html)
            assert count and int(count.group(1)) >= 1, heading
