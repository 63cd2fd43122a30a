"""Local-time arithmetic: "Monday 09:00" in each person's zone, across DST gaps and folds."""

from datetime import UTC, date, datetime, time

from apps.notifications import schedule


def test_week_monday_is_the_monday_of_the_local_week():
    assert schedule.week_monday(date(2026, 3, 29)) == date(2026, 3, 23)  # a Sunday
    assert schedule.week_monday(date(2026, 3, 30)) == date(2026, 3, 30)


def test_local_week_uses_the_persons_zone_not_utc():
    # Sunday 23:30 UTC is already Monday in Auckland and still Sunday in New York.
    now = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert schedule.local_week(now, "Pacific/Auckland").monday == date(2026, 3, 30)
    assert schedule.local_week(now, "America/New_York").monday == date(2026, 3, 23)


def test_reminder_is_due_only_after_the_local_moment():
    zone = "Europe/Berlin"
    before = datetime(2026, 3, 30, 6, 59, tzinfo=UTC)  # 08:59 CEST
    after = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert schedule.due_this_week(before, zone, 0, time(9)) is None
    assert schedule.due_this_week(after, zone, 0, time(9)) == date(2026, 3, 30)


def test_a_moment_in_the_spring_forward_gap_happens_right_after_the_jump():
    zone = schedule.tz("Europe/Berlin")
    moment = schedule.local_moment(date(2026, 3, 23), 6, time(2, 30), zone)  # Sunday 29 March, 02:30 does not exist
    assert moment.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_a_moment_in_the_autumn_fold_is_its_first_occurrence():
    zone = schedule.tz("Europe/Berlin")
    moment = schedule.local_moment(date(2026, 10, 19), 6, time(2, 30), zone)  # Sunday 25 October, 02:30 twice
    assert moment.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first one


def test_day_after_a_sunday_check_in_day_reports_the_previous_week():
    # Monday 09:30 UTC, check-in day Sunday 09:00: the notice is about the week that just ended.
    now = datetime(2026, 3, 30, 9, 30, tzinfo=UTC)
    assert schedule.due_day_after(now, "UTC", 6, time(9)) == date(2026, 3, 23)
    # Tuesday morning after a Monday check-in day: this week.
    assert schedule.due_day_after(datetime(2026, 3, 31, 9, 30, tzinfo=UTC), "UTC", 0, time(9)) == date(2026, 3, 30)
    # Before Tuesday 09:00 the week reported is still the previous one (its notice stays due for seven days).
    assert schedule.due_day_after(datetime(2026, 3, 31, 8, 30, tzinfo=UTC), "UTC", 0, time(9)) == date(2026, 3, 23)


def test_unknown_zone_falls_back_to_utc():
    assert schedule.tz("Mars/Olympus") == schedule.tz("UTC")
