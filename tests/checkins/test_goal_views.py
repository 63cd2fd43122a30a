"""Check-ins on a goal page: the inline form, the section (charts, history, blockers), KR history, resolving blockers."""

import re
import uuid

from django.template.loader import render_to_string
from django.urls import reverse

from apps.checkins import selectors
from apps.checkins.models import Blocker, CheckIn, KeyResultUpdate
from apps.goals.models import GoalStatus
from tests.conftest import HTMX, assert_fragment, assert_page

from .conftest import g, k, kr_values, make_goal, submit, week_data


def checkin_url(goal, corrects=None) -> str:
    url = reverse("checkins:goal_checkin", args=[goal.public_id])
    return f"{url}?corrects={corrects.public_id}" if corrects else url


def section_url(goal) -> str:
    return reverse("checkins:goal_checkins", args=[goal.public_id])


def history_url(kr) -> str:
    return reverse("checkins:kr_history", args=[kr.public_id])


def resolve_url(blocker) -> str:
    return reverse("checkins:blocker_resolve", args=[blocker.public_id])


def goal_page(goal) -> str:
    return reverse("goals:detail", args=[goal.public_id])


# --- inline check-in form -------------------------------------------------------------


def test_inline_form_page_without_htmx(member_client, cw):
    html = assert_page(member_client.get(checkin_url(cw.goal)), "Check in", "Save check-in")
    assert f'name="{k(cw.leads)}" value="20"' in html
    assert "Ship the playbook" not in html  # only this goal


def test_inline_form_fragment_with_htmx(member_client, cw):
    html = assert_fragment(member_client.get(checkin_url(cw.goal), **HTMX), 'id="inline-checkin"', "Save check-in")
    assert 'name="idempotency_key"' in html


def test_inline_checkin_saves_and_redirects_to_the_goal_page(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "26", g(cw.goal, "confidence"): "6"})
    response = member_client.post(checkin_url(cw.goal), data)
    assert response.status_code == 302
    assert response["Location"] == goal_page(cw.goal) + "#checkins"
    checkin = CheckIn.objects.get()
    assert (checkin.goal, checkin.confidence) == (cw.goal, 6)
    assert kr_values(cw.goal)["Qualified leads"] == 26


def test_inline_checkin_with_htmx_swaps_in_the_fresh_section(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "26", g(cw.goal, "wins"): "Booked 6 calls"})
    response = member_client.post(checkin_url(cw.goal), data, **HTMX)
    html = assert_fragment(response, 'id="goal-checkins"', "Booked 6 calls", "20</span>")
    assert response["HX-Retarget"] == "#goal-checkins"
    assert response["HX-Reswap"] == "outerHTML"
    assert "goalChanged" in response["HX-Trigger"]
    assert "Qualified leads" in html


def test_inline_checkin_invalid_rerenders_the_fragment_with_errors(member_client, cw):
    data = week_data([cw.goal], **{k(cw.leads): "twenty"})
    html = assert_fragment(member_client.post(checkin_url(cw.goal), data, **HTMX), "Enter a number, like 34 or 12.5.")
    assert 'id="inline-checkin"' in html
    assert not CheckIn.objects.exists()


def test_inline_checkin_invalid_without_htmx_is_a_page_with_errors(member_client, cw):
    data = week_data([cw.goal], **{g(cw.goal, "wins"): "w" * 2001})
    html = assert_page(member_client.post(checkin_url(cw.goal), data), "Keep it under 2000 characters")
    assert not CheckIn.objects.exists()
    assert html.count('name="idempotency_key"') == 1


def test_inline_checkin_refuses_other_methods(member_client, cw):
    assert member_client.put(checkin_url(cw.goal)).status_code == 405
    assert member_client.delete(checkin_url(cw.goal)).status_code == 405


def test_inline_checkin_on_another_organizations_goal_is_not_found(member_client, cw):
    assert member_client.get(checkin_url(cw.outsider_goal)).status_code == 404
    other_kr = cw.outsider_goal.key_results.get()
    data = week_data([cw.outsider_goal], **{k(other_kr): "9"})
    assert member_client.post(checkin_url(cw.outsider_goal), data).status_code == 404
    assert kr_values(cw.outsider_goal)["Outsider KR"] == 4


