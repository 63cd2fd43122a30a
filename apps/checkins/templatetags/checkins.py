"""Server-rendered SVG charts for check-ins, and small display helpers.

Every chart is part of the HTML response (no JavaScript), has ``role="img"`` with an
``aria-label`` that says what it shows, and a data table one click away. Colours come
from CSS classes (dark mode follows); no inline ``style`` attributes (the CSP forbids them).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from apps.goals import progress as arithmetic

register = template.Library()

STATUS_SYMBOLS = {"on_track": "●", "at_risk": "▲", "off_track": "■"}
STATUS_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


def _num(value) -> str:
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    sign = "−" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    text = f"{sign}{int(whole):,}"
    return f"{text}.{fraction[:2]}" if fraction else text


def _day(value) -> date:
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).date()
    return value


def _fmt_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _fmt_day_long(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


@dataclass
class _Frame:
    """Maps (date, value) into a viewBox with room for axis labels."""

    lo: date
    hi: date
    vmin: float
    vmax: float
    width: int = 560
    height: int = 200
    left: int = 44
    right: int = 16
    top: int = 16
    bottom: int = 30

    def __post_init__(self):
        if self.hi <= self.lo:
            self.hi = self.lo + timedelta(days=1)
        if self.vmax <= self.vmin:
            self.vmax = self.vmin + 1

    def x(self, day: date) -> float:
        span = (self.hi - self.lo).days
        return round(self.left + (self.width - self.left - self.right) * (day - self.lo).days / span, 1)

    def y(self, value: float) -> float:
        share = (float(value) - self.vmin) / (self.vmax - self.vmin)
        return round(self.top + (self.height - self.top - self.bottom) * (1 - share), 1)

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def baseline(self) -> float:
        return self.height - self.bottom


def _svg(frame: _Frame, label: str, body: SafeString, extra_class: str = "") -> SafeString:
    return format_html(
        '<svg class="chart__svg {}" viewBox="0 0 {} {}" role="img" aria-label="{}" focusable="false">'
        "<title>{}</title>{}</svg>",
        extra_class,
        frame.width,
        frame.height,
        label,
        label,
        body,
    )


def _grid(frame: _Frame, ticks: Iterable[tuple[float, str]]) -> SafeString:
    """Horizontal grid lines with their labels; on small screens only every other label shows (CSS)."""
    parts = []
    for index, (value, text) in enumerate(ticks):
        y = frame.y(value)
        parts.append(
            format_html(
                '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text class="chart__label{}" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                frame.x0,
                frame.x1,
                y,
                y,
                " chart__label--minor" if index % 2 else "",
                frame.x0 - 6,
                y,
                text,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html


def _x_labels(frame: _Frame, today: date | None) -> SafeString:
    y = frame.baseline + 18
    parts = [
        format_html(
            '<text class="chart__label" x="{}" y="{}" text-anchor="start">{}</text>', frame.x0, y, _fmt_day(frame.lo)
        ),
        format_html(
            '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>', frame.x1, y, _fmt_day(frame.hi)
        ),
    ]
    if today is not None and frame.lo < today < frame.hi:
        x = frame.x(today)
        parts.append(
            format_html(
                '<line class="chart__today" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text class="chart__label chart__label--today" x="{}" y="{}" text-anchor="middle">today</text>',
                x,
                x,
                frame.top - 4,
                frame.baseline,
                x,
                y,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html


def _line(points: Sequence[tuple[float, float]], css: str) -> SafeString:
    if len(points) < 2:
        return mark_safe("")
    coords = " ".join(f"{x},{y}" for x, y in points)
    return format_html('<polyline class="{}" points="{}" fill="none"></polyline>', css, coords)


def _dots(points: Sequence[tuple[float, float, str]], css: str, r: float = 4) -> SafeString:
    return format_html_join(
        "", '<circle class="' + css + '" cx="{}" cy="{}" r="' + str(r) + '"><title>{}</title></circle>', points
    )


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html(
        '<details class="chart__data"><summary>Show the numbers</summary><div class="table-wrap">'
        '<table class="table table--compact"><caption class="visually-hidden">{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></details>",
        caption,
        head,
        body,
    )


def _figure(svg: SafeString, legend: SafeString, table: SafeString, extra_class: str = "") -> SafeString:
    return format_html('<figure class="chart {}">{}{}{}</figure>', extra_class, svg, legend, table)


def _legend(items: Iterable[tuple[str, str]]) -> SafeString:
    return format_html(
        '<figcaption class="chart__legend" aria-hidden="true">{}</figcaption>',
        format_html_join("", '<span class="chart__key chart__key--{}">{}</span>', items),
    )


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks (…, 0, 50k, 100k, …) covering low–high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def _short(value: float) -> str:
    """12,500 → 12.5k; 2,000,000 → 2M (axis labels)."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"


