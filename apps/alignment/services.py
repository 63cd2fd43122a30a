"""Alignment writes: link goals, weigh links, make key results count toward others.

Keyword-only, actor first, atomic, checked inside, recorded in both goals' history
(``EventKind.ALIGNED``). Progress is maintained on write: every change here
recomputes what it touches (``goals.services.goal_recompute_progress`` climbs
the goal graph; ``kr_refresh`` climbs key result contributions). The rules are
in ``rollup``'s docstring; ``rollup_recompute_all`` rebuilds everything at once.

Rules for a link (child → parent):

* the actor must be able to edit the child (the child's owner proposes; the
  parent's owner sees the contributor on their goal page and may remove it or
  change its weight);
* the actor must be able to see the parent; both belong to one organization;
  teams may differ (cross-team alignment is the point);
* no loops: a goal may not contribute to a goal that already counts toward it,
  directly or through others (checked with a recursive CTE in the database);
* across cycles only to an open-ended goal (no cycle) or a goal whose cycle
  overlaps the child's;
* closed goals keep their alignment as it was.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from apps.accounts.models import Membership
from apps.core import dataversion
from apps.goals.models import EventKind, Goal, GoalAlignment, GoalStatus, KeyResult, Visibility
from apps.goals.permissions import can_edit_goal, check_can_edit_goal
from apps.goals.services import goal_event_record, goal_recompute_progress

from . import rollup
from .rollup import RecomputeResult, kr_combined_progress, rollup_recompute_all

__all__ = [
    "RecomputeResult",
    "alignment_link",
    "alignment_set_weight",
    "alignment_unlink",
    "kr_contribute",
    "kr_refresh",
    "rollup_recompute_all",
]

WEIGHT_MAX = Decimal("9999.99")
LOOP_GUARD = 200  # deeper than any real alignment graph; keeps a corrupt graph from spinning
_LOCK_NAMESPACE = 0x616C  # "al": pg_advisory_xact_lock(namespace, organization id)


# --- small rules ---------------------------------------------------------------------


def parse_weight(value) -> Decimal:
    """A contribution weight: 0 to 9999.99, two decimals. 0 keeps the link but stops it counting."""
    try:
        weight = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({"weight": "Enter a number, e.g. 1 or 2.5."}) from None
    if not weight.is_finite():
        raise ValidationError({"weight": "Enter a number, e.g. 1 or 2.5."})
    if weight < 0 or weight > WEIGHT_MAX:
        raise ValidationError({"weight": "A weight is between 0 and 9999.99."})
    return weight.quantize(Decimal("0.01"))


def shown_title(goal: Goal) -> str:
    """How a goal is named in the *other* goal's history: restricted goals are not named there."""
    if goal.visibility == Visibility.ORGANIZATION:
        return goal.title
    return "a team-only goal" if goal.visibility == Visibility.TEAM else "a private goal"


def _shown_kr(kr: KeyResult) -> str:
    if kr.goal.visibility == Visibility.ORGANIZATION:
        return f"{kr.title} ({kr.goal.title})"
    return f"a key result of {shown_title(kr.goal)}"


def _fmt_weight(weight: Decimal) -> str:
    return f"weight {Decimal(weight).normalize():f}"


def _lock_graph(organization_id: int) -> None:
    """Serialise alignment changes within one organization, so two links cannot race into a loop."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, organization_id])


def _period(goal: Goal):
    if goal.cycle_id:
        return goal.cycle.starts_on, goal.cycle.ends_on
    return goal.start_date, goal.due_date


def check_cycles_compatible(child: Goal, parent: Goal, *, field: str = "parent") -> None:
    """Across cycles only to an open-ended goal or one whose cycle overlaps the child's."""
    if parent.cycle_id is None or child.cycle_id == parent.cycle_id:
        return
    start, end = _period(child)
    p_start, p_end = parent.cycle.starts_on, parent.cycle.ends_on
    if (start is None or start <= p_end) and (end is None or end >= p_start):
        return
    child_period = child.cycle.name if child.cycle_id else "its dates"
    raise ValidationError(
        {
            field: f"“{parent.title}” is in {parent.cycle.name} ({p_start:%-d %b %Y}–{p_end:%-d %b %Y}), "
            f"which does not overlap {child_period}. Across cycles, align only to an open-ended goal "
            "or one whose cycle overlaps."
        }
    )