def test_inline_checkin_on_a_goal_you_may_only_see_is_forbidden(member_client, cw):
    assert member_client.get(checkin_url(cw.peer_goal)).status_code == 403
    peer_kr = cw.peer_goal.key_results.get()
    response = member_client.post(checkin_url(cw.peer_goal), week_data([cw.peer_goal], **{k(peer_kr): "9"}))
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_a_manager_may_check_in_on_a_reports_goal(manager_client, cw):
    data = week_data([cw.goal], **{g(cw.goal, "next_steps"): "Pair on the pitch"})
    assert manager_client.post(checkin_url(cw.goal), data).status_code == 302
    assert CheckIn.objects.get().author == cw.w.manager


def test_inline_checkin_on_a_closed_goal_explains_instead_of_a_form(member_client, cw):
    closed = make_goal(cw.w.member, "Old goal", cycle=cw.cycle, status=GoalStatus.DRAFT)
    html = assert_page(member_client.get(checkin_url(closed)), "only an active goal takes check-ins")
    assert "Save check-in" not in html
    assert member_client.post(checkin_url(closed), week_data([closed], **{g(closed, "wins"): "x"})).status_code == 200
    assert not CheckIn.objects.exists()


def test_inline_checkin_is_idempotent(member_client, cw):
    data = week_data([cw.goal], uuid.uuid4(), **{k(cw.demos): "4"})
    member_client.post(checkin_url(cw.goal), data)
    member_client.post(checkin_url(cw.goal), data)
    assert CheckIn.objects.count() == 1 and KeyResultUpdate.objects.count() == 1


# --- corrections ------------------------------------------------------------------------


def test_correct_this_prefills_the_corrected_checkin_and_records_a_new_one(member_client, cw):
    original = submit(cw.w.member, cw.goal, wins="Signed Acme", confidence=8).checkins[0]
    html = assert_fragment(member_client.get(checkin_url(cw.goal, corrects=original), **HTMX), "Correct the check-in")
    assert "Signed Acme" in html and f'name="corrects" value="{original.public_id}"' in html

    data = week_data([cw.goal], corrects=str(original.public_id), **{g(cw.goal, "wins"): "Signed Acme (pilot)"})
    assert member_client.post(checkin_url(cw.goal), data).status_code == 302
    correction = CheckIn.objects.exclude(pk=original.pk).get()
    assert correction.corrects == original
    original.refresh_from_db()
    assert original.wins == "Signed Acme", "history is never edited"

    section = member_client.get(section_url(cw.goal), **HTMX).content.decode()
    assert "Correction</span>" in section and "Corrected</span>" in section


def test_correcting_a_checkin_of_another_goal_is_not_found(member_client, cw):
    other = submit(cw.w.member, cw.goal2, wins="x").checkins[0]
    assert member_client.get(checkin_url(cw.goal, corrects=other)).status_code == 404
    data = week_data([cw.goal], corrects=str(other.public_id), **{g(cw.goal, "wins"): "y"})
    assert member_client.post(checkin_url(cw.goal), data).status_code == 404
    assert CheckIn.objects.count() == 1


# --- the section ------------------------------------------------------------------------


def test_section_fragment_and_page(member_client, cw):
    submit(cw.w.member, cw.goal, values={cw.leads: 30}, wins="Good", confidence=7, status="on_track")
    html = assert_fragment(member_client.get(section_url(cw.goal), **HTMX), 'id="goal-checkins"')
    assert 'role="img"' in html and "Progress over time" in html and "Confidence trend" in html
    assert "Qualified leads" in html and "30</strong>" in html
    assert "Correct this" in html
    assert_page(member_client.get(section_url(cw.goal)), 'id="goal-checkins"')


def test_section_of_another_organizations_goal_is_not_found(member_client, cw):
    assert member_client.get(section_url(cw.outsider_goal)).status_code == 404


def test_section_refuses_post(member_client, cw):
    assert member_client.post(section_url(cw.goal)).status_code == 405


def test_section_for_someone_who_may_only_look_has_no_check_in_buttons(peer_client, cw):
    submit(cw.w.member, cw.goal, wins="Visible to the org")
    html = peer_client.get(section_url(cw.goal), **HTMX).content.decode()
    assert "Visible to the org" in html
    assert "Correct this" not in html and "+ Check in" not in html


