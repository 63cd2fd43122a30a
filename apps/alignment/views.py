"""Alignment pages: the tree, paths to the top, gaps, the end-of-cycle report, a goal's alignment.

Every view: selector (404 for anything outside the actor's reach) → form →
service (403 for what they may not change) → response. Each page works without
JavaScript (links carry the tree's state in the query string; forms post and
redirect); with htmx they answer with just the region that changed.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from apps.core import pagecache
from apps.core.http import apply_validation_error
from apps.core.types import AuthedRequest
from apps.goals.permissions import check_can_edit_goal

from . import export, markup, selectors, services, tree
from .forms import GapsFilterForm, KRContributeForm, LinkForm, ReportFilterForm, TreeFilterForm, UnlinkForm, WeightForm

TREE = "alignment/tree.html"
PANEL = "alignment/goal_alignment.html"

# bench/dashboards.py may ask for an uncached tree (header X-Bench-Cache: off) to measure cold figures.
BENCH = os.environ.get("GOALSITE_BENCH") == "1"


def _offset(request) -> int:
    try:
        return max(0, min(int(request.GET.get("offset", 0)), 10_000_000))
    except ValueError:
        return 0


def _filters(request: AuthedRequest, *, cycle_list, form=None) -> tree.Filters:
    """Filters from the query string; invalid or foreign values are ignored (the form shows why)."""
    data = form.cleaned_data if form is not None and form.is_bound else {}
    cycle, all_cycles = tree.parse_cycle(request.GET.get("cycle", ""), cycle_list)
    raw = {name: request.GET.get(name, "").strip() for name in tree.FILTER_NAMES}
    if form is not None:
        raw = {name: (raw[name] if name not in form.errors else "") for name in raw}
    status = request.GET.get("status", "")
    return tree.Filters(
        cycle=cycle,
        all_cycles=all_cycles,
        team=data.get("team"),
        owner=data.get("owner"),
        status=status if status in dict(selectors.STATUS_CHOICES) else "",
        q=data.get("q", "") or "",
        raw=raw,
        open=tree.parse_open(request.GET.getlist("open")),
    )


def _cleaned(form) -> dict:
    """The fields of a GET filter form that are valid (an invalid one is ignored, and shown as an error)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


# --- the tree ------------------------------------------------------------------------


@require_GET
def alignment_tree(request: AuthedRequest) -> HttpResponse:
    """The tree; the full page's region is kept per viewer until a write in the organization (core.pagecache)."""
    if request.htmx:
        return _tree_response(request)

    def build() -> str:
        context = _tree_context(request)
        return render_to_string(f"{TREE}#tree-page", context)

    bypass = BENCH and request.headers.get("X-Bench-Cache") == "off"
    html = pagecache.cached_region(
        actor=request.membership, kind="alignment-tree", params=request.META.get("QUERY_STRING", ""),
        seconds=0 if bypass else settings.ALIGNMENT_CACHE_SECONDS, build=build,
    )  # fmt: skip
    return render(request, TREE, {"page_html": mark_safe(html)})  # noqa: S308 - our own render


def _tree_response(request: AuthedRequest) -> HttpResponse:
    context = _tree_context(request)
    if isinstance(context, HttpResponse):
        return context
    if request.headers.get("HX-Target") == "tree-region":
        return render(request, f"{TREE}#tree-region", context)
    return render(request, TREE, {**context, "page_html": mark_safe(render_to_string(f"{TREE}#tree-page", context))})  # noqa: S308


def _tree_context(request: AuthedRequest) -> dict | HttpResponse:
    actor = request.membership
    kept = selectors.structure(actor=actor)
    cycle_list, all_teams = kept.cycles, list(kept.teams)
    form = TreeFilterForm(
        request.GET or None,
        cycles=cycle_list,
        teams=selectors.team_choices(actor=actor),
        people=selectors.people(actor=actor),
    )
    _cleaned(form)
    filters = _filters(request, cycle_list=cycle_list, form=form)
    team_ids = selectors.team_subtree_ids(all_teams, filters.team) if filters.team else None
    owners = selectors.owner_choices(actor=actor, team_ids=team_ids, active_people=kept.active_people)
    form.show_owners(owners, filters.owner)
    context = {
        "form": form,
        "filters": filters,
        "cycle": filters.cycle,
        "all_cycles": filters.all_cycles,
        "team_outline": kept.outline,
        "report_cycle": selectors.report_cycle(actor=actor, cycle_list=cycle_list),
    }
    if filters.results_mode:
        results = selectors.goal_search(
            actor=actor, scope=filters.scope, q=filters.q, owner=filters.owner, team_ids=team_ids,
            status=filters.status, offset=_offset(request), settings_row=kept.settings,
        )  # fmt: skip
        tree.decorate([row.node for row in results.rows], filters, "r", full_page=False)
        context.update(results=results, more_url=_more_url(filters, results.next_offset))
        if request.htmx and request.GET.get("rows"):
            return render(request, f"{TREE}#result-rows", context)
    else:
        roots = [filters.team] if filters.team else selectors.roots(all_teams)
        nodes = tree.build(actor=actor, filters=filters, roots=roots, kept=kept)
        tree.decorate(nodes, filters, "n", full_page=True)
        context["roots"] = nodes
    return context


