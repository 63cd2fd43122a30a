"""The alignment tree's state (filters, open nodes) and the URLs each node needs.

The tree works without JavaScript: every toggle is a link to ``/alignment/``
with the set of open nodes in the query string (``?open=t-<uuid>&open=p-<uuid>``).
With htmx the same link fetches just that node (``hx-get``) and swaps it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode
from uuid import UUID

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


class Links:
    """URLs of many rows: each route reversed once, a row's public id put in the placeholder's place."""

    _MARK = "00000000-0000-0000-0000-000000000000"  # reversed in a row's id's place

    def __init__(self) -> None:
        self._routes: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str, public_id) -> str:
        """What ``reverse(name, args=[public_id])`` gives."""
        route = self._routes.get(name)
        if route is None:
            head, _, tail = reverse(name, args=[self._MARK]).partition(self._MARK)
            route = self._routes[name] = (head, tail)
        return f"{route[0]}{public_id}{route[1]}"


def _join(*queries: str) -> str:
    """Query strings joined into one (empty ones left out)."""
    return "&".join(q for q in queries if q)


class _Decorator:
    """The DOM ids and URLs of the nodes of one response (one set of filters): query strings built once."""

    def __init__(self, filters: Filters, *, full_page: bool) -> None:
        self.full_page = full_page
        self.links = Links()
        self.open = filters.open
        self.scope = filters.scope_query()
        self.tree = reverse("alignment:tree") if full_page else ""
        self.filters_query = filters.query(open=[])
        self.open_query = {key: urlencode([("open", key)]) for key in filters.open}

    def page_href(self, node: Node) -> str:
        """The page with ``node`` toggled (opened, or closed) and every other open node as it is."""
        if node.expanded:
            opened = [self.open_query[k] for k in self.open if k != node.key]
        else:
            opened = [*self.open_query.values(), urlencode([("open", node.key)])]
        query = _join(self.filters_query, *opened)
        return f"{self.tree}?{query}" if query else self.tree

    def apply(self, nodes: list[Node], parent_dom: str) -> None:
        """Decorate ``nodes``, children of the element ``parent_dom``, and their loaded children."""
        via = urlencode([("via", parent_dom)])
        for node in nodes:
            node.dom = f"{parent_dom}-{node.key[0]}{node.obj.public_id.hex[:8]}"
            endpoint = self.links(ENDPOINTS[node.kind], node.obj.public_id)
            node.hx_url = f"{endpoint}?{_join(self.scope, via)}"
            node.href = self.page_href(node) if self.full_page else f"{endpoint}?{self.scope}"
            if node.expanded:
                if node.next_offset is not None:
                    more = urlencode([("offset", node.next_offset)])
                    node.more_url = f"{endpoint}?{_join(self.scope, via, more, 'rows=1')}"
                    node.more_href = f"{endpoint}?{_join(self.scope, more)}"
                self.apply(node.children, node.dom)


def decorate(nodes: list[Node], filters: Filters, parent_dom: str, *, full_page: bool) -> None:
    """Give nodes (and their loaded children) DOM ids and the URLs their toggles and "load more" use.

    ``full_page``: a toggle's link is the tree page with the node opened or closed; else the node's own page.
    """
    _Decorator(filters, full_page=full_page).apply(nodes, parent_dom)


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


def _team_ids(keys: set[str]) -> set[UUID]:
    """The public ids the team keys (``t-<uuid>``) among ``keys`` name."""
    ids = set()
    for key in keys:
        if key.startswith("t-"):
            try:
                ids.add(UUID(key[2:]))
            except ValueError:
                continue
    return ids


def build(*, actor: Membership, filters: Filters, roots: list[Team], kept: selectors.Structure) -> list[Node]:
    """The tree's roots with the first root and every node named in ``filters.open`` opened.

    A fixed number of queries however many nodes are open or how big the tree is: the few of
    ``selectors.expand_many`` (which bring the open roots' summaries), and one for the summaries
    of closed roots if there are any.
    """
    if not roots:
        return []
    open_keys = {*filters.open, selectors.node_key("team", roots[0])}
    open_teams = _team_ids(open_keys)
    listings = selectors.expand_many(
        actor=actor,
        scope=filters.scope,
        kept=kept,
        teams=[t for t in kept.teams if t.public_id in open_teams],
        person_ids=[k[2:] for k in open_keys if k.startswith("p-")],
        goal_ids=[k[2:] for k in open_keys if k.startswith("g-")],
    )
    nodes = selectors.team_nodes(actor=actor, teams=roots, scope=filters.scope, listings=listings)
    opened: set[str] = set()
    for node in nodes:
        _attach(node, listings, open_keys, opened)
    # Links carry only what is really open: a key that named nothing the actor sees is dropped.
    filters.open = [key for key in filters.open if key in opened]
    return nodes


def open_one(kind: str, obj, *, actor: Membership, filters: Filters, kept: selectors.Structure) -> Node:
    """The node of ``obj``, summarised, with its first page of children."""
    listings = selectors.expand_many(
        actor=actor,
        scope=filters.scope,
        kept=kept,
        teams=[obj] if kind == "team" else [],
        person_ids=[str(obj.public_id)] if kind == "person" else [],
        goal_ids=[str(obj.public_id)] if kind == "goal" else [],
    )
    node = selectors.node_summary(
        actor=actor, kind=kind, obj=obj, scope=filters.scope, settings_row=kept.settings, listings=listings
    )
    listing = listings.get(node.key) or selectors.Listing(children=[], next_offset=None, remaining=0)
    node.children, node.next_offset, node.remaining = listing.children, listing.next_offset, listing.remaining
    return node
