"""Template helpers for the alignment pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.alignment import markup
from apps.alignment.tree import Links

register = template.Library()

_LINKS = "alignment.links"  # the render's ``tree.Links``, in ``context.render_context``
_built: dict[int, tuple[list, str]] = {}  # id(outline) -> (that outline, its options): kept outlines render once


@register.simple_tag
def team_options(team_outline, selected) -> SafeString:
    """``<option>``s of the team picker (an outline of every team): built in one pass, not a template loop.

    An outline kept between requests (``selectors.Structure.outline``) is rendered once; the chosen
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


@register.simple_tag
def tree_nodes(nodes, cycle) -> SafeString:
    """The ``<li>``s of tree nodes, opened ones with their children (``markup.tree_nodes``)."""
    return markup.tree_nodes(nodes, cycle=cycle or None)


@register.simple_tag(takes_context=True)
def goal_line(context, goal, health, cycle, show_owner=False, weight=None, current=False) -> SafeString:
    """One goal's line (``markup.goal_line``); ``cycle`` is the page's, another goal's cycle is named.

    The page URLs its lines link to are reversed once per render (kept in ``render_context``).
    """
    links = context.render_context.get(_LINKS)
    if links is None:
        links = context.render_context[_LINKS] = Links()
    return markup.goal_line(
        goal, health, cycle=cycle or None, links=links, show_owner=show_owner, weight=weight, current=current
    )
