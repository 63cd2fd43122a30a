"""Alignment services: links, weights, loops, cycles, permissions, history, KR → KR roll-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from apps.alignment import rollup
from apps.alignment import services as alignment
from apps.goals import services as goals
from apps.goals.models import Cycle, EventKind, GoalAlignment, GoalEvent, GoalSettings, GoalStatus, KeyResult

from .conftest import make_goal

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


def matches_reference(org) -> None:
    goal_ref, kr_ref = rollup.compute_rollup(rollup.load_snapshot(org.pk))
    for goal_id, value in goal_ref.items():
        from apps.goals.models import Goal

        assert Goal.objects.get(pk=goal_id).progress == pytest.approx(value, abs=1e-9)
    for kr_id, value in kr_ref.items():
        assert KeyResult.objects.get(pk=kr_id).progress == pytest.approx(value, abs=1e-9)


# --- links -----------------------------------------------------------------------------


def test_linking_counts_the_child_in_the_parent_and_records_both_histories(aw):
    # Rockets: own KR 50 %, Mel's goal 75 % (weight 1), private goal 10 % (weight 1) → (0.5 + 0.75 + 0.1) / 3
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 0.75 + 0.1) / 3)
    # Company: own 40 %, Rockets ×2, Anvils 20 % ×1
    rockets = aw.rockets_goal.progress
    assert fresh(aw.company_goal).progress == pytest.approx((0.4 + 2 * rockets + 0.2) / 4)
    child_event = GoalEvent.objects.filter(goal=aw.member_goal, kind=EventKind.ALIGNED).get()
    parent_event = GoalEvent.objects.filter(goal=aw.rockets_goal, kind=EventKind.ALIGNED, subject=aw.member_goal.title)
    assert child_event.subject == aw.rockets_goal.title and "weight 1" in child_event.new_value
    assert child_event.actor == aw.member
    assert parent_event.exists()


def test_the_parents_history_never_names_a_private_child(aw):
    events = GoalEvent.objects.filter(goal=aw.rockets_goal, kind=EventKind.ALIGNED)
    assert not events.filter(subject__icontains="secret").exists()
    assert events.filter(subject="a private goal").exists()


def test_only_someone_who_can_edit_the_child_may_link_it(aw):
    with pytest.raises(PermissionDenied):
        alignment.alignment_link(actor=aw.peer, child=aw.member_goal, parent=aw.anvils_goal)
    # Mel's line manager may.
    link = alignment.alignment_link(actor=aw.manager, child=aw.member_goal, parent=aw.anvils_goal)
    assert link.parent == aw.anvils_goal  # cross-team alignment is allowed


def test_a_goal_cannot_contribute_to_a_goal_the_actor_cannot_see(aw):
    peers_private = make_goal(aw.peer, "Pete's private plan", cycle=aw.cycle, visibility="private")
    with pytest.raises(ValidationError, match="you can see"):
        alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=peers_private)


def test_another_organizations_goal_is_refused(aw):
    with pytest.raises(ValidationError, match="your organization"):
        alignment.alignment_link(actor=aw.admin, child=aw.member_goal, parent=aw.goal_b)


def test_self_and_duplicate_links_are_refused(aw):
    with pytest.raises(ValidationError, match="itself"):
        alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=aw.member_goal)
    with pytest.raises(ValidationError, match="already contributes"):
        alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=aw.rockets_goal)


def test_a_direct_loop_is_refused_with_a_clear_message(aw):
    with pytest.raises(ValidationError) as error:
        alignment.alignment_link(actor=aw.manager, child=aw.rockets_goal, parent=aw.member_goal)
    message = " ".join(error.value.messages)
    assert "loop" in message and aw.member_goal.title in message and "already contributes to" in message
    assert not GoalAlignment.objects.filter(child=aw.rockets_goal, parent=aw.member_goal).exists()


def test_an_indirect_loop_is_refused(aw):
    # member goal → rockets → company; company → member goal would close the circle.
    with pytest.raises(ValidationError) as error:
        alignment.alignment_link(actor=aw.admin, child=aw.company_goal, parent=aw.member_goal)
    assert "through 1 other goal" in " ".join(error.value.messages)


def test_a_long_indirect_loop_is_refused(aw):
    chain = [aw.company_goal]
    for index in range(4):
        goal = make_goal(aw.admin, f"Chain goal {index}", cycle=aw.cycle)
        alignment.alignment_link(actor=aw.admin, child=goal, parent=chain[-1])
        chain.append(goal)
    with pytest.raises(ValidationError, match="through 2 other goals"):
        alignment.alignment_link(actor=aw.admin, child=chain[1], parent=chain[-1])


def test_across_cycles_only_to_an_open_ended_or_overlapping_goal(aw):
    later = make_goal(aw.admin, "Next quarter's company goal", cycle=aw.next_cycle, team=aw.company)
    with pytest.raises(ValidationError, match="does not overlap"):
        alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=later)

    open_ended = make_goal(aw.admin, "Be the best place to work", cycle=None, team=aw.company)
    assert alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=open_ended)

    start = aw.cycle.starts_on + timedelta(days=30)
    half = Cycle.objects.create(
        organization=aw.org_a,
        name="Overlapping half",
        kind="half",
        starts_on=start,
        ends_on=start + timedelta(days=180),
    )
    overlapping = make_goal(aw.admin, "Half-year push", cycle=half, team=aw.company)
    assert alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=overlapping)


def test_closed_goals_keep_their_alignment(aw):
    goals.goal_close(actor=aw.admin, goal=aw.anvils_goal, status=GoalStatus.ACHIEVED, reflection_worked="Steel.")
    with pytest.raises(ValidationError, match="still open"):
        alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=fresh(aw.anvils_goal))
    with pytest.raises(ValidationError, match="is closed"):
        alignment.alignment_link(actor=aw.admin, child=fresh(aw.anvils_goal), parent=aw.rockets_goal)


def test_weight_changes_move_the_parent_and_are_recorded(aw):
    link = GoalAlignment.objects.get(child=aw.member_goal, parent=aw.rockets_goal)
    alignment.alignment_set_weight(actor=aw.manager, link=link, weight="3")
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 3 * 0.75 + 0.1) / 5)
    event = GoalEvent.objects.filter(goal=aw.member_goal, kind=EventKind.ALIGNED).first()
    assert (event.old_value, event.new_value) == ("weight 1", "weight 3")
    with pytest.raises(ValidationError):
        alignment.alignment_set_weight(actor=aw.manager, link=link, weight="-1")
    with pytest.raises(PermissionDenied):
        alignment.alignment_set_weight(actor=aw.peer, link=link, weight="2")


def test_weight_zero_keeps_the_link_but_stops_it_counting(aw):
    link = GoalAlignment.objects.get(child=aw.private_goal, parent=aw.rockets_goal)
    alignment.alignment_set_weight(actor=aw.member, link=link, weight=0)
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 0.75) / 2)


def test_the_parents_editor_may_unlink_a_contributor(aw):
    link = GoalAlignment.objects.get(child=aw.private_goal, parent=aw.rockets_goal)
    alignment.alignment_unlink(actor=aw.manager, link=link, reason="Not part of this objective")
    assert not GoalAlignment.objects.filter(pk=link.pk).exists()
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 0.75) / 2)
    company = (0.4 + 2 * aw.rockets_goal.progress + 0.2) / 4
    assert fresh(aw.company_goal).progress == pytest.approx(company)  # everything above follows
    assert GoalEvent.objects.filter(goal=aw.private_goal, kind=EventKind.ALIGNED, new_value="removed").exists()
    with pytest.raises(PermissionDenied):
        alignment.alignment_unlink(actor=aw.peer, link=GoalAlignment.objects.get(child=aw.member_goal))


def test_a_goal_with_several_parents_moves_all_of_them(aw):
    alignment.alignment_link(actor=aw.member, child=aw.member_goal, parent=aw.anvils_goal, weight=Decimal("2"))
    kr = aw.member_goal.key_results.get()
    goals.kr_set_value(actor=aw.member, kr=kr, value=4)
    assert fresh(aw.member_goal).progress == pytest.approx(1.0)
    assert fresh(aw.anvils_goal).progress == pytest.approx((0.2 + 2 * 1.0) / 3)
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 1.0 + 0.1) / 3)
    matches_reference(aw.org_a)


def test_a_dropped_child_stops_counting(aw):
    goals.goal_close(actor=aw.member, goal=aw.private_goal, status=GoalStatus.DROPPED)
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.5 + 0.75) / 2)
    matches_reference(aw.org_a)


# --- key result → key result ---------------------------------------------------------


@pytest.fixture
def kr_pair(aw):
    """Rockets' KR (5 / 10 → 50 %) and Mel's KR (3 / 4 → 75 %)."""
    return aw.rockets_goal.key_results.get(), aw.member_goal.key_results.get()


def test_a_contributing_key_result_counts_in_the_mean_of_its_parent(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    assert fresh(parent_kr).progress == pytest.approx((0.5 + 0.75) / 2)  # own measure and the contributor, once each
    # The parent goal uses the combined key result.
    assert fresh(aw.rockets_goal).progress == pytest.approx((0.625 + 0.75 + 0.1) / 3)
    matches_reference(aw.org_a)


def test_a_new_value_on_a_contributor_reaches_the_parent_key_result(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    goals.kr_set_value(actor=aw.member, kr=child_kr, value=4)
    assert fresh(parent_kr).progress == pytest.approx((0.5 + 1.0) / 2)
    # …and a new value on the parent itself keeps its contributors in the mean.
    parent_kr = goals.kr_set_value(actor=aw.manager, kr=fresh(parent_kr), value=10)
    assert parent_kr.progress == pytest.approx(1.0)
    assert fresh(parent_kr).progress == pytest.approx(1.0)
    goals.kr_set_value(actor=aw.manager, kr=parent_kr, value=0)
    assert fresh(parent_kr).progress == pytest.approx(0.5)
    matches_reference(aw.org_a)


def test_a_dropped_goals_key_results_stop_counting_and_count_again_when_reopened(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    goals.goal_close(actor=aw.member, goal=aw.member_goal, status=GoalStatus.DROPPED)
    assert fresh(parent_kr).progress == pytest.approx(0.5)
    goals.goal_reopen(actor=aw.member, goal=fresh(aw.member_goal), reason="Back on")
    assert fresh(parent_kr).progress == pytest.approx(0.625)
    matches_reference(aw.org_a)


def test_deleting_or_detaching_a_contributor_refreshes_the_parent(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=None)
    assert fresh(parent_kr).progress == pytest.approx(0.5)
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    goals.kr_delete(actor=aw.member, kr=child_kr)
    assert fresh(parent_kr).progress == pytest.approx(0.5)
    matches_reference(aw.org_a)


def test_key_result_loops_and_same_goal_links_are_refused(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    with pytest.raises(ValidationError, match="loop"):
        alignment.kr_contribute(actor=aw.admin, kr=parent_kr, parent_kr=child_kr)
    third = aw.company_goal.key_results.get()
    alignment.kr_contribute(actor=aw.admin, kr=parent_kr, parent_kr=third)
    with pytest.raises(ValidationError, match="through 1 other key result"):
        alignment.kr_contribute(actor=aw.admin, kr=third, parent_kr=child_kr)
    sibling = goals.kr_create(actor=aw.member, goal=aw.member_goal, title="Docs written", target_value=3)
    with pytest.raises(ValidationError, match="another goal"):
        alignment.kr_contribute(actor=aw.member, kr=sibling, parent_kr=child_kr)
    with pytest.raises(PermissionDenied):
        alignment.kr_contribute(actor=aw.peer, kr=child_kr, parent_kr=None)


def test_chains_of_key_results_roll_all_the_way_up(aw, kr_pair):
    parent_kr, child_kr = kr_pair
    top = aw.company_goal.key_results.get()  # 40 %
    alignment.kr_contribute(actor=aw.member, kr=child_kr, parent_kr=parent_kr)
    alignment.kr_contribute(actor=aw.manager, kr=parent_kr, parent_kr=top)
    goals.kr_set_value(actor=aw.member, kr=child_kr, value=4)
    assert fresh(parent_kr).progress == pytest.approx(0.75)
    assert fresh(top).progress == pytest.approx((0.4 + 0.75) / 2)
    matches_reference(aw.org_a)
    assert rollup.rollup_recompute_all(aw.org_a).goals_changed == 0


# --- the full recompute --------------------------------------------------------------


def test_full_recompute_repairs_stored_numbers(aw):
    from apps.goals.models import Goal

    expected = dict(Goal.objects.filter(organization=aw.org_a).values_list("pk", "progress"))
    Goal.objects.filter(organization=aw.org_a).update(progress=0)
    result = rollup.rollup_recompute_all(aw.org_a)
    assert result.goals == len(expected) and result.goals_changed == sum(1 for v in expected.values() if v)
    assert result.levels == 3  # personal → team → company
    for pk, value in expected.items():
        assert Goal.objects.get(pk=pk).progress == pytest.approx(value, abs=1e-9)


def test_changing_the_roll_up_mode_recomputes_everything_once_committed(aw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        settings_row = GoalSettings.objects.get(organization=aw.org_a)
        settings_row.rollup_mode = GoalSettings.RollupMode.KEY_RESULTS
        settings_row.save()
    recomputes = [c for c in callbacks if c.__module__ != "apps.core.dataversion"]  # not the cache version bump
    assert len(recomputes) == 1
    assert fresh(aw.rockets_goal).progress == pytest.approx(0.5)  # own key results only now
    assert fresh(aw.company_goal).progress == pytest.approx(0.4)


def test_the_management_command_reports_each_organization(aw, capsys):
    call_command("rollup_recompute", "acme")
    out = capsys.readouterr().out
    assert out.startswith("acme: ") and "0 changed" in out and "[sql]" in out


def test_python_fallback_matches_the_sql_recompute(aw):
    from apps.goals.models import Goal

    Goal.objects.filter(organization=aw.org_a).update(progress=0.3)
    counts = rollup._recompute_python(aw.org_a.pk)
    assert counts["goals_changed"] > 0
    assert rollup.rollup_recompute_all(aw.org_a).goals_changed == 0
