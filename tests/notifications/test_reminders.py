"""Who is due for a check-in reminder, and that a scan records each (person, week) once."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from apps.notifications import services
from apps.notifications.models import (
    Delivery,
    DeliveryKind,
    ReminderPolicy,
    ReminderPreference,
    TeamReminderPolicy,
)

from .conftest import deliver_all, make_checkin

MONDAY_10_UTC = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # Monday 30 March 2026


def _due_ids(now=MONDAY_10_UTC, org=None):
    return {d.recipient_id for d in services.reminders_due(now=now, organization_id=org)}


@pytest.fixture
def org_a_world(world):
    """Org A only (org B's people are due too; the tests look at org A)."""
    return world


def test_everyone_active_is_due_after_monday_nine_local(org_a_world):
    w = org_a_world
    assert _due_ids(org=w.org_a.pk) == {w.admin.pk, w.manager.pk, w.member.pk, w.peer.pk}
    assert _due_ids(now=MONDAY_10_UTC.replace(hour=8, minute=59), org=w.org_a.pk) == set()


def test_someone_who_checked_in_this_week_is_not_due(world):
    make_checkin(world.member, date(2026, 3, 30))
    assert world.member.pk not in _due_ids(org=world.org_a.pk)


def test_a_check_in_last_week_does_not_count_for_this_week(world):
    make_checkin(world.member, date(2026, 3, 23))
    assert world.member.pk in _due_ids(org=world.org_a.pk)


def test_biweekly_cadence_skips_the_week_after_a_check_in(world):
    from apps.checkins.models import CheckinPreference

    CheckinPreference.objects.create(organization=world.org_a, member=world.member, cadence="biweekly")
    make_checkin(world.member, date(2026, 3, 23))
    assert world.member.pk not in _due_ids(org=world.org_a.pk)


def test_reminders_off_paused_email_off_or_inactive_are_never_due(world):
    ReminderPreference.objects.create(organization=world.org_a, member=world.member, enabled=False)
    ReminderPreference.objects.create(organization=world.org_a, member=world.peer, paused_until=date(2026, 3, 30))
    world.manager.user.email_notifications = False
    world.manager.user.save()
    world.admin.is_active = False
    world.admin.save()
    assert _due_ids(org=world.org_a.pk) == set()


def test_pause_ends_the_day_after_paused_until(world):
    ReminderPreference.objects.create(organization=world.org_a, member=world.peer, paused_until=date(2026, 3, 29))
    assert world.peer.pk in _due_ids(org=world.org_a.pk)


def test_organization_switch_turns_reminders_off_for_everyone(world):
    ReminderPolicy.objects.create(organization=world.org_a, reminders_enabled=False)
    assert _due_ids(org=world.org_a.pk) == set()


def test_personal_choice_beats_team_override_beats_organization_default(world):
    ReminderPolicy.objects.create(organization=world.org_a, weekday=0, local_time=time(9))
    TeamReminderPolicy.objects.create(organization=world.org_a, team=world.team, weekday=2, local_time=time(14))
    ReminderPreference.objects.create(organization=world.org_a, member=world.member, weekday=4, local_time=time(7))
    wednesday_15 = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    # Monday 10:00: the team (manager) waits for Wednesday, the member for Friday, the others are due.
    assert _due_ids(org=world.org_a.pk) == {world.admin.pk, world.peer.pk}
    assert _due_ids(now=wednesday_15, org=world.org_a.pk) == {world.admin.pk, world.peer.pk, world.manager.pk}
    friday_7 = datetime(2026, 4, 3, 7, 0, tzinfo=UTC)
    assert world.member.pk in _due_ids(now=friday_7, org=world.org_a.pk)


def test_each_persons_time_zone_decides_when_monday_nine_is(world):
    world.member.user.time_zone = "America/New_York"  # 09:00 EDT = 13:00 UTC
    world.member.user.save()
    world.peer.user.time_zone = "Pacific/Auckland"  # 09:00 NZDT on Monday = Sunday 20:00 UTC
    world.peer.user.save()
    sunday_20_utc = datetime(2026, 3, 29, 20, 0, tzinfo=UTC)
    periods = {
        d.recipient_id: d.period for d in services.reminders_due(now=sunday_20_utc, organization_id=world.org_a.pk)
    }
    assert periods[world.peer.pk] == "2026-03-30"  # already Monday 09:00 in Auckland
    assert periods[world.member.pk] == "2026-03-23"  # still last week's (unsent) reminder in New York
    assert world.member.pk not in _due_ids(now=MONDAY_10_UTC, org=world.org_a.pk)
    assert world.member.pk in _due_ids(now=MONDAY_10_UTC.replace(hour=13), org=world.org_a.pk)


def test_scan_records_one_row_per_person_and_week_however_often_it_runs(world, no_enqueue):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        first = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0]
        second = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0]
    assert first.created == 4
    assert second.due == 0 and second.created == 0
    assert Delivery.objects.filter(kind=DeliveryKind.REMINDER, organization=world.org_a).count() == 4


def test_the_unique_key_refuses_a_second_row_even_when_the_scan_races(world, no_enqueue):
    """Two scans that both decided someone is due: the ledger keeps one row, each scan enqueues only its own rows."""
    due = services.reminders_due(now=MONDAY_10_UTC, organization_id=world.org_a.pk)
    first = services.ledger_insert(due=due)
    second = services.ledger_insert(due=due)
    assert len(first) == 4
    assert second == []


def test_reminder_email_goes_out_once_and_not_after_checking_in(world, no_enqueue, outbox):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ids = services.scan(kinds=["reminders"], organization_id=world.org_a.pk)[0].delivery_ids
        make_checkin(world.peer, date(2026, 3, 30))  # checks in between the scan and the send
        result = deliver_all(ids)
        again = deliver_all(ids)
    assert result.sent == 3 and result.skipped == 1
    assert again.not_claimed == 4
    assert sorted(m.to[0] for m in outbox) == sorted(
        [world.admin.user.email, world.manager.user.email, world.member.user.email]
    )


def test_dry_run_records_nothing(world):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        result = services.scan(kinds=["reminders", "alerts"], dry_run=True, organization_id=world.org_a.pk)
    assert result[0].due == 4
    assert not Delivery.objects.exists()


def test_next_week_is_a_new_period(world, no_enqueue):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        services.scan(kinds=["reminders"], organization_id=world.org_a.pk)
    with time_machine.travel(MONDAY_10_UTC + timedelta(days=7), tick=False):
        services.scan(kinds=["reminders"], organization_id=world.org_a.pk)
    periods = sorted(set(Delivery.objects.filter(recipient=world.member).values_list("period", flat=True)))
    assert periods == ["2026-03-30", "2026-04-06"]
