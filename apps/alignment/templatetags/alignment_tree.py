"""Template helpers for the alignment pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def team_options(team_outline, selected) -> SafeString:
    """``<option>``s of the team picker (an outline of every team): built in one pass, not a template loop."""
    chosen = str(selected or "")
    parts = []
    for team in team_outline:
        value = str(team.public_id)
        mark = " selected" if value == chosen else ""
        parts.append(f'<option value="{value}"{mark}>{team.indent}{escape(team.name)}</option>')
    return mark_safe("".join(parts))  # noqa: S308 - uuids and escaped names
