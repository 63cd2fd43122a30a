"""The HTML of the alignment tree's nodes and of a goal's line, built in Python.

A tree page holds hundreds of rows; one function per row is several times
cheaper than a template include per row. Everything a person typed (titles,
names) goes through ``escape``; the markup is the same the templates produced.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

from apps.accounts.models import TeamKind
from apps.goals.evidence import RolledHealth
from apps.goals.models import Cycle, Goal, GoalStatus, Visibility
from apps.goals.selectors import GoalHealth
from apps.goals.templatetags.goals import num, pct, plain_num, progress_bar, status_badge

from .selectors import Node
from .tree import Links

KIND_LABELS = dict(TeamKind.choices)


def _s(count: int) -> str:
    """The plural ending ``|pluralize`` writes."""
    return "" if count == 1 else "s"


# --- a goal's line -------------------------------------------------------------------


def _owner(goal: Goal) -> str:
    """Who owns the goal: "Team · Rockets", or the person's name."""
    if goal.owner_team_id:
        team = goal.owner_team
        return f"{escape(KIND_LABELS.get(team.kind, team.kind))} · {escape(team.name)}"
    return escape(goal.owner_member.user.full_name)


def _goal_meta(
    goal: Goal, *, cycle: Cycle | None, links: Links, show_owner: bool, weight, node: Node | None, path_link: bool
) -> list[str]:
    """The small print under a goal's title: owner, cycle, weight, visibility, contributors, path link."""
    parts = []
    if show_owner:
        parts.append(f"<span>{_owner(goal)}</span>")
    if not goal.cycle_id:
        parts.append("<span>Open-ended</span>")
    elif cycle is None or goal.cycle_id != cycle.pk:
        parts.append(f"<span>{escape(goal.cycle.name)}</span>")
    if weight is not None and weight != "":
        text = escape(num(weight))
        parts.append(f'<span class="badge" title="Counts {text}× in the parent\'s progress">weight {text}</span>')
    if goal.visibility == Visibility.PRIVATE:
        parts.append('<span class="badge" title="Only the owner, their manager and admins see it">private</span>')
    elif goal.visibility == Visibility.TEAM:
        parts.append('<span class="badge" title="Only the owner\'s team sees it">team only</span>')
    if node is not None and (node.count or node.hidden):
        hidden = f" ({node.hidden} hidden from you)" if node.hidden else ""
        parts.append(f"<span>{node.count + node.hidden} contributing{hidden}</span>")
    if path_link:
        parts.append(
            f'<a href="{escape(links("alignment:path", goal.public_id))}">Path to the top'
            f'<span class="visually-hidden">: {escape(goal.title)}</span></a>'
        )
    return parts


def goal_line(
    goal: Goal,
    health: GoalHealth | RolledHealth,
    *,
    cycle: Cycle | None,
    links: Links,
    show_owner: bool = False,
    weight=None,
    current: bool = False,
    node: Node | None = None,
    path_link: bool = False,
) -> SafeString:
    """One goal: status (symbol and word), title, owner, weight, progress bar with the pace tick.

    ``cycle`` is the page's cycle (another goal's cycle is named); ``node``, in the tree, adds the
    contributor counts and ``path_link`` the link to the goal's paths.
    """
    title = escape(goal.title)
    meta = "\n".join(
        _goal_meta(goal, cycle=cycle, links=links, show_owner=show_owner, weight=weight, node=node, path_link=path_link)
    )
    why = ""
    if getattr(health, "lowered", False):
        why = (
            f'<p class="al-goal__why small" title="{escape(health.why)}"><span aria-hidden="true">'
            f"{escape(health.symbol)}</span> capped by its contributors: {escape(health.evidence.text)}</p>"
        )
    expected = health.expected if goal.status == GoalStatus.ACTIVE else None
    bar = progress_bar(goal.progress, expected, health.code, goal.title)
    css, aria = (" al-goal--current", ' aria-current="true"') if current else ("", "")
    return mark_safe(  # noqa: S308 - every value above is escaped or one of our own fragments
        f'\n<div class="al-goal{css}">\n<p class="al-goal__title">\n{status_badge(health)}\n'
        f'<a href="{escape(links("goals:detail", goal.public_id))}"{aria}>{title}</a>\n</p>\n'
        f'<p class="al-goal__meta small muted">\n{meta}\n</p>\n{why}\n'
        f'<div class="al-goal__bar">{bar}</div>\n</div>\n'
    )


# --- the tree ------------------------------------------------------------------------