def _oldest_first(checkins) -> list:
    return sorted(checkins, key=lambda c: (c.created_at, c.pk))


# --- progress over time vs the expected pace --------------------------------------------


@register.simple_tag
def progress_chart(goal, checkins, today: date | None = None) -> SafeString:
    """The goal's progress at each check-in, against the straight pace line from start to due date."""
    today = today or timezone.localdate()
    points = [(_day(c.created_at), float(c.progress)) for c in _oldest_first(checkins)]
    start, due = goal.start_date, goal.due_date
    days = [d for d, _ in points]
    lo = min([d for d in (start, *days) if d is not None], default=today)
    hi = max([d for d in (due, *days, today if not due else None) if d is not None], default=today)
    frame = _Frame(lo=lo, hi=hi, vmin=0.0, vmax=1.0)
    has_pace = bool(start and due and due > start)

    def expected(day: date) -> float | None:
        return arithmetic.expected_progress(start, due, day) if has_pace else None

    body = [_grid(frame, [(0, "0 %"), (0.25, ""), (0.5, "50 %"), (0.75, ""), (1, "100 %")]), _x_labels(frame, today)]
    if has_pace:
        body.append(
            format_html(
                '<line class="chart__pace" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
                frame.x(start),
                frame.y(0),
                frame.x(due),
                frame.y(1),
            )
        )
    xy = [(frame.x(d), frame.y(v)) for d, v in points]
    body.append(_line(xy, "chart__line"))
    body.append(
        _dots(
            [(frame.x(d), frame.y(v), f"{_fmt_day(d)}: {round(v * 100)} %") for d, v in points],
            "chart__dot",
        )
    )
    now_differs = goal.status == "active" and (not points or abs(points[-1][1] - goal.progress) >= 0.005)
    if now_differs and lo <= today <= hi:
        now = (frame.x(today), frame.y(goal.progress))
        if xy:
            body.append(_line([xy[-1], now], "chart__line chart__line--since"))
        body.append(_dots([(*now, f"Now: {round(goal.progress * 100)} %")], "chart__dot chart__dot--now"))

    latest = points[-1] if points else None
    if latest:
        label = f"Progress over time: {round(latest[1] * 100)} % at the last check-in on {_fmt_day_long(latest[0])}"
        if now_differs:
            label += f", {round(goal.progress * 100)} % now"
    else:
        label = f"Progress over time: no check-ins yet; {round(goal.progress * 100)} % now"
    if has_pace:
        label += f"; the expected pace for today is {round((expected(today) or 0) * 100)} %."
    else:
        label += "; no start and due date, so no expected pace."
    svg = _svg(frame, label, mark_safe("".join(body)))  # noqa: S308 - parts built by format_html
    legend = _legend(
        [("line", "Progress at each check-in")]
        + ([("pace", "Expected pace")] if has_pace else [])
        + ([("now", "Now")] if now_differs else [])
    )
    rows = [
        (
            _fmt_day_long(d),
            f"{round(v * 100)} %",
            f"{round(expected(d) * 100)} %" if has_pace else "—",
        )
        for d, v in reversed(points)
    ]
    table = _table("Goal progress at each check-in", ["Date", "Progress", "Expected by then"], rows)
    return _figure(svg, legend, table, "chart--progress")


# --- confidence trend -------------------------------------------------------------------


