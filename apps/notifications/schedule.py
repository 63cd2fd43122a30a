"""Local-time arithmetic for "Monday 09:00 in each person's own time zone". Pure: no database.

A person's week starts on the Monday of their local calendar (the same rule as
``CheckIn.period_start``). A local moment that does not exist (the hour skipped
when clocks go forward) resolves to the same wall time after the jump; a moment
that happens twice (clocks go back) is its first occurrence.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

DEFAULT_WEEKDAY = 0
DEFAULT_TIME = time(9, 0)
DEFAULT_DIGEST_WEEKDAY = 0
DEFAULT_DIGEST_TIME = time(8, 0)


@lru_cache(maxsize=1024)
def tz(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_moment(monday: date, weekday: int, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The aware instant of ``weekday`` ``at`` in the week starting ``monday``, in ``zone``."""
    naive = datetime.combine(monday + timedelta(days=weekday), at)
    first = naive.replace(tzinfo=zone, fold=0)
    # A wall time inside a spring-forward gap does not exist: round trip through UTC
    # moves it past the jump (02:30 → 03:30 local), which is when the person sees it.
    round_trip = first.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        return first.astimezone(UTC).astimezone(zone)
    return first


@dataclass(frozen=True)
class LocalWeek:
    now: datetime  # aware, in the person's zone
    today: date
    monday: date


def local_week(now: datetime, zone_name: str) -> LocalWeek:
    zone = tz(zone_name)
    local_now = now.astimezone(zone)
    today = local_now.date()
    return LocalWeek(now=local_now, today=today, monday=week_monday(today))


def due_this_week(now: datetime, zone_name: str, weekday: int, at: time) -> date | None:
    """The Monday of the person's current week once the week's moment has passed, else None."""
    week = local_week(now, zone_name)
    moment = local_moment(week.monday, weekday, at, tz(zone_name))
    return week.monday if week.now.timestamp() >= moment.timestamp() else None


def due_day_after(now: datetime, zone_name: str, weekday: int, at: time) -> date | None:
    """The week (its Monday) whose "day after ``weekday``" moment passed within the last seven days.

    For a Sunday check-in day the day after is the next week's Monday, so the
    week reported is the previous one.
    """
    week = local_week(now, zone_name)
    zone = tz(zone_name)
    for monday in (week.monday, week.monday - timedelta(days=7)):
        moment = local_moment(monday, weekday + 1, at, zone)
        if moment.timestamp() <= week.now.timestamp() < (moment + timedelta(days=7)).timestamp():
            return monday
    return None
