"""The alignment tree's state (filters, open nodes) and the URLs each node needs.

The tree works without JavaScript: every toggle is a link to ``/alignment/``
with the set of open nodes in the query string (``?open=t-<uuid>&open=p-<uuid>``).
With htmx the same link fetches just that node (``hx-get``) and swaps it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.urls import reverse

from apps.accounts.models import Membership, Team
from apps.goals.models import Cycle

from . import selectors
from .selectors import GoalScope, Node

MAX_OPEN = 24  # open nodes honoured in one page (each costs a few queries)
MAX_DEPTH = 8
KEY_RE = re.compile(r"^[tpg]-[0-9a-f-]{36}$")
DOM_RE = re.compile(r"^[a-z0-9-]{1,300}$")
FILTER_NAMES = ("cycle", "team", "owner", "status", "q")
ENDPOINTS = {"team": "alignment:team_node", "person": "alignment:person_node", "goal": "alignment:goal_node"}


@dataclass
class Filters:
    """What the tree shows. ``raw`` keeps the query-string values to rebuild links."""

    cycle: Cycle | None = None
    all_cycles: bool = False
    team: Team | None = None
    owner: Membership | None = None
    status: str = ""
    q: str = ""
    raw: dict[str, str] = field(default_factory=dict)
    open: list[str] = field(default_factory=list)

    @property
    def scope(self) -> GoalScope:
        return GoalScope(cycle=self.cycle, all_cycles=self.all_cycles, include_dropped=self.status == "dropped")

    @property
    def results_mode(self) -> bool:
        """Searching or filtering by owner or status lists matching goals (with their paths) instead of the tree."""
        return bool(self.q or self.owner or self.status)

    def query(self, *, open: list[str] | None = None, **extra) -> str:
        pairs = [(k, v) for k, v in self.raw.items() if v]
        pairs += [("open", key) for key in (self.open if open is None else open)]
        pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)

    def scope_query(self, **extra) -> str:
        """Only what a node endpoint needs (the cycle and status), plus ``extra``."""
        pairs = [(k, self.raw[k]) for k in ("cycle", "status") if self.raw.get(k)]
        pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)


def parse_open(values: list[str]) -> list[str]:
    keys = []
    for value in values:
        for key in value.split(","):
            key = key.strip().lower()
            if KEY_RE.match(key) and key not in keys:
                keys.append(key)
    return keys[:MAX_OPEN]


def parse_cycle(value: str, cycle_list: list[Cycle]) -> tuple[Cycle | None, bool]:
    """(cycle, all cycles?) from the ``cycle`` parameter: '' = current, 'all', or a cycle's public id."""
    if value == "all":
        return None, True
    for cycle in cycle_list:
        if str(cycle.public_id) == value:
            return cycle, False
    return selectors.current_cycle(cycle_list), False


def safe_dom(value: str | None, default: str = "n") -> str:
    return value if value and DOM_RE.match(value) else default


def page_url(filters: Filters, open_keys: list[str]) -> str:
    query = filters.query(open=open_keys)
    return reverse("alignment:tree") + (f"?{query}" if query else "")


def decorate(node: Node, filters: Filters, parent_dom: str, *, full_page: bool) -> None:
    """Give a node (and its loaded children) DOM ids and the URLs its toggle and "load more" use."""
    node.dom = f"{parent_dom}-{node.key[0]}{node.obj.public_id.hex[:8]}"
    endpoint = reverse(ENDPOINTS[node.kind], args=[node.obj.public_id])
    node.hx_url = f"{endpoint}?{filters.scope_query(via=parent_dom)}"
    if full_page:
        opened = [k for k in filters.open if k != node.key] if node.expanded else [*filters.open, node.key]
        node.href = page_url(filters, opened)
    else:
        node.href = f"{endpoint}?{filters.scope_query()}"
    if node.expanded:
        node.collapse_href = node.href
        if node.next_offset is not None:
            node.more_url = f"{endpoint}?{filters.scope_query(via=parent_dom, offset=node.next_offset, rows=1)}"
            node.more_href = f"{endpoint}?{filters.scope_query(offset=node.next_offset)}"
        for child in node.children:
            decorate(child, filters, node.dom, full_page=full_page)


def expand(node_kind: str, obj, *, actor: Membership, filters: Filters, offset: int = 0, settings_row=None, today=None):
    """One node opened at ``offset`` (the "load more" pages)."""
    if node_kind == "team":
        return selectors.expand_team(
            actor=actor, team=obj, scope=filters.scope, offset=offset, settings_row=settings_row, today=today
        )
    if node_kind == "person":
        return selectors.expand_person(
            actor=actor, member=obj, scope=filters.scope, offset=offset, settings_row=settings_row, today=today
        )
    return selectors.expand_goal(actor=actor, goal=obj, offset=offset, settings_row=settings_row, today=today)


def _attach(
    node: Node, listings: dict, open_keys: set[str], opened: set[str], *, depth: int = 0, path: tuple = ()
) -> None:
    """Give every open node (reachable from ``node``) its children, copying shared rows (one DOM id each)."""
    if node.key not in open_keys or node.key in path or depth >= MAX_DEPTH:
        return
    listing = listings.get(node.key) or selectors.Listing(children=[], next_offset=None, remaining=0)
    node.children = [replace(child) for child in listing.children]
    node.next_offset, node.remaining = listing.next_offset, listing.remaining
    opened.add(node.key)
    for child in node.children:
        _attach(child, listings, open_keys, opened, depth=depth + 1, path=(*path, node.key))


def build(*, actor: Membership, filters: Filters, roots: list[Team], all_teams: list[Team], settings_row) -> list[Node]:
    """The tree's roots with the first root and every node named in ``filters.open`` opened.

    A fixed number of queries however many nodes are open or how big the tree is:
    one for the roots' summaries and the few of ``selectors.expand_many``.
    """
    if not roots:
        return []
    nodes = selectors.team_nodes(actor=actor, teams=roots, scope=filters.scope)
    open_keys = {*filters.open, nodes[0].key}
    listings = selectors.expand_many(
        actor=actor,
        scope=filters.scope,
        teams=[t for t in all_teams if f"t-{t.public_id}" in open_keys],
        person_ids=[k[2:] for k in open_keys if k.startswith("p-")],
        goal_ids=[k[2:] for k in open_keys if k.startswith("g-")],
        settings_row=settings_row,
        all_teams=all_teams,
    )
    opened: set[str] = set()
    for node in nodes:
        _attach(node, listings, open_keys, opened)
    # Links carry only what is really open: a key that named nothing the actor sees is dropped.
    filters.open = [key for key in filters.open if key in opened]
    return nodes


def open_one(node: Node, *, actor: Membership, filters: Filters, settings_row=None) -> Node:
    """``node`` (a closed summary) with its first page of children."""
    listings = selectors.expand_many(
        actor=actor,
        scope=filters.scope,
        teams=[node.obj] if node.kind == "team" else [],
        person_ids=[str(node.obj.public_id)] if node.kind == "person" else [],
        goal_ids=[str(node.obj.public_id)] if node.kind == "goal" else [],
        settings_row=settings_row,
    )
    listing = listings.get(node.key) or selectors.Listing(children=[], next_offset=None, remaining=0)
    node.children, node.next_offset, node.remaining = listing.children, listing.next_offset, listing.remaining
    return node
