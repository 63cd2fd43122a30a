"""Who sees which goal: organization, team and private visibility, through every selector."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.http import Http404

from apps.goals import selectors, services
from apps.goals.models import Goal, GoalAlignment, KeyResult, Milestone, Visibility

ACTORS = ("admin", "manager", "member", "teammate", "peer", "peer_manager", "outsider", "outsider_member")


@dataclass
class VisWorld:
    gw: object
    goals: dict[str, Goal]
    krs: dict[str, KeyResult]
    milestones: dict[str, Milestone]

    def actor(self, key: str):
        return getattr(self.gw, key)


def _goal(gw, key, actor, visibility, owner_team=None):
    goal = services.goal_create(
        actor=actor,
        title=f"Goal {key}: ship 3 things",
        cycle=gw.cycle if actor.organization_id == gw.org_a.pk else gw.cycle_b,
        owner_team=owner_team,
        visibility=visibility,
    )
    return goal


@pytest.fixture
def vis(gw) -> VisWorld:
    goals = {
        "member_private": _goal(gw, "member_private", gw.member, Visibility.PRIVATE),
        "member_team": _goal(gw, "member_team", gw.member, Visibility.TEAM),
        "member_org": _goal(gw, "member_org", gw.member, Visibility.ORGANIZATION),
        "rockets_team": _goal(gw, "rockets_team", gw.manager, Visibility.TEAM, owner_team=gw.rockets),
        "rockets_private": _goal(gw, "rockets_private", gw.manager, Visibility.PRIVATE, owner_team=gw.rockets),
        "company_org": _goal(gw, "company_org", gw.admin, Visibility.ORGANIZATION, owner_team=gw.company),
        "peer_private": _goal(gw, "peer_private", gw.peer, Visibility.PRIVATE),
        "org_b_org": _goal(gw, "org_b_org", gw.outsider_member, Visibility.ORGANIZATION),
        "org_b_team": _goal(gw, "org_b_team", gw.outsider, Visibility.TEAM, owner_team=gw.team_b),
    }
    krs, milestones = {}, {}
    for key, goal in goals.items():
        owner = gw.outsider if goal.organization_id == gw.org_b.pk else gw.admin
        krs[key] = services.kr_create(actor=owner, goal=goal, title=f"KR of {key}", unit="things", target_value=3)
        milestones[key] = services.milestone_add(actor=owner, goal=goal, title=f"Step of {key}")
    return VisWorld(gw=gw, goals=goals, krs=krs, milestones=milestones)


# goal -> the actors who see it (everyone else must not)
WHO_SEES = {
    "member_private": {"admin", "manager", "member"},  # owner, line manager, admins
    "member_team": {"admin", "manager", "member", "teammate"},  # + teammates in Rockets
    "member_org": {"admin", "manager", "member", "teammate", "peer", "peer_manager"},
    "rockets_team": {"admin", "manager", "member", "teammate"},
    "rockets_private": {"admin", "manager"},  # the team's managers and admins
    "company_org": {"admin", "manager", "member", "teammate", "peer", "peer_manager"},
    "peer_private": {"admin", "peer", "peer_manager"},
    "org_b_org": {"outsider", "outsider_member"},
    "org_b_team": {"outsider", "outsider_member"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("actor_key", ACTORS)
def test_every_selector_shows_exactly_the_goals_the_actor_may_see(vis, actor_key):
    actor = vis.actor(actor_key)
    for goal_key, seen_by in WHO_SEES.items():
        goal, sees = vis.goals[goal_key], actor_key in seen_by
        kr_id, ms_id = vis.krs[goal_key].public_id, vis.milestones[goal_key].public_id
        assert selectors.visible_goals(actor=actor).filter(pk=goal.pk).exists() is sees, goal_key
        if sees:
            assert selectors.goal_get(actor=actor, public_id=goal.public_id) == goal
            assert selectors.goal_detail(actor=actor, public_id=goal.public_id) == goal
            assert selectors.key_result_get(actor=actor, public_id=kr_id).goal_id == goal.pk
            assert selectors.milestone_get(actor=actor, public_id=ms_id).goal_id == goal.pk
            continue
        for get, public_id in (
            (selectors.goal_get, goal.public_id),
            (selectors.goal_detail, goal.public_id),
            (selectors.key_result_get, kr_id),
            (selectors.milestone_get, ms_id),
        ):
            with pytest.raises(Http404):
                get(actor=actor, public_id=public_id)
                pytest.fail(f"{actor_key} reached {goal_key} through {get.__name__}")


@pytest.mark.django_db
@pytest.mark.parametrize("actor_key", ACTORS)
def test_visible_goal_count_is_exactly_what_the_actor_may_see(vis, actor_key):
    expected = {key for key, seen in WHO_SEES.items() if actor_key in seen}
    visible = selectors.visible_goals(actor=vis.actor(actor_key))
    assert visible.count() == len(expected)
    assert set(visible.values_list("pk", flat=True)) == {vis.goals[k].pk for k in expected}


@pytest.mark.django_db
def test_admin_of_another_organization_sees_nothing_of_ours(vis):
    outsider = vis.gw.outsider
    ours = [g.pk for g in vis.goals.values() if g.organization_id == vis.gw.org_a.pk]
    assert not selectors.visible_goals(actor=outsider).filter(pk__in=ours).exists()
    for key in ("company_org", "member_org"):
        with pytest.raises(Http404):
            selectors.goal_get(actor=outsider, public_id=vis.goals[key].public_id)


@pytest.mark.django_db
def test_unknown_or_malformed_ids_are_404(vis):
    with pytest.raises(Http404):
        selectors.goal_get(actor=vis.gw.admin, public_id="not-a-uuid")
    with pytest.raises(Http404):
        selectors.goal_get(actor=vis.gw.admin, public_id="00000000-0000-0000-0000-000000000000")


@pytest.mark.django_db
def test_joining_a_team_reveals_its_team_goals_but_not_private_ones(vis):
    """Team visibility follows the owner's teams now: a peer who joins Rockets sees the team goals."""
    from tests.goals.conftest import gw_join

    peer = vis.gw.peer
    assert not selectors.visible_goals(actor=peer).filter(pk=vis.goals["member_team"].pk).exists()
    gw_join(vis.gw.rockets, peer)
    visible = selectors.visible_goals(actor=peer)
    assert visible.filter(pk=vis.goals["member_team"].pk).exists()
    assert visible.filter(pk=vis.goals["rockets_team"].pk).exists()
    assert not visible.filter(pk=vis.goals["member_private"].pk).exists()
    assert not visible.filter(pk=vis.goals["rockets_private"].pk).exists()