def goal_link_distance(*, start: Goal, target: Goal) -> int | None:
    """How many alignment links lead up from ``start`` to ``target`` (None when they never do).

    A recursive CTE walks the ancestors in the database; it works on PostgreSQL and SQLite.
    """
    sql = """
        WITH RECURSIVE up(id, depth) AS (
            SELECT CAST(%s AS bigint), 0
          UNION
            SELECT a.parent_id, up.depth + 1 FROM goals_goalalignment a JOIN up ON a.child_id = up.id
            WHERE up.depth < %s
        )
        SELECT min(depth) FROM up WHERE id = %s
    """
    with connection.cursor() as cur:
        cur.execute(sql, [start.pk, LOOP_GUARD, target.pk])
        row = cur.fetchone()
    return row[0] if row else None


def kr_link_distance(*, start: KeyResult, target: KeyResult) -> int | None:
    """How many contributions lead up from key result ``start`` to ``target`` (None when none)."""
    sql = """
        WITH RECURSIVE up(id, depth) AS (
            SELECT CAST(%s AS bigint), 0
          UNION
            SELECT k.contributes_to_id, up.depth + 1 FROM goals_keyresult k JOIN up ON k.id = up.id
            WHERE k.contributes_to_id IS NOT NULL AND up.depth < %s
        )
        SELECT min(depth) FROM up WHERE id = %s
    """
    with connection.cursor() as cur:
        cur.execute(sql, [start.pk, LOOP_GUARD, target.pk])
        row = cur.fetchone()
    return row[0] if row else None


def check_no_loop(*, child: Goal, parent: Goal) -> None:
    if child.pk == parent.pk:
        raise ValidationError({"parent": "A goal cannot contribute to itself."})
    distance = goal_link_distance(start=parent, target=child)
    if distance is None:
        return
    if distance == 1:
        how = "already contributes to"
    else:
        others = distance - 1
        how = f"already counts toward (through {others} other goal{'s' if others != 1 else ''})"
    raise ValidationError(
        {
            "parent": f"“{parent.title}” {how} “{child.title}”, so “{child.title}” cannot also contribute to it: "
            "that would make a loop."
        }
    )


def _visible(actor: Membership, goal: Goal) -> bool:
    return Goal.objects.visible_to(actor).filter(pk=goal.pk).exists()


def _fresh(goal: Goal) -> Goal:
    return Goal.objects.select_related("cycle", "owner_member").get(pk=goal.pk)


def _record_both(
    *,
    actor: Membership,
    child: Goal,
    parent: Goal,
    old: tuple[str, str] = ("", ""),
    new: tuple[str, str] = ("", ""),
    reason: str = "",
) -> None:
    """One history line on each goal; ``old``/``new`` are (child's wording, parent's wording)."""
    goal_event_record(
        goal=child,
        actor=actor,
        kind=EventKind.ALIGNED,
        subject=shown_title(parent),
        field="contributes to",
        old=old[0],
        new=new[0],
        reason=reason,
    )
    goal_event_record(
        goal=parent,
        actor=actor,
        kind=EventKind.ALIGNED,
        subject=shown_title(child),
        field="aligned goal",
        old=old[1],
        new=new[1],
        reason=reason,
    )


def _both(text: str) -> tuple[str, str]:
    return text, text


def _linked(weight: Decimal) -> tuple[str, str]:
    return f"contributes to it, {_fmt_weight(weight)}", f"contributes here, {_fmt_weight(weight)}"


def can_change_link(actor: Membership, link: GoalAlignment) -> bool:
    """The child's editors proposed the link; the parent's editors may remove or re-weigh it too."""
    return can_edit_goal(actor, link.child) or can_edit_goal(actor, link.parent)


def check_can_change_link(actor: Membership, link: GoalAlignment) -> None:
    if not can_change_link(actor, link):
        raise PermissionDenied("Only the editors of either goal can change how it is aligned.")


