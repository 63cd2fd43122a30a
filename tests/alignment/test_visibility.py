"""Private goals never leak: not through the tree, search, gaps, paths, the report, its CSV or a goal's panel.

Pete (peer) cannot see Mel's private goal "Mel's secret side quest"; it still
counts in the Rockets objective's progress (honest numbers), and pages say only
how many goals they cannot show.
"""

import pytest
from django.urls import reverse

from apps.accounts.models import Membership
from apps.alignment import services as alignment
from apps.goals.models import Goal, GoalAlignment
from tests.conftest import HTMX

from .conftest import make_goal

pytestmark = pytest.mark.django_db

SECRET = "secret side quest"


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_hidden(aw, html: str) -> None:
    assert SECRET not in html
    assert str(aw.private_goal.public_id) not in html


@pytest.fixture
def peer(aw, client_for):
    return client_for(aw.peer)


def test_the_private_goal_counts_in_the_parent_for_everyone(aw):
    assert not Goal.objects.visible_to(aw.peer).filter(pk=aw.private_goal.pk).exists()
    assert aw.rockets_goal.progress == pytest.approx((0.5 + 0.75 + 0.1) / 3)  # the same number for every viewer


def test_tree_with_every_node_open_never_shows_it(aw, peer):
    query = "&".join(
        f"open={k}"
        for k in (
            f"t-{aw.team.public_id}",
            f"p-{aw.member.public_id}",
            f"g-{aw.rockets_goal.public_id}",
            f"g-{aw.private_goal.public_id}",
            f"g-{aw.company_goal.public_id}",
        )
    )
    html = body(peer.get(reverse("alignment:tree") + "?" + query))
    assert_hidden(aw, html)
    assert "Mel ships the new launcher" in html and "1 hidden from you" in html


def test_node_endpoints_never_show_it(aw, peer):
    for name, obj in (("person_node", aw.member), ("goal_node", aw.rockets_goal), ("team_node", aw.team)):
        html = body(peer.get(reverse(f"alignment:{name}", args=[obj.public_id]) + "?via=n", **HTMX))
        assert_hidden(aw, html)
    html = body(peer.get(reverse("alignment:goal_node", args=[aw.rockets_goal.public_id]) + "?via=n", **HTMX))
    assert "1 contributing goal you cannot see" in html
    assert peer.get(reverse("alignment:goal_node", args=[aw.private_goal.public_id]), **HTMX).status_code == 404


def test_search_and_filters_never_show_it(aw, peer):
    for query in ("q=secret", "q=quest", f"owner={aw.member.public_id}", "status=on_track", "status=not_started",
                  "status=off_track", "status=at_risk", "cycle=all"):  # fmt: skip
        assert_hidden(aw, body(peer.get(reverse("alignment:tree") + "?" + query)))


def test_the_manager_does_see_it(aw, client_for):
    html = body(client_for(aw.manager).get(reverse("alignment:tree") + "?q=secret"))
    assert SECRET in html


def test_gaps_never_show_it(aw, peer):
    from datetime import timedelta

    from django.utils import timezone

    lonely = make_goal(aw.member, "Another secret side quest", cycle=aw.cycle, visibility="private")
    Goal.objects.filter(pk__in=[lonely.pk, aw.private_goal.pk]).update(created_at=timezone.now() - timedelta(days=40))
    html = body(peer.get(reverse("alignment:gaps")))
    assert SECRET not in html and str(lonely.public_id) not in html


def test_gaps_do_show_it_to_someone_who_may_see_it(aw, client_for):
    make_goal(aw.member, "Another secret side quest", cycle=aw.cycle, visibility="private")
    assert SECRET in body(client_for(aw.manager).get(reverse("alignment:gaps")))


def test_paths_never_show_it(aw, peer):
    # A goal Pete can see, contributing to the private goal: the path shows a placeholder, not the goal.
    visible_child = make_goal(aw.member, "Mel writes the launcher docs", cycle=aw.cycle)
    alignment.alignment_link(actor=aw.member, child=visible_child, parent=aw.private_goal)
    html = body(peer.get(reverse("alignment:path", args=[visible_child.public_id])))
    assert_hidden(aw, html)
    assert "1 goal you cannot see" in html and "Rockets ship twice as fast" in html
    results = body(peer.get(reverse("alignment:tree") + "?q=launcher+docs"))
    assert_hidden(aw, results)
    assert "1 goal you cannot see" in results


def test_the_report_and_its_csv_never_show_it(aw, client_for):
    Membership.objects.filter(pk=aw.peer.pk).update(role="manager")  # may read reports, still cannot see the goal
    peer = client_for(Membership.objects.get(pk=aw.peer.pk))
    url = reverse("alignment:report", args=[aw.cycle.public_id])
    assert_hidden(aw, body(peer.get(url)))
    assert_hidden(aw, body(peer.get(url + "?format=csv")))
    assert SECRET in body(client_for(aw.admin).get(url + "?format=csv"))


def test_a_goals_alignment_panel_never_shows_it(aw, peer):
    for compact in ("", "?compact=1"):
        html = body(peer.get(reverse("alignment:goal", args=[aw.rockets_goal.public_id]) + compact, **HTMX))
        assert_hidden(aw, html)
    html = body(peer.get(reverse("alignment:goal", args=[aw.rockets_goal.public_id])))
    assert "1 goal you cannot see" in html


def test_a_private_key_result_contribution_is_counted_not_named(aw, peer):
    private_kr = aw.private_goal.key_results.get()
    alignment.kr_contribute(actor=aw.member, kr=private_kr, parent_kr=aw.rockets_goal.key_results.get())
    html = body(peer.get(reverse("alignment:goal", args=[aw.rockets_goal.public_id])))
    assert_hidden(aw, html)
    assert private_kr.title not in html and "1 you cannot see" in html


def test_the_link_form_cannot_target_a_hidden_goal(aw, peer):
    petes_goal = make_goal(aw.peer, "Pete's goal", cycle=aw.cycle)
    response = peer.post(
        reverse("alignment:link", args=[petes_goal.public_id]),
        {"parent": aw.private_goal.public_id, "weight": "1"},
        **HTMX,
    )
    html = body(response)
    assert "Choose an open goal you can see" in html and SECRET not in html
    assert not GoalAlignment.objects.filter(parent=aw.private_goal, child__owner_member=aw.peer).exists()


def test_contributor_counts_say_what_each_viewer_may_see(aw):
    """An admin sees every contributor (no visibility subquery for admins); a peer is told one is hidden."""
    from django.utils import timezone

    from apps.alignment.selectors import children_facts, goal_settings

    def facts(actor):
        settings_row = goal_settings(actor=actor)
        return children_facts(
            actor=actor, parent_ids=[aw.rockets_goal.pk], settings_row=settings_row, today=timezone.localdate()
        )[aw.rockets_goal.pk]

    admin, peer = facts(aw.admin), facts(aw.peer)
    assert admin.total == peer.total == 2  # Mel's launcher goal and the private one
    assert admin.visible == 2
    assert peer.visible == 1
    assert admin.evidence == peer.evidence  # the same status evidence for everyone
