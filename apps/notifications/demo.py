"""Demo schedule (a GOALSITE_DEMO_HOOKS hook run by ``seed_demo``).

The organization keeps the product defaults — reminders on Monday 09:00 and
digests on Monday 08:00, each person's own time zone — so once ``make run``'s
beat scans (every five minutes) last week's digests go out, and anyone who has
not checked in this week is reminded. One demo person also asks for their
reminder a few minutes after the demo starts, so a reminder shows up in the
worker's console (and the bell) on any day of the week.
"""

from datetime import timedelta

from django.utils import timezone

from . import schedule
from .models import ReminderPolicy, ReminderPreference


def seed(*, organization, members) -> None:
    ReminderPolicy.objects.get_or_create(organization=organization)
    member = members.get("bo") or next(iter(members.values()), None)
    if member is None:
        return
    local = schedule.local_week(timezone.now() + timedelta(minutes=3), member.user.time_zone).now
    ReminderPreference.objects.update_or_create(
        member=member,
        defaults={
            "organization_id": organization.pk,
            "enabled": True,
            "weekday": local.weekday(),
            "local_time": local.time().replace(second=0, microsecond=0),
            "paused_until": None,
        },
    )
