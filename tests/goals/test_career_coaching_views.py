"""Career profile, GROW coaching, coaches and feedback requests: each view with and without htmx.

People come from the ``gw`` world of tests/goals/conftest.py: ``member`` owns the goals and
reports to ``manager``; ``teammate`` shares their team; ``peer`` is in another team of the
same organization; ``outsider`` and ``outsider_member`` belong to another organization.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.goals import selectors, services
from apps.goals.models import (
    CareerGoal,
    CareerProfile,
    CoachingSession,
    FeedbackRequest,
    Goal,
    GoalCoach,
    Milestone,
    MilestoneSource,
)
from tests.conftest import HTMX, assert_fragment, assert_page

CAREER = reverse("goals:career")
INBOX = reverse("goals:feedback_inbox")


@dataclass
class CoachingWorld:
    goal: Goal  # member's organization-wide SMART goal in the current quarter
    private: Goal  # member's private goal
    goal_b: Goal  # another organization's goal
    session: CoachingSession  # a GROW session on ``goal`` with three Will lines


WILL = "Write the five follow-up emails by {d1}\nAsk RevOps to enable sequences\n- Pilot on inbound leads by {d2}"


@pytest.fixture
def cw(gw) -> CoachingWorld:
    due = gw.cycle.ends_on
    goal = services.goal_create(
        actor=gw.member,
        title="Lift lead conversion by 15% with a follow-up cadence",
        framework="smart",
        cycle=gw.cycle,
        due_date=due,
        description="Why: more revenue from the same leads.",
    )
    private = services.goal_create(
        actor=gw.member, title="Prepare for the team lead interview in March", visibility="private", cycle=gw.cycle
    )
    goal_b = services.goal_create(actor=gw.outsider_member, title="Bluebird goal nobody else sees", cycle=gw.cycle_b)
    today = timezone.localdate()
    session = services.coaching_session_record(
        actor=gw.manager,
        goal=goal,
        held_on=today,
        grow_goal="Get the cadence live.",
        reality="Only 40% of leads get a second touch.",
        options="Templates first; ask RevOps; pilot.",
        will=WILL.format(d1=min(due, today + timedelta(days=5)), d2=min(due, today + timedelta(days=9))),
    )
    return CoachingWorld(goal=goal, private=private, goal_b=goal_b, session=session)


@pytest.fixture
def clients(gw, client_for):
    return {
        name: client_for(getattr(gw, name))
        for name in ("member", "manager", "teammate", "peer", "admin", "outsider", "outsider_member")
    }


def detail_url(goal: Goal) -> str:
    return reverse("goals:detail", args=[goal.public_id])


def coaching_url(goal: Goal) -> str:
    return reverse("goals:coaching_new", args=[goal.public_id])


def will_url(session: CoachingSession) -> str:
    return reverse("goals:will_to_milestones", args=[session.public_id])


def invite_url(goal: Goal) -> str:
    return reverse("goals:coach_invite", args=[goal.public_id])


def ask_url(goal: Goal) -> str:
    return reverse("goals:feedback_request", args=[goal.public_id])


def person_url(member) -> str:
    return reverse("goals:person_career", args=[member.public_id])


def feedback_url(item: FeedbackRequest) -> str:
    return reverse("goals:feedback_detail", args=[item.public_id])


# --- my career -----------------------------------------------------------------------


def career_data(**overrides) -> dict:
    return {
        "vision": "Lead a regional sales team in eight years.",
        "strengths": "Discovery calls.",
        "weaknesses": "Forecasting discipline.",
        "title_1": "Become a team lead within two years",
        "goal_1": "",
        "title_2": "Earn a negotiation certification",
        "goal_2": "",
        "title_3": "",
        "goal_3": "",
        **overrides,
    }


def test_my_career_shows_the_form_the_guidance_and_the_review_section(gw, clients):
    html = assert_page(clients["member"].get(CAREER), "Your career profile", "Picking your top three")
    assert "Realistic for its timeframe" in html and "Connected to what you do now" in html
    assert "Prepare for a review or interview" in html
    assert 'name="title_1"' in html and 'name="goal_3"' in html


def test_my_career_offers_only_the_actors_own_goals_to_link(gw, cw, clients):
    teammate_goal = services.goal_create(actor=gw.teammate, title="Teammate goal with a long enough title")
    html = clients["member"].get(CAREER).content.decode()
    assert str(cw.goal.public_id) in html and str(cw.private.public_id) in html
    assert str(teammate_goal.public_id) not in html and str(cw.goal_b.public_id) not in html


def test_my_career_saves_the_profile_and_top_three_with_a_linked_goal(gw, cw, clients):
    response = clients["member"].post(CAREER, career_data(goal_1=str(cw.goal.public_id)))
    assert response.status_code == 302 and response["Location"] == CAREER
    profile = CareerProfile.objects.get(member=gw.member)
    assert profile.vision.startswith("Lead a regional")
    tops = list(profile.top_goals.order_by("rank"))
    assert [(t.rank, t.title, t.goal) for t in tops] == [
        (1, "Become a team lead within two years", cw.goal),
        (2, "Earn a negotiation certification", None),
    ]
    html = clients["member"].get(CAREER).content.decode()
    assert "Tracked by" in html and cw.goal.title in html


def test_my_career_refuses_linking_someone_elses_goal_and_writes_nothing(gw, cw, clients):
    teammate_goal = services.goal_create(actor=gw.teammate, title="Teammate goal with a long enough title")
    response = clients["member"].post(CAREER, career_data(goal_1=str(teammate_goal.public_id)))
    assert_page(response, "Select a valid choice")
    assert not CareerProfile.objects.exists() and not CareerGoal.objects.exists()


def test_my_career_refuses_another_organizations_goal(gw, cw, clients):
    response = clients["member"].post(CAREER, career_data(goal_2=str(cw.goal_b.public_id)))
    assert_page(response, "Select a valid choice")
    assert not CareerProfile.objects.exists()


def test_my_career_needs_a_title_for_a_linked_goal(gw, cw, clients):
    response = clients["member"].post(CAREER, career_data(title_3="", goal_3=str(cw.goal.public_id)))
    assert_page(response, "Name the career goal this goal tracks.")
    assert not CareerProfile.objects.exists()


def test_my_career_with_htmx_returns_the_body_fragment(gw, cw, clients):
    html = assert_fragment(clients["member"].post(CAREER, career_data(), **HTMX), 'id="career-body"', "Saved.")
    assert "Become a team lead within two years" in html
    assert CareerProfile.objects.filter(member=gw.member).exists()


def test_my_career_review_view_is_printable(gw, cw, clients):
    clients["member"].post(CAREER, career_data(goal_1=str(cw.goal.public_id)))
    html = assert_page(clients["member"].get(CAREER, {"view": "review"}), "Questions to be ready for")
    assert "Lead a regional sales team" in html and "Become a team lead" in html
    assert 'role="img"' in html  # the linked goal's progress bar
    assert_fragment(clients["member"].get(CAREER, {"view": "review"}, **HTMX), 'id="review-sheet"')


def test_my_career_refuses_other_methods(gw, clients):
    assert clients["member"].put(CAREER).status_code == 405


# --- someone's career profile --------------------------------------------------------


def test_a_career_profile_is_visible_to_the_person_their_manager_and_admins(gw, cw, clients):
    services.career_profile_update(
        actor=gw.member, vision="Run my own team.", strengths="", weaknesses="", top_goals=[("Lead", None)]
    )
    for name in ("member", "manager", "admin"):
        assert_page(clients[name].get(person_url(gw.member)), "Run my own team.")


@pytest.mark.parametrize("name", ["peer", "teammate", "outsider", "outsider_member"])
def test_a_private_career_profile_is_a_404_to_everyone_else(gw, cw, clients, name):
    services.career_profile_update(actor=gw.member, vision="Secret plans.", strengths="", weaknesses="", top_goals=[])
    response = clients[name].get(person_url(gw.member))
    assert response.status_code == 404
    assert b"Secret plans." not in response.content


def test_a_person_without_a_profile_yet_is_shown_as_such_to_their_manager(gw, clients):
    assert_page(clients["manager"].get(person_url(gw.member)), "has not written a career profile yet")


def test_person_career_with_htmx_is_a_fragment_and_refuses_post(gw, clients):
    assert_fragment(clients["manager"].get(person_url(gw.member), **HTMX), 'id="review-sheet"')
    assert clients["manager"].post(person_url(gw.member)).status_code == 405


# --- recording a GROW session --------------------------------------------------------


def grow_data(**overrides) -> dict:
    return {
        "held_on": timezone.localdate().isoformat(),
        "grow_goal": "Ship the cadence.",
        "reality": "No sequences in the CRM.",
        "options": "Ask RevOps; write templates.",
        "will": "Write templates by 2030-01-10\nBook RevOps",
        **overrides,
    }


def test_coaching_new_explains_the_four_parts(gw, cw, clients):
    html = assert_page(clients["member"].get(coaching_url(cw.goal)), "Record a coaching session")
    for part in ("Goal — what do you want?", "Reality — where are you now?", "Options — what could you do?"):
        assert part in html
    assert "Will — what will you do, and by when?" in html and "by YYYY-MM-DD" in html


def test_coaching_new_records_a_session_and_goes_back_to_the_goal(gw, cw, clients):
    response = clients["member"].post(coaching_url(cw.goal), grow_data())
    assert response.status_code == 302
    assert response["Location"] == detail_url(cw.goal) + "#coaching-section"
    session = CoachingSession.objects.exclude(pk=cw.session.pk).get()
    assert session.author == gw.member and session.goal == cw.goal and session.will_converted_at is None


def test_an_invited_coach_can_record_a_session_on_a_private_goal(gw, cw, clients):
    services.coach_invite(actor=gw.member, goal=cw.private, member=gw.peer)
    assert_page(clients["peer"].get(coaching_url(cw.private)), "Record a coaching session")
    response = clients["peer"].post(coaching_url(cw.private), grow_data())
    assert response.status_code == 302
    assert response["Location"] == coaching_url(cw.private)  # the goal page is not theirs to open
    assert CoachingSession.objects.filter(goal=cw.private, author=gw.peer).exists()


def test_coaching_new_is_forbidden_to_someone_who_may_only_read_the_goal(gw, cw, clients):
    assert clients["peer"].get(coaching_url(cw.goal)).status_code == 403
    assert clients["peer"].post(coaching_url(cw.goal), grow_data()).status_code == 403
    assert CoachingSession.objects.count() == 1


def test_coaching_new_on_a_goal_out_of_reach_is_a_404(gw, cw, clients):
    assert clients["peer"].get(coaching_url(cw.private)).status_code == 404
    assert clients["outsider"].get(coaching_url(cw.goal)).status_code == 404
    assert clients["outsider"].post(coaching_url(cw.goal), grow_data()).status_code == 404
    assert clients["member"].get(coaching_url(cw.goal_b)).status_code == 404


def test_coaching_new_with_invalid_input_shows_the_errors_and_writes_nothing(gw, cw, clients):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = clients["member"].post(coaching_url(cw.goal), grow_data(held_on=future, will=""))
    assert_page(response, "Record a conversation that has taken place", "This field is required.")
    assert CoachingSession.objects.count() == 1


def test_coaching_new_with_htmx_returns_the_form_fragment(gw, cw, clients):
    assert_fragment(clients["member"].get(coaching_url(cw.goal), **HTMX), 'id="session-form"')
    html = assert_fragment(clients["member"].post(coaching_url(cw.goal), grow_data(reality=""), **HTMX))
    assert "This field is required." in html


def test_coaching_new_refuses_other_methods(gw, cw, clients):
    assert clients["member"].delete(coaching_url(cw.goal)).status_code == 405


# --- Will → milestones ---------------------------------------------------------------


def test_will_becomes_one_milestone_per_line_with_parsed_dates(gw, cw, clients):
    response = clients["member"].post(will_url(cw.session))
    assert response.status_code == 302
    assert response["Location"] == detail_url(cw.goal) + "#coaching-section"
    steps = list(Milestone.objects.filter(goal=cw.goal).order_by("position"))
    assert [s.title for s in steps] == [
        "Write the five follow-up emails",
        "Ask RevOps to enable sequences",
        "Pilot on inbound leads",
    ]
    today = timezone.localdate()
    assert steps[0].due_date == min(cw.goal.due_date, today + timedelta(days=5))
    assert steps[2].due_date == min(cw.goal.due_date, today + timedelta(days=9))
    assert steps[1].due_date is not None  # no date written: within two weeks, never after the goal
    assert all(s.source == MilestoneSource.COACHING for s in steps)
    cw.session.refresh_from_db()
    assert cw.session.will_converted_at is not None


def test_will_turns_into_milestones_only_once(gw, cw, clients):
    clients["member"].post(will_url(cw.session))
    html = assert_fragment(clients["member"].post(will_url(cw.session), **HTMX), 'id="coaching-section"')
    assert "already milestones" in html
    assert Milestone.objects.filter(goal=cw.goal).count() == 3


def test_will_to_milestones_with_htmx_swaps_the_coaching_section(gw, cw, clients):
    response = clients["member"].post(will_url(cw.session), **HTMX)
    html = assert_fragment(response, 'id="coaching-section"', "Added 3 milestones to the goal.")
    assert "Turn Will into milestones" not in html
    assert response["HX-Trigger"] == "milestonesChanged"
    # The plan comes along out of band, with the new steps in it: no reload needed.
    plan = html.split('id="plan"', 1)[1]
    assert 'hx-swap-oob="true"' in plan.split(">", 1)[0]
    for step in Milestone.objects.filter(goal=cw.goal):
        assert step.title in plan


def test_will_to_milestones_is_forbidden_to_a_reader_and_hidden_from_outsiders(gw, cw, clients):
    assert clients["peer"].post(will_url(cw.session)).status_code == 403
    assert clients["outsider"].post(will_url(cw.session)).status_code == 404
    assert not Milestone.objects.exists()


def test_will_to_milestones_refuses_get(gw, cw, clients):
    assert clients["member"].get(will_url(cw.session)).status_code == 405


# --- the Coaching section on the goal page -------------------------------------------


def render_section(gw, actor, goal, **extra) -> str:
    request = RequestFactory().get("/")
    request.user, request.membership = actor.user, actor
    goal = selectors.goal_coaching(actor=actor, public_id=goal.public_id)
    context = {"goal": goal, "can_edit": True, "can_coach": True, **extra}
    return render_to_string("goals/coaching/_goal_section.html", context, request=request)


def test_coaching_section_lists_sessions_coaches_and_the_feedback_form(gw, cw, clients):
    services.coach_invite(actor=gw.member, goal=cw.goal, member=gw.teammate)
    html = render_section(gw, gw.member, cw.goal)
    assert 'id="coaching-section"' in html
    assert "GROW session" in html and "Only 40% of leads" in html
    assert "Turn Will into milestones" in html and will_url(cw.session) in html
    assert coaching_url(cw.goal) in html and "Record a coaching session" in html
    assert "Teammate" in html and invite_url(cw.goal) in html
    assert ask_url(cw.goal) in html and 'name="question"' in html


def test_coaching_section_for_a_coach_offers_recording_but_no_owner_tools(gw, cw, clients):
    html = render_section(gw, gw.peer, cw.goal, can_edit=False)
    assert "Record a coaching session" in html
    assert "Turn Will into milestones" not in html and ask_url(cw.goal) not in html


def test_coaching_section_feedback_choices_stay_in_the_organization(gw, cw, clients):
    html = render_section(gw, gw.member, cw.goal)
    assert str(gw.teammate.public_id) in html
    assert str(gw.outsider_member.public_id) not in html


# --- coaches -------------------------------------------------------------------------


def test_the_owner_invites_a_colleague_as_coach(gw, cw, clients):
    assert_page(clients["member"].get(invite_url(cw.goal)), "Invite a coach or mentor")
    response = clients["member"].post(invite_url(cw.goal), {"member": str(gw.peer.public_id)})
    assert response.status_code == 302
    assert GoalCoach.objects.filter(goal=cw.goal, member=gw.peer).exists()


def test_coach_invite_with_htmx_returns_the_section(gw, cw, clients):
    response = clients["member"].post(invite_url(cw.goal), {"member": str(gw.peer.public_id)}, **HTMX)
    assert_fragment(response, 'id="coaching-section"', "can now coach you on this goal")
    assert_fragment(clients["member"].get(invite_url(cw.goal), **HTMX), 'id="invite-form"')


def test_coach_invite_refuses_someone_from_another_organization(gw, cw, clients):
    response = clients["member"].post(invite_url(cw.goal), {"member": str(gw.outsider_member.public_id)})
    assert_page(response, "Select a valid choice")
    assert not GoalCoach.objects.exists()


def test_coach_invite_is_forbidden_to_a_reader_and_a_404_elsewhere(gw, cw, clients):
    assert clients["peer"].get(invite_url(cw.goal)).status_code == 403
    assert clients["peer"].post(invite_url(cw.goal), {"member": str(gw.peer.public_id)}).status_code == 403
    assert clients["outsider"].post(invite_url(cw.goal), {"member": str(gw.outsider.public_id)}).status_code == 404
    assert not GoalCoach.objects.exists()


def test_coach_invite_refuses_other_methods(gw, cw, clients):
    assert clients["member"].put(invite_url(cw.goal)).status_code == 405


# --- feedback requests ---------------------------------------------------------------


def ask(client, goal, recipient, question="Does my email sound pushy?", **extra):
    return client.post(ask_url(goal), {"recipient": str(recipient.public_id), "question": question}, **extra)


def test_the_owner_asks_a_colleague_for_feedback(gw, cw, clients):
    response = ask(clients["member"], cw.goal, gw.teammate)
    assert response.status_code == 302
    item = FeedbackRequest.objects.get()
    assert (item.requester, item.recipient, item.goal) == (gw.member, gw.teammate, cw.goal)


def test_feedback_request_with_htmx_returns_the_section(gw, cw, clients):
    html = assert_fragment(
        ask(clients["member"], cw.goal, gw.teammate, **HTMX), 'id="coaching-section"', "Asked Teammate"
    )
    assert "waiting" in html


def test_feedback_request_with_invalid_input_shows_the_error_and_writes_nothing(gw, cw, clients):
    assert_page(ask(clients["member"], cw.goal, gw.teammate, question=""), "This field is required.")
    html = assert_fragment(ask(clients["member"], cw.goal, gw.outsider_member, **HTMX), 'id="coaching-section"')
    assert "Select a valid choice" in html
    assert not FeedbackRequest.objects.exists()


def test_feedback_request_is_forbidden_to_a_reader_and_a_404_elsewhere(gw, cw, clients):
    assert ask(clients["peer"], cw.goal, gw.teammate).status_code == 403
    assert ask(clients["peer"], cw.private, gw.teammate).status_code == 404
    assert ask(clients["outsider"], cw.goal, gw.outsider_member).status_code == 404
    assert not FeedbackRequest.objects.exists()


def test_feedback_request_refuses_get(gw, cw, clients):
    assert clients["member"].get(ask_url(cw.goal)).status_code == 405


@pytest.fixture
def asked(gw, cw):
    older = services.feedback_request_create(
        actor=gw.member, goal=cw.goal, recipient=gw.teammate, question="Older question?"
    )
    services.feedback_answer(actor=gw.teammate, request=older, answer="Older answer.")
    newer = services.feedback_request_create(
        actor=gw.member, goal=cw.goal, recipient=gw.teammate, question="Newer unanswered question?"
    )
    services.feedback_request_create(
        actor=gw.outsider, goal=cw.goal_b, recipient=gw.outsider_member, question="Bluebird question?"
    )
    return older, newer


def test_inbox_puts_unanswered_requests_first(gw, cw, clients, asked):
    html = assert_page(clients["teammate"].get(INBOX), "1 question waiting for your answer")
    assert html.index("Newer unanswered question?") < html.index("Older question?")
    assert "Bluebird question?" not in html


def test_inbox_shows_the_requester_the_answers(gw, cw, clients, asked):
    html = assert_page(clients["member"].get(INBOX), "You asked")
    assert "Older answer." in html and "Waiting for an answer" in html


def test_inbox_with_htmx_is_a_fragment_and_refuses_post(gw, cw, clients, asked):
    assert_fragment(clients["member"].get(INBOX, **HTMX), 'id="inbox"')
    assert clients["member"].post(INBOX).status_code == 405


def test_the_recipient_answers_in_the_app_and_the_requester_reads_it(gw, cw, clients, asked):
    _older, newer = asked
    assert_page(clients["teammate"].get(feedback_url(newer)), 'name="answer"')
    response = clients["teammate"].post(feedback_url(newer), {"answer": "Cut the second paragraph."})
    assert response.status_code == 302 and response["Location"] == INBOX
    html = assert_page(clients["member"].get(feedback_url(newer)), "Cut the second paragraph.")
    assert 'name="answer"' not in html


def test_the_requester_cannot_answer_their_own_request(gw, cw, clients, asked):
    _older, newer = asked
    assert clients["member"].post(feedback_url(newer), {"answer": "Self-praise."}).status_code == 403
    newer.refresh_from_db()
    assert newer.answer == ""


def test_an_empty_answer_is_refused_and_nothing_is_written(gw, cw, clients, asked):
    _older, newer = asked
    assert_page(clients["teammate"].post(feedback_url(newer), {"answer": "  "}), "This field is required.")
    newer.refresh_from_db()
    assert newer.answered_at is None


def test_an_answered_request_cannot_be_answered_again(gw, cw, clients, asked):
    older, _newer = asked
    response = clients["teammate"].post(feedback_url(older), {"answer": "Changed my mind."})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.answer == "Older answer."


@pytest.mark.parametrize("name", ["peer", "manager", "outsider"])
def test_a_feedback_request_is_a_404_to_anyone_but_the_two_people(gw, cw, clients, asked, name):
    _older, newer = asked
    assert clients[name].get(feedback_url(newer)).status_code == 404
    assert clients[name].post(feedback_url(newer), {"answer": "x"}).status_code == 404


def test_feedback_detail_with_htmx_is_a_fragment_and_refuses_other_methods(gw, cw, clients, asked):
    _older, newer = asked
    assert_fragment(clients["teammate"].get(feedback_url(newer), **HTMX), 'id="feedback"')
    assert clients["teammate"].delete(feedback_url(newer)).status_code == 405


def test_the_recipient_who_cannot_see_a_private_goal_still_answers_without_a_link_to_it(gw, cw, clients):
    item = services.feedback_request_create(actor=gw.member, goal=cw.private, recipient=gw.peer, question="Ready?")
    html = assert_page(clients["peer"].get(feedback_url(item)), cw.private.title)
    assert detail_url(cw.private) not in html


def test_dates_in_will_lines_are_read_as_written(gw, cw):
    items = services.parse_will_items("Do A by 2030-01-10\n\n  • Do B", default_due=date(2030, 2, 1))
    assert items == [("Do A", date(2030, 1, 10)), ("Do B", date(2030, 2, 1))]


# --- tenancy sweep of this area's URLs -----------------------------------------------

LCC_ROUTES = [
    "goals:org_template_use",
    "goals:coaching_new",
    "goals:coach_invite",
    "goals:feedback_request",
    "goals:will_to_milestones",
    "goals:feedback_detail",
    "goals:person_career",
]


def test_every_id_in_this_areas_urls_is_a_404_across_organizations(world, client_for):
    from tests.conftest import SWEEP_OBJECTS

    insider, admin = client_for(world.member), client_for(world.admin)
    for name in LCC_ROUTES:
        foreign = SWEEP_OBJECTS[(name, "public_id")](world, world.org_b)
        url = reverse(name, kwargs={"public_id": foreign.public_id})
        statuses = {insider.get(url).status_code, insider.post(url).status_code}
        assert statuses <= {404, 405} and 404 in statuses, (name, statuses)
        own = SWEEP_OBJECTS[(name, "public_id")](world, world.org_a)
        own_url = reverse(name, kwargs={"public_id": own.public_id})
        method = admin.post if name in ("goals:will_to_milestones", "goals:feedback_request") else admin.get
        assert method(own_url).status_code != 404, name
