"""The weekly check-in: one form for all active goals, one atomic, idempotent "Submit all"."""

import re
import uuid

import pytest
from django.urls import reverse

from apps.checkins.models import Blocker, CheckIn, CheckinSubmission, KeyResultUpdate, Notice
from apps.goals import services as goal_services
from apps.goals.models import GoalStatus
from tests.conftest import HTMX, assert_fragment, assert_page

from .conftest import g, k, kr_values, make_goal, submit, week_data

WEEK = reverse("checkins:week")


def _summary_url(submission) -> str:
    return reverse("checkins:submitted", args=[submission.public_id])


def _field_errors(html: str, name: str) -> str:
    """The error list rendered right after a field's input (tied to it by id and aria-describedby)."""
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(name)}_error">(.*?)</ul>', html, re.S)
    if not match:
        return ""
    field_at, errors_at = html.index(f'name="{name}"'), match.start()
    assert 0 < errors_at - field_at < 8000, "the error is not next to its field"
    assert f'aria-describedby="id_{name}_error"' in html or f"id_{name}_error" in html[field_at - 600 : field_at + 600]
    return match.group(1)


# --- the page -------------------------------------------------------------------------


def test_week_page_prefills_values_with_loaded_twins_targets_and_a_fresh_key(member_client, cw):
    html = assert_page(member_client.get(WEEK), "This week’s check-in", "Submit all")
    assert "Grow pipeline" in html and "Ship the playbook" in html
    assert "Peer goal" not in html and "Outsider goal" not in html
    assert re.search(rf'name="{k(cw.leads)}" value="20"', html)
    assert re.search(rf'name="{k(cw.leads)}-loaded" value="20"', html)
    assert "/ 50" in html and "(start 10)" in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)
    second = member_client.get(WEEK).content.decode()
    assert key not in second, "each render carries its own idempotency key"


def test_week_page_shows_was_value_from_the_last_checkin(member_client, cw):
    submit(cw.w.member, cw.goal, values={cw.leads: 25})
    html = member_client.get(WEEK).content.decode()
    assert re.search(rf'name="{k(cw.leads)}" value="25"', html)
    assert "(was 25)" in html
    assert "1-week streak" in html


def test_week_page_tab_order_follows_reading_order(member_client, cw):
    html = member_client.get(WEEK).content.decode()
    assert not re.search(r'tabindex="[1-9]', html), "no positive tabindex: the DOM order is the tab order"
    order = [
        html.index(f'name="{k(cw.leads)}"'),
        html.index(f'name="{k(cw.demos)}"'),
        html.index(f'name="{g(cw.goal, "confidence")}"'),
        html.index(f'name="{g(cw.goal, "status")}"'),
        html.index(f'name="{g(cw.goal, "wins")}"'),
        html.index(f'name="{g(cw.goal, "blockers")}"'),
        html.index(f'name="{g(cw.goal, "next_steps")}"'),
        html.index(f'name="{g(cw.goal, "help_from")}"'),
    ]
    assert order == sorted(order)


def test_week_page_help_suggestions_are_the_organizations_people_only(member_client, cw):
    html = member_client.get(WEEK).content.decode()
    assert html.count('<datalist id="help-people">') == 1  # one list for every goal card
    assert f'<option value="{cw.w.manager.user.email}">' in html  # the line manager is suggested
    assert cw.w.outsider.user.email not in html and cw.w.outsider_member.user.email not in html
    assert f'<option value="{cw.w.member.user.email}"' not in html  # not yourself
    assert html.count('list="help-people"') == 2  # both goals' "ask for help" fields use it


def test_help_suggestions_stay_bounded_in_a_big_organization(member_client, cw):
    from apps.checkins.selectors import HELP_SUGGESTIONS
    from tests.factories import MembershipFactory, TeamMembershipFactory

    team = cw.w.member.team_memberships.select_related("team").first().team
    for person in MembershipFactory.create_batch(HELP_SUGGESTIONS + 15, organization=cw.w.org_a):
        TeamMembershipFactory(team=team, membership=person)
    html = member_client.get(WEEK).content.decode()
    datalist = html.split('<datalist id="help-people">', 1)[1].split("</datalist>", 1)[0]
    assert datalist.count("<option") == HELP_SUGGESTIONS


