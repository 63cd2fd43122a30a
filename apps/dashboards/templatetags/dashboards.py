"""Server-rendered SVG for the dashboards: the status donut and the team pacing chart.

Built on the check-in charts' helpers (frame, grid, axis labels, data table), so
every chart has ``role="img"``, an ``aria-label`` that says what it shows and a
"Show the numbers" table one click away. Colours come from CSS classes; no
inline ``style`` attribute anywhere (the CSP forbids them).
"""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from apps.checkins.templatetags.checkins import (
    _dots,
    _fmt_day,
    _fmt_day_long,
    _Frame,
    _grid,
    _line,
    _svg,
    _table,
    _x_labels,
)

register = template.Library()


def _pct(value) -> int:
    return round(max(0.0, min(1.0, float(value or 0))) * 100)


# --- status distribution: a donut with a legend and a table ------------------------------


@register.simple_tag
def status_donut(distribution, total: int, caption: str = "Goals by status") -> SafeString:
    """A donut of goal counts by status; the legend prints symbol, label and count (never colour alone)."""
    if not total:
        return format_html('<p class="muted small chart__empty">{}</p>', "No goals in this cycle yet.")
    # A circle with circumference 100: each segment is a dash of its share, offset by the ones before it.
    radius = 15.91549430918954
    offset = 25.0  # start at 12 o'clock
    segments = []
    for item in distribution:
        if not item.count:
            continue
        share = item.count / total * 100
        segments.append(
            format_html(
                '<circle class="donut__seg donut__seg--{}" cx="21" cy="21" r="{}" fill="none" stroke-width="6" '
                'stroke-dasharray="{} {}" stroke-dashoffset="{}"><title>{} {}: {} of {} ({} %)</title></circle>',
                item.code,
                radius,
                round(share, 3),
                round(100 - share, 3),
                round(offset, 3),
                item.symbol,
                item.label,
                item.count,
                total,
                round(share),
            )
        )
        offset -= share
    label = (
        f"{caption}: "
        + "; ".join(f"{item.label.lower()} {item.count}" for item in distribution if item.count)
        + f" (of {total})."
    )
    svg = format_html(
        '<svg class="donut__svg" viewBox="0 0 42 42" role="img" aria-label="{}" focusable="false"><title>{}</title>'
        '<circle class="donut__track" cx="21" cy="21" r="{}" fill="none" stroke-width="6"></circle>{}'
        '<text class="donut__total" x="21" y="21" text-anchor="middle" dominant-baseline="central">{}</text>'
        '<text class="donut__unit" x="21" y="27.5" text-anchor="middle">goals</text></svg>',
        label,
        label,
        radius,
        mark_safe("".join(segments)),  # noqa: S308 - every segment built by format_html
        total,
    )
    legend = format_html(
        '<ul class="donut__legend">{}</ul>',
        format_html_join(
            "",
            '<li class="donut__key donut__key--{}" title="{} of {} goals ({} %)"><span class="donut__swatch" '
            'aria-hidden="true"></span><span class="status status--{}"><span aria-hidden="true">{}</span> {}</span>'
            '<span class="donut__count">{}</span></li>',
            (
                (
                    item.code,
                    item.count,
                    total,
                    round(item.share * 100),
                    item.code,
                    item.symbol,
                    item.label,
                    item.count,
                )
                for item in distribution
            ),
        ),
    )
    table = _table(
        caption,
        ["Status", "Goals", "Share"],
        [(f"{item.symbol} {item.label}", str(item.count), f"{round(item.share * 100)} %") for item in distribution],
    )
    return format_html('<figure class="chart donut"><div class="donut__body">{}{}</div>{}</figure>', svg, legend, table)


# --- pacing: the team's average progress week by week vs the expected pace -----------------


@register.simple_tag
def pacing_chart(points, cycle, today: date, now: float | None = None) -> SafeString:
    """Average progress reported in each week's check-ins against the cycle's straight pace line."""
    frame = _Frame(lo=cycle.starts_on, hi=cycle.ends_on, vmin=0.0, vmax=1.0)
    body = [
        _grid(frame, [(0, "0 %"), (0.25, ""), (0.5, "50 %"), (0.75, ""), (1, "100 %")]),
        _x_labels(frame, today),
        format_html(
            '<line class="chart__pace" x1="{}" y1="{}" x2="{}" y2="{}"></line>',
            frame.x(cycle.starts_on),
            frame.y(0),
            frame.x(cycle.ends_on),
            frame.y(1),
        ),
    ]
    xy = [(frame.x(p.day), frame.y(p.actual)) for p in points]
    body.append(_line(xy, "chart__line"))
    body.append(
        _dots(
            [
                (
                    frame.x(p.day),
                    frame.y(p.actual),
                    f"Week of {_fmt_day(p.week)}: {_pct(p.actual)} % reported, {_pct(p.expected)} % expected "
                    f"({p.goals} goal{'s' if p.goals != 1 else ''} checked in)",
                )
                for p in points
            ],
            "chart__dot",
            r=3.5,
        )
    )
    show_now = now is not None and cycle.starts_on <= today <= cycle.ends_on
    if show_now:
        body.append(
            _dots(
                [(frame.x(today), frame.y(now), f"Now: {_pct(now)} % average progress of all goals")],
                "chart__dot chart__dot--now",
                r=4.5,
            )
        )
    if points:
        last = points[-1]
        label = (
            f"Pacing for {cycle.name}: {_pct(last.actual)} % average progress in the check-ins of the week of "
            f"{_fmt_day_long(last.week)}, against {_pct(last.expected)} % expected by then"
        )
    else:
        label = f"Pacing for {cycle.name}: no check-ins in this cycle yet"
    if show_now:
        label += f"; {_pct(now)} % average progress of all goals now"
    label += "."
    svg = _svg(frame, label, mark_safe("".join(body)))  # noqa: S308 - parts built by format_html
    legend = format_html(
        '<figcaption class="chart__legend" aria-hidden="true">'
        '<span class="chart__key chart__key--line">Reported in check-ins (weekly average)</span>'
        '<span class="chart__key chart__key--pace">Expected pace</span>{}</figcaption>',
        mark_safe('<span class="chart__key chart__key--now">All goals now</span>') if show_now else "",
    )
    rows = [
        (f"Week of {_fmt_day_long(p.week)}", f"{_pct(p.actual)} %", f"{_pct(p.expected)} %", str(p.goals))
        for p in reversed(points)
    ]
    table = _table("Team pacing week by week", ["Week", "Reported", "Expected", "Goals checked in"], rows)
    return format_html('<figure class="chart chart--pacing">{}{}{}</figure>', svg, legend, table)


@register.filter
def pct(value) -> int:
    return _pct(value)


@register.filter
def points(value) -> str:
    """A gap in percentage points, whole: 18.4 → "18"."""
    if value is None:
        return ""
    return str(round(value))


@register.filter
def ratio(part, whole) -> str:
    """7, 9 → "78 %"; "–" without a whole."""
    try:
        return f"{round(int(part) / int(whole) * 100)} %" if int(whole) else "–"
    except (TypeError, ValueError):
        return "–"
