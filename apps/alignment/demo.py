"""Demo key result contributions (a ``GOALSITE_DEMO_HOOKS`` hook run by ``seed_demo`` after the goals).

People's key results count toward their team's and the company's: Bo's and
Carmen's new ARR toward the company's new ARR, Dev's booked meetings toward
Sales' qualified opportunities, Platform's latency toward the product
department's. Safe to run again: an existing contribution is left as it is.
"""

from apps.goals.models import KeyResult

from .services import kr_contribute

CONTRIBUTIONS = [
    # (goal, key result) → (goal, key result) it counts toward
    (("Win the mid-market in DACH", "New ARR in DACH"),
     ("Become the onboarding platform mid-market teams love", "New annual recurring revenue")),
    (("Close €200k of new ARR this quarter", "New ARR closed"),
     ("Become the onboarding platform mid-market teams love", "New annual recurring revenue")),
    (("Book 70 qualified meetings for the account executives this quarter", "Qualified meetings booked"),
     ("Build a predictable pipeline", "Sales-qualified opportunities")),
    (("Make the platform fast and boringly reliable", "p95 API latency"),
     ("Ship a product that is fast, reliable and easy to start with", "p95 API latency")),
]  # fmt: skip


def _find(organization, goal_title: str, kr_title: str) -> KeyResult | None:
    return (
        KeyResult.objects.filter(organization=organization, goal__title=goal_title, title=kr_title)
        .exclude(goal__status__in=("achieved", "missed", "dropped"))
        .select_related("goal")
        .order_by("-goal__created_at")
        .first()
    )


def seed(*, organization, members) -> None:
    actor = members.get("maya")
    if actor is None:
        return
    for (goal, kr), (parent_goal, parent_kr) in CONTRIBUTIONS:
        child, parent = _find(organization, goal, kr), _find(organization, parent_goal, parent_kr)
        if child is None or parent is None or child.contributes_to_id:
            continue
        kr_contribute(actor=actor, kr=child, parent_kr=parent, reason="Counts toward the objective above")