def test_help_search_finds_anyone_of_the_organization_and_nobody_outside(member_client, cw):
    url = reverse("checkins:help_search")
    found = member_client.get(url, {f"g-{cw.goal.public_id}-help_from": "mona"}, **HTMX).content.decode()
    assert f'<option value="{cw.w.manager.user.email}">Mona Manager</option>' in found
    outside = member_client.get(url, {"q": cw.w.outsider.user.full_name}, **HTMX)
    assert outside.status_code == 200 and cw.w.outsider.user.email not in outside.content.decode()
    assert member_client.get(url, {"q": "mona"}).status_code == 302  # a fragment: without htmx, back to the page


def test_help_can_be_asked_by_email_or_exact_name(member_client, cw):
    data = week_data(
        [cw.goal, cw.goal2],
        **{
            g(cw.goal, "blockers"): "Need a contract review",
            g(cw.goal, "help_from"): cw.w.manager.user.email.upper(),
            g(cw.goal2, "blockers"): "Waiting on data",
            g(cw.goal2, "help_from"): f"  {cw.w.peer.user.full_name} ",
        },
    )
    assert member_client.post(WEEK, data).status_code == 302
    assert {b.help_from for b in Blocker.objects.all()} == {cw.w.manager, cw.w.peer}


def test_week_page_without_active_goals_shows_an_empty_state(peer_client, cw):
    goal_services.goal_close(
        actor=cw.w.peer, goal=cw.peer_goal, status=GoalStatus.DROPPED, reflection_worked="Priorities moved"
    )
    html = assert_page(peer_client.get(WEEK), "No active goals to check in on")
    assert "Submit all" not in html


def test_week_refuses_other_methods(member_client, cw):
    assert member_client.put(WEEK).status_code == 405
    assert member_client.delete(WEEK).status_code == 405


# --- submitting -----------------------------------------------------------------------


def test_submit_all_saves_every_touched_goal_and_redirects_to_the_summary(member_client, cw):
    data = week_data(
        [cw.goal, cw.goal2],
        **{
            k(cw.leads): "30",
            g(cw.goal, "confidence"): "7",
            g(cw.goal, "status"): "on_track",
            g(cw.goal, "wins"): "Two new logos",
            g(cw.goal2, "next_steps"): "Draft chapter two",
        },
    )
    response = member_client.post(WEEK, data)
    submission = CheckinSubmission.objects.get(author=cw.w.member)
    assert response.status_code == 302
    assert response["Location"] == _summary_url(submission)
    assert CheckIn.objects.filter(submission=submission).count() == 2
    assert kr_values(cw.goal) == {"Qualified leads": 30, "Demos": 2}
    first = CheckIn.objects.get(goal=cw.goal)
    assert (first.confidence, first.status, first.wins) == (7, "on_track", "Two new logos")
    assert KeyResultUpdate.objects.get(checkin=first).old_value == 20
    # leads (10 → 50) at 30 is 50 %, demos (0 → 10) at 2 is 20 %: the goal is at 35 %, up from 22.5 %
    cw.goal.refresh_from_db()
    assert first.progress == pytest.approx(0.35) and cw.goal.progress == pytest.approx(0.35)

    html = assert_page(member_client.get(_summary_url(submission)), "Check-in saved", "What moved")
    assert "Qualified leads" in html and "(+10)" in html
    assert "<strong>35 %</strong>" in html
    assert '1</span><span class="stat__label">week in a row' in html


def test_untouched_goals_are_skipped(member_client, cw):
    member_client.post(WEEK, week_data([cw.goal, cw.goal2], **{g(cw.goal2, "wins"): "Outline done"}))
    assert list(CheckIn.objects.values_list("goal_id", flat=True)) == [cw.goal2.pk]


def test_nothing_touched_is_explained_and_nothing_written(member_client, cw):
    response = member_client.post(WEEK, week_data([cw.goal, cw.goal2]))
    html = assert_page(response, "Nothing to save")
    assert not CheckinSubmission.objects.exists()
    assert "Nothing was saved" in html


def test_submit_with_htmx_answers_with_a_client_redirect(member_client, cw):
    response = member_client.post(WEEK, week_data([cw.goal], **{k(cw.demos): "3"}), **HTMX)
    submission = CheckinSubmission.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == _summary_url(submission)


def test_invalid_submit_with_htmx_rerenders_the_form_fragment(member_client, cw):
    response = member_client.post(WEEK, week_data([cw.goal], **{k(cw.leads): "lots"}), **HTMX)
    html = assert_fragment(response, 'id="checkin-form"', "Enter a number")
    assert "Submit all" in html