def _toggle(node: Node, dom: str) -> str:
    """The open/close link (named for screen readers), or a spacer for a goal nothing contributes to."""
    if not node.expandable:
        return '<span class="anode__spacer" aria-hidden="true"></span>'
    hx_get = escape(node.hx_url)
    if node.expanded:
        hx_get += "&amp;collapse=1"
    if node.weight is not None:
        hx_get += f"&amp;weight={escape(plain_num(node.weight))}"
    if node.kind == "team":
        name = escape(node.obj.name)
    elif node.kind == "person":
        name = escape(node.obj.user.full_name)
    else:
        name = f"the goals contributing to {escape(node.obj.title)}"
    expanded, verb = ("true", "Collapse") if node.expanded else ("false", "Expand")
    return (
        f'<a class="anode__toggle" id="{dom}-t" href="{escape(node.href)}" hx-get="{hx_get}" '
        f'hx-target="#{dom}" hx-swap="outerHTML" aria-expanded="{expanded}" aria-controls="{dom}-kids">'
        f'<span class="anode__chev" aria-hidden="true"></span><span class="visually-hidden">{verb} {name}</span></a>'
    )


def _summary(node: Node) -> str:
    """A team's or a person's goal count and mean progress."""
    average = f" · {pct(node.average)} % on average" if node.average is not None else ""
    return f'<p class="anode__sum small muted">{node.count} goal{_s(node.count)}{average}</p>'


def _label(node: Node, *, cycle: Cycle | None, links: Links) -> str:
    """What the row shows: a team or a person with their summary, or a goal's line."""
    obj = node.obj
    if node.kind == "team":
        return (
            f'<div class="anode__label">\n<p class="anode__name"><span class="badge badge--kind">'
            f"{escape(KIND_LABELS.get(obj.kind, obj.kind))}</span> "
            f'<a href="{escape(links("accounts:team_detail", obj.public_id))}">{escape(obj.name)}</a></p>\n'
            f"{_summary(node)}\n</div>"
        )
    if node.kind == "person":
        title = f' <span class="muted small">{escape(obj.title)}</span>' if obj.title else ""
        return (
            f'<div class="anode__label">\n<p class="anode__name"><span class="avatar avatar--sm" aria-hidden="true">'
            f"{escape(obj.user.initials)}</span> "
            f'<a href="{escape(links("accounts:person_detail", obj.public_id))}">{escape(obj.user.full_name)}</a>{title}</p>\n'
            f"{_summary(node)}\n</div>"
        )
    line = goal_line(
        obj, node.health, cycle=cycle, links=links, weight=node.weight, show_owner=bool(node.weight), node=node,
        path_link=True,
    )  # fmt: skip
    return f'<div class="anode__label anode__label--goal">\n{line}\n</div>'


def _node(node: Node, *, cycle: Cycle | None, links: Links) -> str:
    """One ``<li>``: the row, and the list of its children (hidden while closed)."""
    dom = escape(node.dom)
    if node.expanded:
        state, hidden, kids = " is-open", "", f"\n{_rows(node, cycle=cycle, links=links)}\n"
    else:
        state, hidden, kids = "", " hidden", "\n"
    return (
        f'<li class="anode anode--{node.kind}{state}" id="{dom}">\n'
        f'<div class="anode__row">\n{_toggle(node, dom)}\n{_label(node, cycle=cycle, links=links)}\n</div>\n'
        f'<ul class="anode__kids" id="{dom}-kids"{hidden}>{kids}</ul>\n</li>'
    )


def _empty(node: Node) -> str:
    """The row an open node with no children shows."""
    if node.kind != "goal":
        text = "Nothing here in this cycle."
    elif node.hidden:
        text = "Only goals you cannot see contribute to this one."
    else:
        text = "No goals contribute to this one yet."
    return f'<li class="anode__empty small muted">{text}</li>'


def _rows(node: Node, *, cycle: Cycle | None, links: Links) -> str:
    """The rows inside an open node: its children, a note on hidden ones, "load more"."""
    parts = [_node(child, cycle=cycle, links=links) for child in node.children or ()]
    if not parts and not node.offset:
        parts.append(_empty(node))
    if node.kind == "goal" and node.hidden and node.children and node.next_offset is None:
        parts.append(
            f'<li class="anode__empty small muted">and {node.hidden} contributing goal{_s(node.hidden)} '
            "you cannot see (counted in the progress, not shown)</li>"
        )
    if node.next_offset is not None:
        parts.append(
            f'<li class="anode__more"><a class="btn btn--sm" href="{escape(node.more_href)}" '
            f'hx-get="{escape(node.more_url)}" hx-target="closest li" hx-swap="outerHTML">'
            f'Load more <span class="muted">({node.remaining} left)</span></a></li>'
        )
    return "\n".join(parts)


def tree_nodes(nodes: list[Node], *, cycle: Cycle | None) -> SafeString:
    """``<li>``s of tree nodes (decorated by ``tree.decorate``), each with its open descendants.

    A toggle names its node for screen readers and says whether it is open
    (``aria-expanded``, ``aria-controls``); without JavaScript it is a link to the page with
    that node opened or closed.
    """
    links = Links()
    return mark_safe("\n".join(_node(node, cycle=cycle, links=links) for node in nodes))  # noqa: S308 - escaped


def node_rows(node: Node, *, cycle: Cycle | None) -> SafeString:
    """The rows inside an open node, without the node (a "load more" answer)."""
    return mark_safe(_rows(node, cycle=cycle, links=Links()))  # noqa: S308 - escaped
