"""The end-of-cycle report as CSV (the csv module; cells that a spreadsheet would run are defused)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.text import slugify

from .selectors import Report

HEADER = [
    "Goal",
    "Owner",
    "Team",
    "Cycle",
    "Status",
    "Score",
    "Progress %",
    "Closed on",
    "What worked",
    "What to do differently",
    "Link",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse(value) -> str:
    """A text cell a spreadsheet will not evaluate: a leading = + - @ (or tab/CR) gets a ' in front."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def rows(report: Report, *, site_url: str) -> Iterator[list[str]]:
    yield HEADER
    for row in report.rows:
        goal = row.goal
        yield [
            defuse(goal.title),
            defuse(row.owner),
            defuse(row.team),
            defuse(report.cycle.name),
            goal.get_status_display(),
            "" if goal.score is None else f"{goal.score:.2f}",
            str(round(goal.progress * 100)),
            goal.closed_at.date().isoformat() if goal.closed_at else "",
            defuse(goal.reflection_worked),
            defuse(goal.reflection_differently),
            site_url + reverse("goals:detail", args=[goal.public_id]),
        ]


def report_csv(report: Report, *, site_url: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    name = slugify(f"goalsite-{report.cycle.name}-{report.team.name if report.team else 'all'}") or "report"
    response = StreamingHttpResponse(
        (writer.writerow(line) for line in rows(report, site_url=site_url)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