def test_one_bad_value_saves_nothing_at_all(member_client, cw):
    """A multi-goal submission with one non-numeric value writes no check-in and moves no key result."""
    data = week_data(
        [cw.goal, cw.goal2],
        **{
            k(cw.leads): "35",
            g(cw.goal, "wins"): "Good week",
            k(cw.chapters): "three",
            g(cw.goal2, "wins"): "Wrote a lot",
        },
    )
    response = member_client.post(WEEK, data)
    html = assert_page(response, "Nothing was saved")
    assert "Enter a number, like 34 or 12.5." in _field_errors(html, k(cw.chapters))
    assert _field_errors(html, k(cw.leads)) == ""
    assert not CheckIn.objects.exists() and not KeyResultUpdate.objects.exists()
    assert not CheckinSubmission.objects.exists()
    assert kr_values(cw.goal) == {"Qualified leads": 20, "Demos": 2}
    assert kr_values(cw.goal2) == {"Chapters written": 1}
    # what was typed is kept for the fix
    assert f'name="{k(cw.leads)}" value="35"' in html and "Wrote a lot" in html


def test_a_refusal_inside_the_service_rolls_back_the_goals_already_written(member_client, cw):
    """goal is valid and processed first; goal2's value is stale: the service refuses the lot."""
    data = week_data([cw.goal, cw.goal2], **{k(cw.leads): "35", k(cw.chapters): "2"})
    goal_services.kr_set_value(actor=cw.w.member, kr=cw.chapters, value=4)  # changes after the page loaded
    response = member_client.post(WEEK, data)
    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    assert kr_values(cw.goal) == {"Qualified leads": 20, "Demos": 2}
    assert kr_values(cw.goal2) == {"Chapters written": 4}


def test_resubmitting_the_same_key_creates_nothing_new(member_client, cw):
    key = uuid.uuid4()
    data = week_data([cw.goal, cw.goal2], key, **{k(cw.leads): "30", g(cw.goal2, "wins"): "Outline"})
    first = member_client.post(WEEK, data)
    second = member_client.post(WEEK, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert CheckinSubmission.objects.count() == 1
    assert CheckIn.objects.count() == 2
    assert KeyResultUpdate.objects.count() == 1
    assert kr_values(cw.goal)["Qualified leads"] == 30


def test_stale_value_is_explained_and_never_overwritten(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "30", g(cw.goal, "wins"): "Call blitz"})
    goal_services.kr_set_value(actor=cw.w.manager, kr=cw.leads, value=26)  # the manager updates it meanwhile
    html = assert_page(member_client.post(WEEK, data), "Nothing was saved")
    assert "This value changed to 26 since you opened the page (you saw 20)" in _field_errors(html, k(cw.leads))
    assert kr_values(cw.goal)["Qualified leads"] == 26
    assert not CheckIn.objects.exists()
    # The form now knows the stored value: what the person typed stays, and submitting again saves it.
    assert f'name="{k(cw.leads)}" value="30"' in html
    assert f'name="{k(cw.leads)}-loaded" value="26"' in html
    resubmit = dict(data, **{f"{k(cw.leads)}-loaded": "26"})
    assert member_client.post(WEEK, resubmit).status_code == 302
    assert kr_values(cw.goal)["Qualified leads"] == 30


def test_an_untouched_value_follows_the_stored_one_after_a_refusal(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "oops"})
    goal_services.kr_set_value(actor=cw.w.member, kr=cw.demos, value=5)
    html = member_client.post(WEEK, data).content.decode()
    # the form itself refused "oops" before the service ran; demos still shows what the page showed
    assert f'name="{k(cw.demos)}" value="2"' in html


def test_huge_text_gets_a_clear_message_next_to_the_field(member_client, cw):
    data = week_data([cw.goal], **{g(cw.goal, "blockers"): "x" * 5000, g(cw.goal, "wins"): "ok"})
    html = assert_page(member_client.post(WEEK, data), "Nothing was saved")
    assert "Keep it under 2000 characters (this has 5000)" in _field_errors(html, g(cw.goal, "blockers"))
    assert not CheckIn.objects.exists()


def test_confidence_outside_one_to_ten_is_refused(member_client, cw):
    html = member_client.post(WEEK, week_data([cw.goal], **{g(cw.goal, "confidence"): "11"})).content.decode()
    assert "Select a valid choice" in html
    assert not CheckIn.objects.exists()


