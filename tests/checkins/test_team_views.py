"""The manager's weekly review: who checked in, confidence changes, blockers; Seen, Flag for 1:1, comments."""

from django.urls import reverse

from apps.checkins.models import Comment, Notice, Reaction
from tests.conftest import HTMX, assert_fragment, assert_page

from .conftest import make_goal, submit

TEAM = reverse("checkins:team")


def seen_url(checkin) -> str:
    return reverse("checkins:checkin_seen", args=[checkin.public_id])


def flag_url(checkin) -> str:
    return reverse("checkins:checkin_flag", args=[checkin.public_id])


def comment_url(checkin) -> str:
    return reverse("checkins:checkin_comment", args=[checkin.public_id])


# --- the page ---------------------------------------------------------------------------


def test_manager_sees_who_has_not_checked_in_first(manager_client, cw, world):
    teammate = make_goal(world.member, "Another", cycle=cw.cycle)  # noqa: F841 - the report has goals
    html = assert_page(manager_client.get(TEAM), "Team check-ins", "Not checked in this week")
    assert "Mel Member" in html and "never checked in" in html
    assert "0/1" in html


def test_manager_sees_latest_checkins_with_status_confidence_change_and_blockers(manager_client, cw):
    submit(cw.w.member, cw.goal, confidence=5, status="at_risk")
    submit(cw.w.member, cw.goal, confidence=7, status="on_track", wins="Turned it around", blockers="Need a demo slot")
    html = assert_page(manager_client.get(TEAM), "Checked in", "1/1")
    assert "Not checked in this week" not in html
    assert "Turned it around" in html
    assert "▲</span> +2" in html
    assert "Need a demo slot" in html and "Open blockers" in html
    assert "1</strong>-week streak" in html


def test_a_drop_in_confidence_shows_a_down_arrow(manager_client, cw):
    submit(cw.w.member, cw.goal, confidence=8)
    submit(cw.w.member, cw.goal, confidence=5)
    assert "▼</span> −3" in manager_client.get(TEAM).content.decode()


def test_someone_without_reports_sees_an_empty_state(peer_client, cw):
    html = assert_page(peer_client.get(TEAM), "No direct reports yet")
    assert "Checked in" not in html


def test_admin_sees_their_own_reports(admin_client, cw):
    submit(cw.w.peer, cw.peer_goal, wins="Peer win")  # peer's line manager is the admin
    html = assert_page(admin_client.get(TEAM), "Peer win")
    assert "Mona Manager" in html  # also a report of the admin, not checked in
    assert "Mel Member" not in html  # the manager's report, not the admin's


def test_team_refuses_post(manager_client, cw):
    assert manager_client.post(TEAM).status_code == 405


def test_reports_of_another_organization_never_show(outsider_client, cw):
    submit(cw.w.outsider_member, cw.outsider_goal, wins="Outsider win")
    submit(cw.w.member, cw.goal, wins="Acme win")
    html = outsider_client.get(TEAM).content.decode()
    assert "Outsider win" in html and "Acme win" not in html


# --- Seen -----------------------------------------------------------------------------------


