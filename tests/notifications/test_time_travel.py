"""Four-plus weeks of beat ticks across the 2026 DST changes: one reminder per person per local week, on time.

Berlin (29 Mar, 25 Oct), New York (8 Mar, 1 Nov) and Auckland (5 Apr, 27 Sep). Each zone
has a person on the default Monday 09:00 and one who chose Sunday 02:30 — a wall time
that does not exist on a spring-forward night and happens twice on a fall-back night.
The scan service is called every 30 minutes of simulated time, as beat would (every 5 in production).
"""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from apps.accounts.models import Membership, Organization, User
from apps.notifications import schedule, services
from apps.notifications.models import Delivery, DeliveryKind, ReminderPreference

STEP = timedelta(minutes=30)
ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Auckland"]
WINDOWS = {
    "spring": (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), datetime(2026, 4, 8, 0, 0, tzinfo=UTC)),
    "autumn": (datetime(2026, 9, 20, 0, 0, tzinfo=UTC), datetime(2026, 11, 4, 0, 0, tzinfo=UTC)),
}


def _people():
    org = Organization.objects.create(name="Zones", slug="zones")
    people = {}
    for zone in ZONES:
        for label, weekday, at in (("monday", 0, time(9)), ("sunday-night", 6, time(2, 30))):
            user = User.objects.create_user(
                email=f"{label}.{zone.replace('/', '.').lower()}@zones.example",
                full_name=f"{zone} {label}",
                time_zone=zone,
            )
            member = Membership.objects.create(organization=org, user=user)
            if label != "monday":
                ReminderPreference.objects.create(organization=org, member=member, weekday=weekday, local_time=at)
            people[member.pk] = (zone, weekday, at)
    return org, people


def _expected(people, start, end):
    """Every (person, local Monday) whose reminder moment falls before ``end``, and when it should go out."""
    expected = {}
    for member_id, (zone, weekday, at) in people.items():
        monday = schedule.local_week(start, zone).monday
        while True:
            moment = schedule.local_moment(monday, weekday, at, schedule.tz(zone))
            if moment >= end:
                break
            expected[(member_id, monday.isoformat())] = max(moment, start)
            monday += timedelta(days=7)
    return expected


@pytest.mark.parametrize("window", WINDOWS)
def test_one_reminder_per_person_per_local_week_at_local_time_across_dst(db, window, no_enqueue, outbox, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    start, end = WINDOWS[window]
    org, people = _people()
    sent_at: dict[tuple[int, str], list[datetime]] = {}
    with time_machine.travel(start, tick=False) as traveller:
        now = start
        while now < end:
            traveller.move_to(now)
            ids = services.scan(kinds=["reminders"], organization_id=org.pk)[0].delivery_ids
            if ids:
                services.deliver_batch(delivery_ids=ids)
                for member_id, period in Delivery.objects.filter(pk__in=ids).values_list("recipient_id", "period"):
                    sent_at.setdefault((member_id, period), []).append(now)
            now += STEP

    expected = _expected(people, start, end)
    assert len(expected) >= 6 * 5  # six people, five or more local weeks each
    assert set(sent_at) == set(expected)
    assert all(len(times) == 1 for times in sent_at.values()), {k: v for k, v in sent_at.items() if len(v) > 1}
    for key, moment in expected.items():
        when = sent_at[key][0]
        assert moment <= when < moment + STEP, (key, people[key[0]], moment, when)
    assert len(outbox) == len(expected)
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER, state="sent").count() == len(expected)


def test_monday_nine_is_nine_local_on_both_sides_of_each_change(db):
    """The reminder moment stays at 09:00 on the wall clock while its UTC hour moves with DST."""
    cases = {
        # zone: (Monday before, UTC hour), (Monday after, UTC hour)
        "Europe/Berlin": ((datetime(2026, 3, 23), 8), (datetime(2026, 3, 30), 7)),
        "America/New_York": ((datetime(2026, 3, 2), 14), (datetime(2026, 3, 9), 13)),
        "Pacific/Auckland": ((datetime(2026, 3, 30), 20), (datetime(2026, 4, 6), 21)),
    }
    for zone, ((before, before_hour), (after, after_hour)) in cases.items():
        for monday, hour in ((before, before_hour), (after, after_hour)):
            moment = schedule.local_moment(monday.date(), 0, time(9), schedule.tz(zone))
            assert moment.hour == 9
            utc = moment.astimezone(UTC)
            # Auckland's Monday 09:00 is the previous day in UTC.
            assert utc.hour == hour, (zone, monday, utc)