# --- goal → goal links ---------------------------------------------------------------


@transaction.atomic
def alignment_link(
    *, actor: Membership, child: Goal, parent: Goal, weight=Decimal(1), reason: str = ""
) -> GoalAlignment:
    """Make ``child`` contribute to ``parent`` with ``weight``; recompute the parent and above."""
    check_can_edit_goal(actor, child)
    if parent.organization_id != actor.organization_id or child.organization_id != actor.organization_id:
        raise ValidationError({"parent": "Choose a goal of your organization."})
    weight = parse_weight(weight)
    _lock_graph(actor.organization_id)
    child, parent = _fresh(child), _fresh(parent)
    if not _visible(actor, parent):
        raise ValidationError({"parent": "Choose a goal you can see."})
    if child.pk == parent.pk:
        raise ValidationError({"parent": "A goal cannot contribute to itself."})
    if child.is_closed:
        raise ValidationError({"parent": f"“{child.title}” is closed: its alignment stays as it was."})
    if parent.is_closed:
        raise ValidationError(
            {"parent": f"“{parent.title}” is {parent.get_status_display().lower()}: choose a goal that is still open."}
        )
    if GoalAlignment.objects.filter(child=child, parent=parent).exists():
        raise ValidationError(
            {"parent": f"“{child.title}” already contributes to “{parent.title}”. Change its weight instead."}
        )
    check_cycles_compatible(child, parent)
    check_no_loop(child=child, parent=parent)
    link = GoalAlignment.objects.create(
        organization_id=child.organization_id, child=child, parent=parent, weight=weight
    )
    _record_both(actor=actor, child=child, parent=parent, new=_linked(weight), reason=reason)
    goal_recompute_progress(parent)
    return link


@transaction.atomic
def alignment_unlink(*, actor: Membership, link: GoalAlignment, reason: str = "") -> None:
    """Remove a link; the parent (and everything above it) stops counting the child."""
    _lock_graph(link.organization_id)
    link = (
        GoalAlignment.objects.select_related("child__owner_member", "parent__owner_member").filter(pk=link.pk).first()
    )
    if link is None:
        raise ValidationError("This link was already removed.")
    check_can_change_link(actor, link)
    child, parent = link.child, link.parent
    old = _linked(link.weight)
    link.delete()
    _record_both(actor=actor, child=child, parent=parent, old=old, new=_both("removed"), reason=reason)
    goal_recompute_progress(_fresh(parent))


@transaction.atomic
def alignment_set_weight(*, actor: Membership, link: GoalAlignment, weight, reason: str = "") -> GoalAlignment:
    """Change how much a contributing goal counts in its parent."""
    link = (
        GoalAlignment.objects.select_for_update(of=("self",))
        .select_related("child__owner_member", "parent__owner_member")
        .get(pk=link.pk)
    )
    check_can_change_link(actor, link)
    weight = parse_weight(weight)
    if weight == link.weight:
        return link
    old = _both(_fmt_weight(link.weight))
    link.weight = weight
    link.save(update_fields=["weight"])
    _record_both(
        actor=actor, child=link.child, parent=link.parent, old=old, new=_both(_fmt_weight(weight)), reason=reason
    )
    goal_recompute_progress(_fresh(link.parent))
    return link


# --- key result → key result contributions -------------------------------------------


def kr_rollup_progress(kr: KeyResult) -> float:
    """What a key result's stored progress should be: its own measure and its contributors' (see ``rollup``)."""
    contributors = (
        KeyResult.objects.filter(contributes_to_id=kr.pk)
        .exclude(goal__status=GoalStatus.DROPPED)
        .values_list("progress", flat=True)
    )
    return kr_combined_progress(kr.compute_progress(), list(contributors))


