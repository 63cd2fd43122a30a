"""Server-rendered SVG charts: understandable without JavaScript, with a text alternative, CSP-clean."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from apps.checkins.templatetags.checkins import (
    change_arrow,
    confidence_chart,
    kr_chart,
    progress_chart,
    signed,
    sparkline,
)

TODAY = date(2027, 2, 15)


def _checkin(day: date, progress: float, confidence=None, status="", pk=1):
    moment = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
    return SimpleNamespace(created_at=moment, progress=progress, confidence=confidence, status=status, pk=pk)


def _goal(**overrides):
    base = {"start_date": date(2027, 1, 1), "due_date": date(2027, 3, 31), "progress": 0.4, "status": "active"}
    return SimpleNamespace(**{**base, **overrides})


def _assert_accessible(html: str) -> None:
    assert 'role="img"' in html
    assert re.search(r'aria-label="[^"]{20,}"', html)
    assert "<table" in html and "<caption" in html
    assert not re.search(r"\sstyle=", html), "no inline styles (CSP)"
    assert "<script" not in html


def test_progress_chart_has_actual_line_pace_line_and_a_data_table():
    checkins = [_checkin(TODAY - timedelta(days=7 * i), 0.4 - 0.1 * i, pk=10 - i) for i in range(4)]
    html = progress_chart(_goal(), checkins, TODAY)
    _assert_accessible(html)
    assert 'class="chart__pace"' in html and 'class="chart__line"' in html
    assert html.count('class="chart__dot"') == 4
    assert "40 % at the last check-in on 15 Feb 2027" in html
    assert "expected pace for today is 51 %" in html  # 45 of 89 days
    assert "<td>15 Feb 2027</td><td>40 %</td><td>51 %</td>" in html


def test_progress_chart_marks_progress_made_since_the_last_checkin():
    html = progress_chart(_goal(progress=0.55), [_checkin(TODAY - timedelta(days=3), 0.4)], TODAY)
    assert "chart__dot--now" in html and "55 % now" in html


def test_progress_chart_without_dates_or_checkins_still_explains_itself():
    html = progress_chart(_goal(start_date=None, due_date=None, progress=0.0), [], TODAY)
    assert "no check-ins yet" in html and "no expected pace" in html
    assert "chart__pace" not in html


def test_progress_chart_escapes_nothing_it_should_not():
    html = progress_chart(_goal(), [_checkin(TODAY, 0.5)], TODAY)
    assert "&lt;" not in html  # markup built with format_html, not escaped twice


def test_confidence_chart_with_bands_and_table():
    checkins = [_checkin(TODAY - timedelta(days=14), 0.2, 5, "at_risk", 1), _checkin(TODAY, 0.4, 8, "on_track", 2)]
    html = confidence_chart(checkins, TODAY)
    _assert_accessible(html)
    assert "Confidence trend: 8 of 10 on 15 Feb 2027, from 5 on 1 Feb 2027" in html
    assert "chart__band--low" in html and "<td>At risk</td>" in html


def test_confidence_chart_without_ratings_says_so():
    assert "No confidence ratings yet" in confidence_chart([_checkin(TODAY, 0.1)], TODAY)


def test_kr_chart_shows_target_and_pace():
    goal = _goal()
    kr = SimpleNamespace(
        goal=goal,
        title="Qualified <leads>",
        unit="",
        start_value=Decimal(10),
        target_value=Decimal(50),
        current_value=Decimal(30),
        direction="increase",
    )
    html = kr_chart(kr, [(date(2027, 1, 20), 18.0), (date(2027, 2, 10), 30.0)], TODAY)
    _assert_accessible(html)
    assert "target 50" in html and "chart__pace" in html
    assert "Qualified &lt;leads&gt;: 30 now, target 50, started at 10; 2 check-in updates." in html
    assert html.count('class="chart__dot"') == 3  # the start value on the start date, then two updates


def test_sparkline_has_its_numbers_as_its_label():
    html = sparkline([5, 6, 8], "Confidence")
    assert 'role="img"' in html and 'aria-label="Confidence: 5, 6, 8"' in html
    assert "no data" in sparkline([], "Confidence")


def test_change_arrows_use_shape_and_words():
    assert "▲" in change_arrow(2) and "+2" in change_arrow(2) and "since the previous check-in" in change_arrow(2)
    assert "▼" in change_arrow(-3) and "−3" in change_arrow(-3)
    assert "= 0" in change_arrow(0)
    assert change_arrow(None) == ""
    assert signed(Decimal("2.50")) == "+2.5"