def test_help_request_needs_a_blocker_and_notifies_the_colleague(member_client, cw):
    helper = cw.w.manager
    data = week_data([cw.goal], **{g(cw.goal, "help_from"): str(helper.public_id)})
    html = member_client.post(WEEK, data).content.decode()
    assert "Describe the blocker so Mona knows what to help with." in html
    assert not CheckIn.objects.exists()

    data[g(cw.goal, "blockers")] = "Need legal to review the contract"
    assert member_client.post(WEEK, data).status_code == 302
    blocker = Blocker.objects.get()
    assert blocker.help_from == helper
    assert Notice.objects.get(recipient=helper, kind=Notice.Kind.HELP)


def test_help_from_someone_of_another_organization_is_refused(member_client, cw):
    data = week_data(
        [cw.goal], **{g(cw.goal, "blockers"): "Stuck", g(cw.goal, "help_from"): str(cw.w.outsider.public_id)}
    )
    html = member_client.post(WEEK, data).content.decode()
    assert "Nobody active in your organization goes by" in html
    assert not CheckIn.objects.exists() and not Notice.objects.exists()
    data[g(cw.goal, "help_from")] = cw.w.outsider.user.email  # by email neither
    html = member_client.post(WEEK, data).content.decode()
    assert "Nobody active in your organization goes by" in html
    assert not CheckIn.objects.exists() and not Notice.objects.exists()


def test_a_key_result_of_someone_elses_goal_is_forbidden_and_nothing_is_written(member_client, cw):
    peer_kr = cw.peer_goal.key_results.get()
    data = week_data([cw.goal], **{k(cw.leads): "30", k(peer_kr): "9", f"{k(peer_kr)}-loaded": "3"})
    assert member_client.post(WEEK, data).status_code == 403
    assert not CheckIn.objects.exists()
    assert peer_kr.__class__.objects.get(pk=peer_kr.pk).current_value == 3
    assert kr_values(cw.goal)["Qualified leads"] == 20


def test_a_key_result_of_another_organization_is_not_found_and_nothing_is_written(member_client, cw):
    other = cw.outsider_goal.key_results.get()
    data = week_data([cw.goal], **{k(cw.leads): "30", k(other): "9", f"{k(other)}-loaded": "4"})
    assert member_client.post(WEEK, data).status_code == 404
    assert not CheckIn.objects.exists()
    assert other.__class__.objects.get(pk=other.pk).current_value == 4


def test_a_closed_goal_posted_with_the_form_is_explained_on_its_card(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "30"})
    goal_services.goal_close(actor=cw.w.member, goal=cw.goal, status=GoalStatus.ACHIEVED, reflection_worked="x")
    response = member_client.post(WEEK, data)
    assert response.status_code == 200
    assert "Only an active goal takes check-ins." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_script_in_text_is_rendered_escaped_on_the_summary(member_client, cw):
    data = week_data([cw.goal], **{g(cw.goal, "wins"): "<script>alert('x')</script>"})
    response = member_client.post(WEEK, data, follow=True)
    html = response.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html


# --- the summary ----------------------------------------------------------------------


def test_summary_celebrates_a_key_result_target_hit(member_client, cw):
    member_client.post(WEEK, week_data([cw.goal2], **{k(cw.chapters): "5"}), follow=False)
    submission = CheckinSubmission.objects.get()
    assert_page(member_client.get(_summary_url(submission)), "target reached", "Chapters written: target reached")


def test_summary_is_the_authors_only(client_for, cw):
    result = submit(cw.w.member, cw.goal, wins="Mine")
    url = _summary_url(result.submission)
    assert client_for(cw.w.member).get(url).status_code == 200
    assert client_for(cw.w.manager).get(url).status_code == 404
    assert client_for(cw.w.outsider).get(url).status_code == 404
    assert client_for(cw.w.member).post(url).status_code == 405


def test_summary_of_a_made_up_id_is_not_found(member_client, cw):
    assert member_client.get(reverse("checkins:submitted", args=[uuid.uuid4()])).status_code == 404


def test_a_key_result_the_page_did_not_show_counts_as_untouched(member_client, cw):
    data = week_data([cw.goal], **{g(cw.goal, "wins"): "Good"})  # goal2's fields missing (activated later)
    assert member_client.post(WEEK, data).status_code == 302
    assert list(CheckIn.objects.values_list("goal_id", flat=True)) == [cw.goal.pk]


def test_each_person_sees_only_their_own_goals(client_for, cw):
    make_goal(cw.w.peer, "Peer second", cycle=cw.cycle, krs=[("X", 0, 3, 0)])
    html = client_for(cw.w.peer).get(WEEK).content.decode()
    assert "Peer second" in html and "Grow pipeline" not in html