def _more_url(filters: tree.Filters, offset: int | None) -> str:
    if offset is None:
        return ""
    return reverse("alignment:tree") + "?" + filters.query(open=[], offset=offset)


def _node(request: AuthedRequest, kind: str, obj) -> HttpResponse:
    """One node of the tree, opened (or closed): an ``<li>`` for htmx, a small page without it."""
    actor = request.membership
    kept = selectors.structure(actor=actor)
    filters = _filters(request, cycle_list=kept.cycles)
    via = tree.safe_dom(request.GET.get("via"))
    weight = _display_weight(request.GET.get("weight"))
    if request.htmx and request.GET.get("collapse"):
        node = selectors.node_summary(actor=actor, kind=kind, obj=obj, scope=filters.scope, settings_row=kept.settings)
        node.weight = weight
        tree.decorate([node], filters, via, full_page=False)
        return HttpResponse(markup.tree_nodes([node], cycle=filters.cycle))
    offset = _offset(request)
    if offset:
        node = tree.expand(kind, obj, actor=actor, filters=filters, offset=offset, settings_row=kept.settings)
    else:
        node = tree.open_one(kind, obj, actor=actor, filters=filters, kept=kept)
    node.weight = weight
    tree.decorate([node], filters, via, full_page=False)
    if request.htmx:
        if request.GET.get("rows"):
            return HttpResponse(markup.node_rows(node, cycle=filters.cycle))
        return HttpResponse(markup.tree_nodes([node], cycle=filters.cycle))
    context = {
        "node": node,
        "nodes": [node],
        "filters": filters,
        "cycle": filters.cycle,
        "all_cycles": filters.all_cycles,
    }
    return render(request, "alignment/node_page.html", context)


def _display_weight(value: str | None) -> Decimal | None:
    try:
        weight = Decimal(value) if value else None
    except (InvalidOperation, ValueError):
        return None
    return weight if weight is not None and weight.is_finite() and 0 <= weight <= services.WEIGHT_MAX else None


@require_GET
def team_node(request: AuthedRequest, public_id) -> HttpResponse:
    return _node(request, "team", selectors.team_get(actor=request.membership, public_id=public_id))


@require_GET
def person_node(request: AuthedRequest, public_id) -> HttpResponse:
    return _node(request, "person", selectors.person_get(actor=request.membership, public_id=public_id))


@require_GET
def goal_node(request: AuthedRequest, public_id) -> HttpResponse:
    return _node(request, "goal", selectors.goal_get(actor=request.membership, public_id=public_id))


# --- path, gaps, report --------------------------------------------------------------