@register.simple_tag
def confidence_chart(checkins, today: date | None = None) -> SafeString:
    rated = [c for c in _oldest_first(checkins) if c.confidence is not None]
    if not rated:
        return format_html('<p class="muted small chart__empty">{}</p>', "No confidence ratings yet.")
    today = today or timezone.localdate()
    points = [(_day(c.created_at), c.confidence, c.status) for c in rated]
    lo, hi = points[0][0], max(points[-1][0], today)
    frame = _Frame(lo=lo, hi=hi, vmin=1, vmax=10, width=360, height=170, left=30, bottom=28)
    bands = format_html(
        '<rect class="chart__band chart__band--low" x="{x}" width="{w}" y="{y4}" height="{h_low}"></rect>'
        '<rect class="chart__band chart__band--mid" x="{x}" width="{w}" y="{y6}" height="{h_mid}"></rect>'
        '<rect class="chart__band chart__band--high" x="{x}" width="{w}" y="{y10}" height="{h_high}"></rect>',
        x=frame.x0,
        w=frame.x1 - frame.x0,
        y4=frame.y(4.5),
        h_low=round(frame.y(1) - frame.y(4.5), 1),
        y6=frame.y(6.5),
        h_mid=round(frame.y(4.5) - frame.y(6.5), 1),
        y10=frame.y(10),
        h_high=round(frame.y(6.5) - frame.y(10), 1),
    )
    xy = [(frame.x(d), frame.y(v)) for d, v, _ in points]
    body = [
        bands,
        _grid(frame, [(1, "1"), (5, "5"), (10, "10")]),
        _x_labels(frame, None),
        _line(xy, "chart__line chart__line--confidence"),
        _dots([(frame.x(d), frame.y(v), f"{_fmt_day(d)}: {v} of 10") for d, v, _ in points], "chart__dot"),
    ]
    first, last = points[0], points[-1]
    label = f"Confidence trend: {last[1]} of 10 on {_fmt_day_long(last[0])}"
    if len(points) > 1:
        label += f", from {first[1]} on {_fmt_day_long(first[0])} ({len(points)} ratings)."
    svg = _svg(frame, label, mark_safe("".join(body)), "chart__svg--short")  # noqa: S308
    rows = [(_fmt_day_long(d), f"{v} of 10", STATUS_LABELS.get(status, "—")) for d, v, status in reversed(points)]
    table = _table("Confidence at each check-in", ["Date", "Confidence", "Status"], rows)
    legend = _legend([("line", "Confidence, 1–10"), ("band", "7–10 confident · 5–6 unsure · 1–4 worried")])
    return _figure(svg, legend, table, "chart--confidence")


# --- a key result's value over time vs its target ----------------------------------------


@register.simple_tag
def kr_chart(kr, series, today: date | None = None) -> SafeString:
    """Values from the KR's check-ins (``selectors.kr_value_series``), the target, and the pace to it."""
    today = today or timezone.localdate()
    goal = kr.goal
    start_day = goal.start_date
    points = [(d, float(v)) for d, v in series]
    if start_day and (not points or points[0][0] > start_day):
        points.insert(0, (start_day, float(kr.start_value)))
    if not points:
        points = [(today, float(kr.current_value))]
    values = [v for _, v in points] + [float(kr.target_value), float(kr.start_value)]
    ticks = _nice_ticks(min(values), max(values))
    lo = points[0][0]
    hi = max(d for d in (goal.due_date, points[-1][0], today) if d is not None)
    frame = _Frame(lo=lo, hi=hi, vmin=ticks[0], vmax=ticks[-1], height=190)
    body = [_grid(frame, [(t, _short(t)) for t in ticks]), _x_labels(frame, today)]
    target_y = frame.y(float(kr.target_value))
    body.append(
        format_html(
            '<line class="chart__target" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
            '<text class="chart__label chart__label--target" x="{}" y="{}" text-anchor="end">target {}</text>',
            frame.x0,
            frame.x1,
            target_y,
            target_y,
            frame.x1 - 4,
            target_y - 6,
            _num(kr.target_value),
        )
    )
    has_pace = bool(goal.start_date and goal.due_date and goal.due_date > goal.start_date)
    if has_pace and kr.direction in ("increase", "decrease"):
        body.append(
            format_html(
                '<line class="chart__pace" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
                frame.x(goal.start_date),
                frame.y(float(kr.start_value)),
                frame.x(goal.due_date),
                target_y,
            )
        )
    xy = [(frame.x(d), frame.y(v)) for d, v in points]
    body.append(_line(xy, "chart__line"))
    body.append(_dots([(frame.x(d), frame.y(v), f"{_fmt_day(d)}: {_num(v)}") for d, v in points], "chart__dot"))
    unit = f" {kr.unit}" if kr.unit else ""
    label = (
        f"{kr.title}: {_num(kr.current_value)}{unit} now, target {_num(kr.target_value)}{unit}, "
        f"started at {_num(kr.start_value)}; {len(series)} check-in update{'s' if len(series) != 1 else ''}."
    )
    svg = _svg(frame, label, mark_safe("".join(body)))  # noqa: S308
    rows = [(_fmt_day_long(d), f"{_num(v)}{unit}") for d, v in reversed(points)]
    table = _table(f"Values of {kr.title}", ["Date", "Value"], rows)
    legend = _legend([("line", "Value"), ("target", "Target")] + ([("pace", "Pace to target")] if has_pace else []))
    return _figure(svg, legend, table, "chart--kr")