def test_manager_marks_seen_and_clears_it_without_htmx(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    response = manager_client.post(seen_url(checkin), {"on": "1"})
    assert response.status_code == 302 and response["Location"] == TEAM + f"#c-{checkin.public_id}"
    assert Reaction.objects.get(kind="seen", cleared_at__isnull=True).member == cw.w.manager
    manager_client.post(seen_url(checkin), {"on": "0"})
    assert not Reaction.objects.filter(cleared_at__isnull=True).exists()


def test_seen_with_htmx_answers_with_the_actions_region(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    html = assert_fragment(
        manager_client.post(seen_url(checkin), {"on": "1"}, **HTMX), f'id="actions-{checkin.public_id}"'
    )
    assert 'aria-pressed="true"' in html


def test_only_the_line_manager_may_mark_seen(peer_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert peer_client.post(seen_url(checkin), {"on": "1"}).status_code == 403
    assert not Reaction.objects.exists()


def test_seen_on_another_organizations_checkin_is_not_found(outsider_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert outsider_client.post(seen_url(checkin), {"on": "1"}).status_code == 404


def test_seen_refuses_get(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert manager_client.get(seen_url(checkin)).status_code == 405


# --- Flag for 1:1 -------------------------------------------------------------------------------


def test_flag_for_one_on_one_with_a_note(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    html = assert_fragment(
        manager_client.post(flag_url(checkin), {"on": "1", "note": "Talk about <b>pricing</b>"}, **HTMX),
        "Flagged for 1:1",
    )
    assert "&lt;b&gt;pricing&lt;/b&gt;" in html
    assert Reaction.objects.get(kind="flag").note == "Talk about <b>pricing</b>"
    assert "Flagged for 1:1" in manager_client.get(TEAM).content.decode()


def test_flag_note_too_long_is_refused(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    html = manager_client.post(flag_url(checkin), {"on": "1", "note": "n" * 301}, **HTMX).content.decode()
    assert "at most 300 characters" in html
    assert not Reaction.objects.exists()


def test_flag_is_forbidden_to_others_and_hidden_from_other_organizations(peer_client, outsider_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert peer_client.post(flag_url(checkin), {"on": "1"}).status_code == 403
    assert outsider_client.post(flag_url(checkin), {"on": "1"}).status_code == 404
    assert not Reaction.objects.exists()


# --- comments ------------------------------------------------------------------------------------


def test_comment_with_a_mention_notifies_the_person(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    html = assert_fragment(
        manager_client.post(comment_url(checkin), {"body": "Nice one @mel, loop in @pete.peer"}, **HTMX),
        "Nice one @mel",
    )
    assert f'id="comments-{checkin.public_id.hex}"' in html
    assert Comment.objects.get().checkin == checkin
    recipients = set(Notice.objects.filter(kind=Notice.Kind.MENTION).values_list("recipient_id", flat=True))
    assert recipients == {cw.w.member.pk, cw.w.peer.pk}


def test_comment_without_htmx_redirects_back(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    response = manager_client.post(comment_url(checkin), {"body": "Great", "next": TEAM})
    assert response.status_code == 302 and response["Location"] == TEAM


def test_comment_next_must_stay_on_this_site(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    response = manager_client.post(comment_url(checkin), {"body": "Great", "next": "https://evil.example/"})
    assert response["Location"] == TEAM + f"#c-{checkin.public_id}"


def test_empty_or_huge_comment_is_refused_next_to_the_field(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert "Write a comment." in manager_client.post(comment_url(checkin), {"body": "  "}, **HTMX).content.decode()
    html = assert_page(manager_client.post(comment_url(checkin), {"body": "c" * 5000}), "Keep it under 2000 characters")
    assert "c" * 100 in html  # what was typed stays
    assert not Comment.objects.exists()


def test_anyone_who_sees_the_goal_may_comment_but_not_other_organizations(peer_client, outsider_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert peer_client.post(comment_url(checkin), {"body": "Cheering"}).status_code == 302
    assert outsider_client.post(comment_url(checkin), {"body": "Hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_comment_refuses_get(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    assert manager_client.get(comment_url(checkin)).status_code == 405


def test_script_in_a_comment_is_escaped(manager_client, cw):
    checkin = submit(cw.w.member, cw.goal, wins="w").checkins[0]
    manager_client.post(comment_url(checkin), {"body": "<script>alert(1)</script>"})
    html = manager_client.get(TEAM).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_each_goal_shows_once_with_its_latest_checkin_of_the_week(manager_client, cw):
    submit(cw.w.member, cw.goal, confidence=6, wins="Monday update")
    submit(cw.w.member, cw.goal, confidence=7, wins="Friday update")
    html = manager_client.get(TEAM).content.decode()
    assert html.count('class="ci-item__goal"') == 1
    assert "Friday update" in html and "Monday update" not in html
    assert "▲</span> +1" in html