def test_script_in_wins_is_escaped_on_the_goal_section(member_client, cw):
    submit(cw.w.member, cw.goal, wins='<script>alert("x")</script><img src=x onerror=alert(1)>')
    html = member_client.get(section_url(cw.goal), **HTMX).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_goal_checkin_context_renders_the_section_in_one_call(cw):
    submit(cw.w.member, cw.goal, blockers="Waiting on legal", values={cw.demos: 5})
    context = selectors.goal_checkin_context(actor=cw.w.member, goal=cw.goal)
    assert set(context) >= {"goal", "checkins", "blockers", "can_edit"}
    html = render_to_string("checkins/_goal_section.html", context)
    assert "Waiting on legal" in html and "Open blockers" in html
    assert 'style="' not in html and "<script" not in html


def test_section_has_no_inline_styles_or_scripts(member_client, cw):
    for n in range(3):
        submit(cw.w.member, cw.goal, values={cw.leads: 22 + n}, confidence=5 + n)
    html = member_client.get(section_url(cw.goal)).content.decode()
    main = html[html.index("<main") :]
    assert not re.search(r"\sstyle=", main)
    assert "<script" not in main


# --- key result history -------------------------------------------------------------------


def test_kr_history_page_and_fragment(member_client, cw):
    submit(cw.w.member, cw.goal, values={cw.leads: 30})
    html = assert_page(member_client.get(history_url(cw.leads)), "Value over time vs target")
    assert "target 50" in html and "<table" in html and 'role="img"' in html
    assert_fragment(member_client.get(history_url(cw.leads), **HTMX), "Value over time vs target")


def test_kr_history_of_another_organization_is_not_found(member_client, cw):
    assert member_client.get(history_url(cw.outsider_goal.key_results.get())).status_code == 404


def test_kr_history_refuses_post(member_client, cw):
    assert member_client.post(history_url(cw.leads)).status_code == 405


# --- blockers -------------------------------------------------------------------------------


def _blocker(cw, **fields) -> Blocker:
    submit(cw.w.member, cw.goal, blockers="Waiting on legal", **fields)
    return Blocker.objects.get()


def test_owner_resolves_a_blocker_without_htmx(member_client, cw):
    blocker = _blocker(cw)
    response = member_client.post(resolve_url(blocker))
    assert response.status_code == 302 and response["Location"] == goal_page(cw.goal) + "#blockers"
    blocker.refresh_from_db()
    assert blocker.resolved_at is not None and blocker.resolved_by == cw.w.member


def test_resolving_with_htmx_answers_with_the_blockers_region(member_client, cw):
    blocker = _blocker(cw)
    html = assert_fragment(member_client.post(resolve_url(blocker), **HTMX), 'id="blockers"')
    assert "Waiting on legal" not in html


def test_the_colleague_asked_for_help_may_resolve(client_for, cw):
    blocker = _blocker(cw, help_from=cw.w.peer)
    assert client_for(cw.w.peer).post(resolve_url(blocker)).status_code == 302
    blocker.refresh_from_db()
    assert blocker.resolved_by == cw.w.peer


def test_someone_who_may_only_see_the_goal_cannot_resolve(peer_client, cw):
    blocker = _blocker(cw)
    assert peer_client.post(resolve_url(blocker)).status_code == 403
    blocker.refresh_from_db()
    assert blocker.resolved_at is None


def test_resolving_another_organizations_blocker_is_not_found(outsider_client, cw):
    blocker = _blocker(cw)
    assert outsider_client.post(resolve_url(blocker)).status_code == 404


def test_resolve_refuses_get(member_client, cw):
    assert member_client.get(resolve_url(_blocker(cw))).status_code == 405


def test_checkin_section_tag_renders_the_section_for_the_viewer(rf, cw):
    from django.middleware.csrf import get_token
    from django.template import engines

    submit(cw.w.member, cw.goal, wins="From the tag", blockers="Tag blocker")
    request = rf.get("/")
    request.user, request.membership = cw.w.member.user, cw.w.member
    template = engines["django"].from_string("{% load checkins %}{% checkin_section goal %}")
    html = template.render({"goal": cw.goal}, request)
    assert 'id="goal-checkins"' in html and "From the tag" in html and "Correct this" in html
    assert 'name="csrfmiddlewaretoken"' in html and get_token(request)
    request.membership = cw.w.peer
    assert "Correct this" not in template.render({"goal": cw.goal}, request)