def kr_refresh(kr_id: int, *, _seen: frozenset[int] = frozenset()) -> None:
    """Store a key result's combined progress, recompute its goal (and the goals above), then climb on."""
    kr = KeyResult.objects.select_related("goal").filter(pk=kr_id).first()
    if kr is None:
        return
    value = kr_rollup_progress(kr)
    if abs(value - kr.progress) > rollup.TOLERANCE:
        KeyResult.objects.filter(pk=kr.pk).update(progress=value)  # a queryset update: no signal, no recursion
        dataversion.bump(kr.organization_id, members=[kr.goal.owner_member_id], teams=[kr.goal.owner_team_id])
    goal_recompute_progress(kr.goal)
    seen = _seen | {kr.pk}
    if kr.contributes_to_id and kr.contributes_to_id not in seen:
        kr_refresh(kr.contributes_to_id, _seen=seen)


@transaction.atomic
def kr_contribute(*, actor: Membership, kr: KeyResult, parent_kr: KeyResult | None, reason: str = "") -> KeyResult:
    """Make ``kr`` count toward ``parent_kr`` (None: stop counting toward anything).

    The parent key result then stores the mean of its own measured progress and
    its contributors' (see ``rollup``); its goal and everything above follow.
    """
    check_can_edit_goal(actor, kr.goal)
    _lock_graph(actor.organization_id)
    kr = (
        KeyResult.objects.select_for_update(of=("self",))
        .select_related("goal__cycle", "contributes_to__goal")
        .get(pk=kr.pk)
    )
    old_parent = kr.contributes_to
    if parent_kr is None:
        if old_parent is None:
            return kr
    else:
        parent_kr = KeyResult.objects.select_related("goal__cycle").get(pk=parent_kr.pk)
        if parent_kr.organization_id != kr.organization_id:
            raise ValidationError({"parent_kr": "Choose a key result of your organization."})
        if not _visible(actor, parent_kr.goal):
            raise ValidationError({"parent_kr": "Choose a key result of a goal you can see."})
        if parent_kr.pk == kr.pk:
            raise ValidationError({"parent_kr": "A key result cannot count toward itself."})
        if parent_kr.goal_id == kr.goal_id:
            raise ValidationError({"parent_kr": "Choose a key result of another goal: this goal already counts it."})
        if old_parent is not None and old_parent.pk == parent_kr.pk:
            return kr
        if kr.goal.is_closed:
            raise ValidationError({"parent_kr": "The goal is closed: its key results stay as they were."})
        if parent_kr.goal.is_closed:
            raise ValidationError({"parent_kr": f"“{parent_kr.goal.title}” is closed: choose an open goal."})
        check_cycles_compatible(kr.goal, parent_kr.goal, field="parent_kr")
        distance = kr_link_distance(start=parent_kr, target=kr)
        if distance is not None:
            raise ValidationError(
                {
                    "parent_kr": f"“{parent_kr.title}” already counts toward “{kr.title}”"
                    + (
                        ""
                        if distance == 1
                        else f" (through {distance - 1} other key result{'s' if distance > 2 else ''})"
                    )
                    + ": counting it back would make a loop."
                }
            )
    KeyResult.objects.filter(pk=kr.pk).update(contributes_to=parent_kr)
    dataversion.bump(
        kr.organization_id,
        goals=[kr.goal_id, parent_kr.goal_id if parent_kr else None, old_parent.goal_id if old_parent else None],
    )
    kr.contributes_to = parent_kr
    old_text = f"counts toward {_shown_kr(old_parent)}" if old_parent else ""
    new_text = f"counts toward {_shown_kr(parent_kr)}" if parent_kr else "counts only for its own goal"
    goal_event_record(
        goal=kr.goal,
        actor=actor,
        kind=EventKind.ALIGNED,
        subject=kr.title,
        field="counts toward",
        old=old_text,
        new=new_text,
        reason=reason,
    )
    for other, change in ((old_parent, "no longer counts toward it"), (parent_kr, "counts toward it")):
        if other is not None:
            goal_event_record(
                goal=other.goal,
                actor=actor,
                kind=EventKind.ALIGNED,
                subject=other.title,
                field="contributing key result",
                new=f"{_shown_kr(kr)} {change}",
                reason=reason,
            )
    if old_parent is not None:
        kr_refresh(old_parent.pk)
    if parent_kr is not None:
        kr_refresh(parent_kr.pk)
    return kr