# --- sparkline ----------------------------------------------------------------------------


@register.simple_tag
def sparkline(values, label: str = "Trend", vmin: float = 1, vmax: float = 10) -> SafeString:
    """A small trend line (e.g. confidence over recent check-ins), with the numbers as its label."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return format_html('<span class="spark spark--empty muted small">{}</span>', "no data")
    width, height, pad = 84, 22, 3
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y(v: float) -> float:
        return round(height - pad - (height - 2 * pad) * (v - vmin) / max(1e-9, vmax - vmin), 1)

    xy = [(round(pad + i * step, 1), y(v)) for i, v in enumerate(values)]
    if len(xy) == 1:
        xy = [(pad, xy[0][1]), (width - pad, xy[0][1])]
    text = f"{label}: " + ", ".join(_num(v) for v in values)
    return format_html(
        '<svg class="spark" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" focusable="false">'
        '<title>{}</title>{}<circle class="spark__end" cx="{}" cy="{}" r="2.5"></circle></svg>',
        width,
        height,
        width,
        height,
        text,
        text,
        _line(xy, "spark__line"),
        xy[-1][0],
        xy[-1][1],
    )


# --- small helpers --------------------------------------------------------------------------


@register.filter
def signed(value) -> str:
    """+2 / −3 / 0 with a real minus sign."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number > 0:
        return f"+{_num(number)}"
    if number < 0:
        return f"−{_num(-number)}"
    return "0"


@register.simple_tag
def change_arrow(value) -> SafeString:
    """▲ +2 / ▼ −3 / = 0, in words for screen readers too."""
    if value is None:
        return mark_safe("")
    if value > 0:
        return format_html(
            '<span class="change change--up" title="Up {} since the previous check-in">'
            '<span aria-hidden="true">▲</span> {}<span class="visually-hidden"> since the previous check-in</span></span>',
            value,
            signed(value),
        )
    if value < 0:
        return format_html(
            '<span class="change change--down" title="Down {} since the previous check-in">'
            '<span aria-hidden="true">▼</span> {}<span class="visually-hidden"> since the previous check-in</span></span>',
            -value,
            signed(value),
        )
    return mark_safe('<span class="change" title="Same as the previous check-in">= 0</span>')


@register.simple_tag
def checkin_status(code: str) -> SafeString:
    """The status a person chose in a check-in: symbol + word (never colour alone)."""
    if not code:
        return mark_safe("")
    return format_html(
        '<span class="status status--{}"><span aria-hidden="true">{}</span> {}</span>',
        code,
        STATUS_SYMBOLS.get(code, "○"),
        STATUS_LABELS.get(code, code),
    )


@register.filter
def ago(value) -> str:
    """“3 days ago”, one unit only."""
    if not value:
        return ""
    text = timesince(value, depth=1)
    return "just now" if text.startswith("0") else f"{text} ago"


@register.filter
def corrected_ids(checkins) -> set[int]:
    """Ids of check-ins that a later check-in corrects."""
    return {c.corrects_id for c in checkins if c.corrects_id}


@register.filter
def gave_kudos(celebration, member) -> bool:
    """Whether ``member`` already gave kudos (reads the prefetched kudos: no query)."""
    return any(k.giver_id == member.pk for k in celebration.kudos.all())


@register.filter
def kudos_names(celebration) -> str:
    names = [k.giver.user.get_short_name() for k in celebration.kudos.all()]
    if not names:
        return "No kudos yet"
    if len(names) <= 3:
        return "Kudos from " + ", ".join(names)
    return f"Kudos from {', '.join(names[:3])} and {len(names) - 3} more"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("checkins/_goal_section.html", takes_context=True)
def checkin_section(context, goal):
    """The check-ins section of a goal page, in one line: ``{% load checkins %}{% checkin_section goal %}``.

    The goals app's views need not import this app (dependencies run one way): the template asks for it.
    """
    from apps.checkins.selectors import goal_checkin_context

    request = context.get("request")
    actor = getattr(request, "membership", None) or context.get("membership")
    section = goal_checkin_context(actor=actor, goal=goal)
    section.update(
        request=request,
        membership=actor,
        csrf_token=context.get("csrf_token"),
    )
    return section
