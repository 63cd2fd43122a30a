"""Team feed (celebrations, kudos, comments) and the person's notices."""

from django.urls import reverse

from apps.checkins.models import Celebration, CelebrationKind, Comment, Kudos, Notice
from tests.conftest import HTMX, assert_fragment, assert_page

from .conftest import k, submit, week_data

FEED = reverse("checkins:feed")
NOTICES = reverse("checkins:notices")
READ = reverse("checkins:notices_read")


def kudos_url(celebration) -> str:
    return reverse("checkins:kudos", args=[celebration.public_id])


def comment_url(celebration) -> str:
    return reverse("checkins:celebration_comment", args=[celebration.public_id])


def _target_hit(cw) -> Celebration:
    submit(cw.w.member, cw.goal2, values={cw.chapters: 5})
    return Celebration.objects.get(kind=CelebrationKind.KR_TARGET)


# --- feed -----------------------------------------------------------------------------------


def test_feed_lists_celebrations_the_person_can_see(peer_client, cw):
    _target_hit(cw)
    other = submit(cw.w.outsider_member, cw.outsider_goal, values={cw.outsider_goal.key_results.get(): 10})
    assert other.celebrations
    html = assert_page(peer_client.get(FEED), "Chapters written: target reached", "Give kudos")
    assert "Outsider KR" not in html


def test_feed_empty_state(member_client, cw):
    assert_page(member_client.get(FEED), "Nothing to celebrate yet")


def test_feed_refuses_post(member_client, cw):
    assert member_client.post(FEED).status_code == 405


def test_kudos_with_htmx_updates_the_count(peer_client, cw):
    celebration = _target_hit(cw)
    html = assert_fragment(peer_client.post(kudos_url(celebration), **HTMX), f'id="kudos-{celebration.public_id}"')
    assert 'aria-label="1 kudos"' in html and "You gave kudos" in html and "Kudos from Pete" in html
    assert Notice.objects.get(kind=Notice.Kind.KUDOS).recipient == cw.w.member


def test_kudos_twice_counts_once(peer_client, cw):
    celebration = _target_hit(cw)
    peer_client.post(kudos_url(celebration))
    response = peer_client.post(kudos_url(celebration))
    assert response.status_code == 302 and response["Location"] == FEED + f"#cel-{celebration.public_id}"
    assert Kudos.objects.count() == 1 and Notice.objects.filter(kind=Notice.Kind.KUDOS).count() == 1


def test_kudos_on_another_organizations_celebration_is_not_found(outsider_client, cw):
    celebration = _target_hit(cw)
    assert outsider_client.post(kudos_url(celebration)).status_code == 404
    assert not Kudos.objects.exists()


def test_kudos_refuses_get(peer_client, cw):
    assert peer_client.get(kudos_url(_target_hit(cw))).status_code == 405


def test_celebration_comment_with_mention(peer_client, cw):
    celebration = _target_hit(cw)
    html = assert_fragment(
        peer_client.post(comment_url(celebration), {"body": "Well done @mel"}, **HTMX), "Well done @mel"
    )
    assert "<form" in html
    assert Comment.objects.get().celebration == celebration
    assert Notice.objects.get(kind=Notice.Kind.MENTION).recipient == cw.w.member


def test_celebration_comment_without_htmx_redirects_to_the_feed(peer_client, cw):
    celebration = _target_hit(cw)
    response = peer_client.post(comment_url(celebration), {"body": "Bravo"})
    assert response.status_code == 302 and response["Location"].startswith(FEED)


def test_celebration_comment_other_organization_and_wrong_method(outsider_client, peer_client, cw):
    celebration = _target_hit(cw)
    assert outsider_client.post(comment_url(celebration), {"body": "x"}).status_code == 404
    assert peer_client.get(comment_url(celebration)).status_code == 405
    assert not Comment.objects.exists()


# --- notices ----------------------------------------------------------------------------------


def test_notices_lists_help_requests_and_marks_all_read(member_client, manager_client, cw):
    member_client.post(
        reverse("checkins:week"),
        week_data(
            [cw.goal],
            **{
                f"g-{cw.goal.public_id}-blockers": "Need <b>legal</b>",
                f"g-{cw.goal.public_id}-help_from": str(cw.w.manager.public_id),
            },
        ),
    )
    html = assert_page(manager_client.get(NOTICES), "1 unread", "Mark all read")
    assert "asks for your help" in html and "&lt;b&gt;legal&lt;/b&gt;" in html

    response = manager_client.post(READ)
    assert response.status_code == 302 and response["Location"] == NOTICES
    assert not Notice.objects.filter(read_at__isnull=True).exists()


def test_mark_all_read_with_htmx_answers_with_the_list(manager_client, cw):
    Notice.objects.create(organization=cw.w.org_a, recipient=cw.w.manager, kind=Notice.Kind.MENTION, text="Hi")
    html = assert_fragment(manager_client.post(READ, **HTMX), 'id="notice-list"', "All read")
    assert "Mark all read" not in html


def test_notices_are_only_the_persons_own(member_client, cw):
    Notice.objects.create(organization=cw.w.org_a, recipient=cw.w.manager, kind=Notice.Kind.MENTION, text="For Mona")
    assert "For Mona" not in member_client.get(NOTICES).content.decode()
    member_client.post(READ)
    assert Notice.objects.get().read_at is None


def test_notices_wrong_methods(member_client, cw):
    assert member_client.post(NOTICES).status_code == 405
    assert member_client.get(READ).status_code == 405


def test_a_checkin_below_the_target_celebrates_nothing(member_client, cw):
    """A check-in that does not reach the target celebrates nothing."""
    member_client.post(reverse("checkins:week"), week_data([cw.goal2], **{k(cw.chapters): "4"}))
    assert not Celebration.objects.exists()
