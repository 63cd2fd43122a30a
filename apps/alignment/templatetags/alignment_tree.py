"""Template helpers for the alignment pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


_built: dict[int, tuple[list, str]] = {}  # id(outline) -> (that outline, its options): kept outlines render once


@register.simple_tag
def team_options(team_outline, selected) -> SafeString:
    """``<option>``s of the team picker (an outline of every team): built in one pass, not a template loop.

    An outline kept between requests (``selectors.teams_outline``) is rendered once; the chosen
    team is marked in the copy.
    """
    known = _built.get(id(team_outline))
    if known is None or known[0] is not team_outline:
        html = "".join(
            f'<option value="{team.public_id}">{team.indent}{escape(team.name)}</option>' for team in team_outline
        )
        if len(_built) > 64:
            _built.clear()
        _built[id(team_outline)] = known = (team_outline, html)
    html = known[1]
    chosen = str(selected or "")
    if chosen:
        html = html.replace(f'<option value="{escape(chosen)}">', f'<option value="{escape(chosen)}" selected>', 1)
    return mark_safe(html)  # noqa: S308 - uuids and escaped names