@require_GET
def goal_path(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.goal_get(actor=actor, public_id=public_id)
    context = {"view": selectors.goal_paths(actor=actor, goal=goal), "goal": goal, "cycle": goal.cycle}
    return render(request, "alignment/path.html#paths" if request.htmx else "alignment/path.html", context)


@require_GET
def gaps(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    kept = selectors.structure(actor=actor)
    cycle_list, all_teams = kept.cycles, list(kept.teams)
    form = GapsFilterForm(request.GET or None, cycles=cycle_list, teams=selectors.team_choices(actor=actor))
    team = _cleaned(form).get("team")
    cycle, _ = tree.parse_cycle(request.GET.get("cycle", ""), cycle_list)
    data = selectors.gaps(
        actor=actor,
        cycle=cycle,
        team_ids=selectors.team_subtree_ids(all_teams, team) if team else None,
        settings_row=kept.settings,
    )
    context = {
        "form": form,
        "gaps": data,
        "team": team,
        "cycle": cycle,
        "team_outline": kept.outline,
        "report_cycle": selectors.report_cycle(actor=actor, cycle_list=cycle_list),
    }
    return render(request, "alignment/gaps.html#gaps" if request.htmx else "alignment/gaps.html", context)


@require_GET
def cycle_report(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    cycle = selectors.cycle_get(actor=actor, public_id=public_id)
    if not selectors.can_view_report(actor):
        raise PermissionDenied("The end-of-cycle report is for managers and admins.")
    kept = selectors.structure(actor=actor)
    all_teams = list(kept.teams)
    form = ReportFilterForm(request.GET or None, teams=selectors.team_choices(actor=actor))
    team = _cleaned(form).get("team")
    team_ids = selectors.team_subtree_ids(all_teams, team) if team else None
    report = selectors.cycle_report(actor=actor, cycle=cycle, team=team, team_ids=team_ids)
    if request.GET.get("format") == "csv":
        return export.report_csv(report, site_url=request.build_absolute_uri("/").rstrip("/"))
    context = {
        "form": form,
        "report": report,
        "other_cycles": [c for c in kept.cycles if c.pk != cycle.pk],
        "today": timezone.localdate(),
        "team_outline": kept.outline,
    }
    return render(request, "alignment/report.html#report" if request.htmx else "alignment/report.html", context)


# --- one goal's alignment ------------------------------------------------------------


def _panel_context(request: AuthedRequest, goal, **forms) -> dict:
    actor = request.membership
    panel = selectors.alignment_panel(actor=actor, goal=goal, q=request.GET.get("q", "").strip()[:100])
    forms.setdefault("link_form", LinkForm(parents=selectors.link_parent_choices(actor=actor), auto_id="al-%s"))
    compact = request.GET.get("compact") == "1" or request.POST.get("compact") == "1"
    return {"panel": panel, "goal": panel.goal, "cycle": panel.goal.cycle, "compact": compact, **forms}


def _panel_response(request: AuthedRequest, goal, **forms) -> HttpResponse:
    template = f"{PANEL}#panel" if request.htmx else PANEL
    return render(request, template, _panel_context(request, goal, **forms))


def _panel_goal(request: AuthedRequest, link):
    """Which goal's page a link form was on: the parent's when it says so (and the actor sees it), else the child's."""
    actor = request.membership
    if request.POST.get("panel") == str(link.parent.public_id):
        return selectors.goal_get(actor=actor, public_id=link.parent.public_id)
    return selectors.goal_get(actor=actor, public_id=link.child.public_id)


def _done(request: AuthedRequest, goal, before: float, message: str) -> HttpResponse:
    messages.success(request, message)
    if not request.htmx:
        return redirect(reverse("alignment:goal", args=[goal.public_id]))
    fresh = selectors.goal_get(actor=request.membership, public_id=goal.public_id)
    if request.POST.get("compact") == "1" and abs(fresh.progress - before) > 1e-9:
        return HttpResponseClientRefresh()  # the goal page's own numbers changed too
    return _panel_response(request, fresh)


def _failed(request: AuthedRequest, goal, error: ValidationError, **forms) -> HttpResponse:
    if not request.htmx:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("alignment:goal", args=[goal.public_id]))
    return _panel_response(request, goal, **forms)


@require_GET
def goal_alignment(request: AuthedRequest, public_id) -> HttpResponse:
    goal = selectors.goal_get(actor=request.membership, public_id=public_id)
    return _panel_response(request, goal)


@require_POST
def link_create(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    goal = selectors.goal_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, goal)
    form = LinkForm(request.POST, parents=selectors.link_parent_choices(actor=actor), auto_id="al-%s")
    if form.is_valid():
        try:
            services.alignment_link(actor=actor, child=goal, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _done(
                request,
                goal,
                goal.progress,
                f"“{goal.title}” now contributes to “{form.cleaned_data['parent'].title}”.",
            )
    if not request.htmx:
        return render(request, PANEL, _panel_context(request, goal, link_form=form))
    return _panel_response(request, goal, link_form=form)


@require_POST
def link_weight(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    link = selectors.link_get(actor=actor, public_id=public_id)
    services.check_can_change_link(actor, link)
    goal = _panel_goal(request, link)
    form = WeightForm(request.POST)
    if not form.is_valid():
        return _failed(request, goal, ValidationError(form.errors.get("weight", ["Enter a weight."])))
    try:
        services.alignment_set_weight(actor=actor, link=link, **form.cleaned_data)
    except ValidationError as error:
        return _failed(request, goal, error)
    return _done(request, goal, goal.progress, "Weight saved.")


@require_POST
def link_delete(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    link = selectors.link_get(actor=actor, public_id=public_id)
    services.check_can_change_link(actor, link)
    goal = _panel_goal(request, link)
    form = UnlinkForm(request.POST)
    form.is_valid()
    try:
        services.alignment_unlink(actor=actor, link=link, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as error:
        return _failed(request, goal, error)
    return _done(request, goal, goal.progress, "Link removed.")


@require_POST
def kr_contribute(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    kr = selectors.key_result_get(actor=actor, public_id=public_id)
    check_can_edit_goal(actor, kr.goal)
    goal = selectors.goal_get(actor=actor, public_id=kr.goal.public_id)
    form = KRContributeForm(request.POST, targets=selectors.kr_target_choices(actor=actor))
    if not form.is_valid():
        return _failed(request, goal, ValidationError(form.errors.get("parent_kr", ["Choose a key result."])))
    target = form.cleaned_data["parent_kr"]
    try:
        services.kr_contribute(actor=actor, kr=kr, parent_kr=target)
    except ValidationError as error:
        return _failed(request, goal, error)
    message = (
        f"“{kr.title}” now counts toward “{target.title}”." if target else f"“{kr.title}” counts only for its goal."
    )
    return _done(request, goal, goal.progress, message)