@pytest.mark.django_db
def test_coaching_session_of_an_invisible_goal_is_404(vis):
    gw = vis.gw
    session = services.coaching_session_record(
        actor=gw.member,
        goal=vis.goals["member_private"],
        held_on=gw.cycle.starts_on + timedelta(days=3),
        grow_goal="Ship 3 things",
        reality="One is done",
        options="Pair, cut scope",
        will="Pair with Teammate",
    )
    assert selectors.coaching_session_get(actor=gw.manager, public_id=session.public_id) == session
    with pytest.raises(Http404):
        selectors.coaching_session_get(actor=gw.teammate, public_id=session.public_id)


# --- alignment never reveals an invisible goal -----------------------------------------


@pytest.mark.django_db
def test_alignment_hides_a_parent_the_actor_cannot_see(vis):
    gw = vis.gw
    child = vis.goals["member_org"]
    for parent_key in ("rockets_private", "company_org"):
        GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=vis.goals[parent_key])

    def parent_titles(actor):
        return {link.parent.title for link in selectors.goal_parents(actor=actor, goal=child)}

    assert parent_titles(gw.manager) == {vis.goals["rockets_private"].title, vis.goals["company_org"].title}
    assert parent_titles(gw.peer) == {vis.goals["company_org"].title}
    assert parent_titles(gw.teammate) == {vis.goals["company_org"].title}


@pytest.mark.django_db
def test_alignment_hides_children_the_actor_cannot_see(vis):
    gw = vis.gw
    parent = vis.goals["company_org"]
    for child_key in ("member_private", "member_team", "member_org", "peer_private"):
        GoalAlignment.objects.create(organization=gw.org_a, child=vis.goals[child_key], parent=parent)

    def child_keys(actor):
        titles = {link.child.title for link in selectors.goal_children(actor=actor, goal=parent)}
        return {key for key, goal in vis.goals.items() if goal.title in titles}

    assert child_keys(gw.admin) == {"member_private", "member_team", "member_org", "peer_private"}
    assert child_keys(gw.manager) == {"member_private", "member_team", "member_org"}
    assert child_keys(gw.teammate) == {"member_team", "member_org"}
    assert child_keys(gw.peer) == {"member_org", "peer_private"}
    assert child_keys(gw.peer_manager) == {"member_org", "peer_private"}


@pytest.mark.django_db
def test_my_goals_lists_only_parents_the_actor_can_see(vis):
    gw = vis.gw
    child = vis.goals["member_org"]
    GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=vis.goals["peer_private"])
    GoalAlignment.objects.create(organization=gw.org_a, child=child, parent=vis.goals["company_org"])

    goal = next(g for g in selectors.my_goals(actor=gw.member, cycle=gw.cycle) if g.pk == child.pk)

    assert [link.parent_id for link in goal.parent_links.all()] == [vis.goals["company_org"].pk]


@pytest.mark.django_db
def test_my_goals_never_lists_someone_elses_personal_goals(vis):
    gw = vis.gw
    mine = {g.pk for g in selectors.my_goals(actor=gw.member, cycle=gw.cycle)}
    assert mine == {vis.goals[k].pk for k in ("member_private", "member_team", "member_org")}
