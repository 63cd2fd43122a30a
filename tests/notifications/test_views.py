"""Notification centre, preferences, policy, digests, unsubscribe and ops pages: works, wrong method, 404, 403, htmx."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.checkins.models import Notice
from apps.checkins.services import notice_create
from apps.notifications import context_processors, services
from apps.notifications.models import (
    Delivery,
    DeliveryKind,
    Digest,
    Notification,
    ReminderPolicy,
    ReminderPreference,
    TeamReminderPolicy,
    TeamWebhook,
)
from tests.conftest import HTMX, assert_fragment, assert_page


def _note(member, title="Time for your weekly check-in", **extra):
    return Notification.objects.create(
        organization_id=member.organization_id,
        recipient=member,
        kind="reminder",
        title=title,
        url="/checkins/week/",
        **extra,
    )


# --- notification centre -------------------------------------------------------------------


def test_list_shows_only_my_notifications(world, member_client):
    _note(world.member, "Mine")
    _note(world.peer, "Not mine")
    html = assert_page(member_client.get(reverse("notifications:list")), "Mine")
    assert "Not mine" not in html


def test_list_query_count_does_not_grow_with_notifications(world, member_client, django_assert_max_num_queries):
    for i in range(30):
        _note(world.member, f"n{i}")
    with django_assert_max_num_queries(12):
        member_client.get(reverse("notifications:list"))


def test_list_htmx_returns_the_list_fragment(world, member_client):
    _note(world.member, "Mine")
    assert_fragment(member_client.get(reverse("notifications:list"), **HTMX), 'id="notification-list"', "Mine")


def test_mark_one_read_without_htmx_redirects(world, member_client):
    note = _note(world.member)
    response = member_client.post(reverse("notifications:read", args=[note.public_id]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_one_read_with_htmx_returns_the_item(world, member_client):
    note = _note(world.member, "Hello there")
    html = assert_fragment(
        member_client.post(reverse("notifications:read", args=[note.public_id]), **HTMX), "Hello there"
    )
    assert "Mark read" not in html


def test_mark_read_is_post_only(world, member_client):
    note = _note(world.member)
    assert member_client.get(reverse("notifications:read", args=[note.public_id])).status_code == 405


def test_someone_elses_notification_is_404(world, member_client, peer_client, outsider_client):
    note = _note(world.member)
    assert peer_client.post(reverse("notifications:read", args=[note.public_id])).status_code == 404
    assert outsider_client.post(reverse("notifications:read", args=[note.public_id])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(world, member_client):
    for _ in range(3):
        _note(world.member)
    other = _note(world.peer)
    assert member_client.post(reverse("notifications:read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=world.member, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert_fragment(member_client.post(reverse("notifications:read_all"), **HTMX), 'id="notification-list"')


def test_a_notice_shows_up_in_the_centre_once_and_reads_together(world, member_client):
    notice = notice_create(recipient=world.member, actor=world.peer, kind=Notice.Kind.HELP, text="Pete asks for help")
    note = Notification.objects.get(notice=notice)
    assert note.kind == "help" and note.recipient_id == world.member.pk
    notice.save()  # a later save does not make a second one
    assert Notification.objects.filter(notice=notice).count() == 1
    member_client.post(reverse("notifications:read_all"))
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_bell_shows_the_unread_count(world, member_client):
    _note(world.member)
    _note(world.member)
    html = assert_page(member_client.get(reverse("notifications:list")))
    assert 'class="bell"' in html and '2<span class="visually-hidden"> unread' in html


def test_unread_count_is_one_query_and_only_for_members(world, rf, django_assert_num_queries):
    _note(world.member)
    request = rf.get("/")
    request.membership = world.member
    context = context_processors.unread(request)
    with django_assert_num_queries(1):
        assert str(context["notifications_unread"]) == "1"
    request.membership = None
    assert context_processors.unread(request) == {}


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(reverse("notifications:list"))
    assert (response.status_code == 302 and "/login" in response["Location"]) or "next=" in response["Location"]


# --- preferences -----------------------------------------------------------------------------


def test_preferences_save_weekday_time_and_pause(world, member_client):
    pause = timezone.localdate() + timedelta(days=10)
    response = member_client.post(
        reverse("notifications:preferences"),
        {"enabled": "on", "weekday": "2", "local_time": "07:30", "paused_until": pause.isoformat()},
    )
    assert response.status_code == 302
    pref = ReminderPreference.objects.get(member=world.member)
    assert (pref.enabled, pref.weekday, pref.local_time.strftime("%H:%M"), pref.paused_until) == (
        True,
        2,
        "07:30",
        pause,
    )
    assert_page(member_client.get(reverse("notifications:preferences")), "your choice")


def test_preferences_off(world, member_client):
    member_client.post(reverse("notifications:preferences"), {"weekday": "", "local_time": ""})
    assert ReminderPreference.objects.get(member=world.member).enabled is False


def test_preferences_reject_bad_input_with_200(world, member_client):
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    for data in ({"enabled": "on", "weekday": "9"}, {"enabled": "on", "local_time": "25:99"}, {"paused_until": past}):
        response = member_client.post(reverse("notifications:preferences"), data, **HTMX)
        html = assert_fragment(response, 'id="preference-form"')
        assert "errorlist" in html or "error" in html
    assert not ReminderPreference.objects.filter(member=world.member).exists()


# --- policy ------------------------------------------------------------------------------


def test_admin_sets_the_organization_default(world, admin_client):
    assert_page(admin_client.get(reverse("notifications:policy")), "Rockets")
    data = {
        "weekday": "1",
        "local_time": "10:15",
        "reminders_enabled": "on",
        "manager_notices_enabled": "on",
        "digest_weekday": "0",
        "digest_time": "08:00",
        "digests_enabled": "on",
        "due_soon_days": "5",
    }
    assert admin_client.post(reverse("notifications:policy"), data).status_code == 302
    policy = ReminderPolicy.objects.get(organization=world.org_a)
    assert (policy.weekday, policy.local_time.strftime("%H:%M"), policy.due_soon_days) == (1, "10:15", 5)


def test_policy_rejects_out_of_range_values(world, admin_client):
    response = admin_client.post(
        reverse("notifications:policy"), {"weekday": "8", "local_time": "x", "due_soon_days": "-1"}
    )
    assert response.status_code == 200
    assert not ReminderPolicy.objects.exists()


def test_policy_is_admins_only(world, member_client, manager_client):
    assert member_client.get(reverse("notifications:policy")).status_code == 403
    assert manager_client.post(reverse("notifications:policy"), {"weekday": "1"}).status_code == 403


def test_admin_sets_a_team_override_and_webhook(world, admin_client):
    url = reverse("notifications:team_policy", args=[world.team.public_id])
    assert_page(admin_client.get(url), "Rockets")
    response = admin_client.post(url, {"weekday": "3", "local_time": "11:00", "webhook_url": "https://hooks.example/x"})
    assert response.status_code == 302
    assert TeamReminderPolicy.objects.get(team=world.team).weekday == 3
    assert TeamWebhook.objects.get(team=world.team).url == "https://hooks.example/x"
    admin_client.post(url, {"weekday": "", "local_time": "", "webhook_url": ""})
    assert not TeamReminderPolicy.objects.filter(team=world.team).exists()
    assert not TeamWebhook.objects.get(team=world.team).is_active


def test_team_override_validates(world, admin_client):
    url = reverse("notifications:team_policy", args=[world.team.public_id])
    assert admin_client.post(url, {"weekday": "3", "local_time": ""}).status_code == 200
    assert admin_client.post(url, {"webhook_url": "ftp://nope.example/"}).status_code == 200
    assert admin_client.post(url, {"webhook_url": "javascript:alert(1)"}).status_code == 200
    assert not TeamReminderPolicy.objects.exists() and not TeamWebhook.objects.exists()


def test_team_override_other_org_is_404_and_non_admin_403(world, admin_client, member_client):
    assert admin_client.get(reverse("notifications:team_policy", args=[world.team_b.public_id])).status_code == 404
    assert admin_client.post(reverse("notifications:team_policy", args=[world.team_b.public_id]), {}).status_code == 404
    assert member_client.get(reverse("notifications:team_policy", args=[world.team.public_id])).status_code == 403


# --- digests ----------------------------------------------------------------------------


def _digest(member, monday=date(2026, 3, 23)):
    return Digest.objects.create(
        organization_id=member.organization_id,
        recipient=member,
        kind="personal",
        period_start=monday,
        subject=f"Your week of {monday}",
        data={
            "week": monday.isoformat(),
            "goals": [{"title": "<b>bold</b>", "url": "http://x/", "progress": 5, "change": 1}],
            "streak": 2,
            "due_next": [],
        },
    )


def test_digest_archive_and_detail(world, member_client):
    digest = _digest(world.member)
    assert_page(member_client.get(reverse("notifications:digests")), "Your week of 2026-03-23")
    html = assert_page(member_client.get(reverse("notifications:digest", args=[digest.public_id])), "&lt;b&gt;bold")
    assert "<b>bold</b>" not in html


def test_someone_elses_digest_is_404(world, peer_client, outsider_client):
    digest = _digest(world.member)
    assert peer_client.get(reverse("notifications:digest", args=[digest.public_id])).status_code == 404
    assert outsider_client.get(reverse("notifications:digest", args=[digest.public_id])).status_code == 404


# --- unsubscribe -------------------------------------------------------------------------


def test_unsubscribe_link_confirms_on_get_and_switches_off_on_post(world):
    token = services.unsubscribe_token(world.member.user)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("notifications:unsubscribe", args=[token]))
    assert page.status_code == 200 and world.member.user.email in page.content.decode()
    assert User.objects.get(pk=world.member.user.pk).email_notifications is True
    # The confirm form needs its CSRF token: a bare POST is refused.
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 403
    csrf = client.cookies["csrftoken"].value
    done = client.post(reverse("notifications:unsubscribe", args=[token]), {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and "Done" in done.content.decode()
    assert User.objects.get(pk=world.member.user.pk).email_notifications is False


def test_one_click_post_works_without_session_or_csrf(world):
    token = services.unsubscribe_token(world.member.user)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("notifications:unsubscribe_one_click", args=[token]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert User.objects.get(pk=world.member.user.pk).email_notifications is False


def test_one_click_get_changes_nothing(world):
    token = services.unsubscribe_token(world.member.user)
    response = Client().get(reverse("notifications:unsubscribe_one_click", args=[token]))
    assert response.status_code == 302
    assert User.objects.get(pk=world.member.user.pk).email_notifications is True


@pytest.mark.parametrize("name", ["notifications:unsubscribe", "notifications:unsubscribe_one_click"])
def test_an_altered_token_is_refused(world, name):
    token = services.unsubscribe_token(world.member.user)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client(enforce_csrf_checks=True).post(reverse(name, args=[forged]))
    assert response.status_code in (403, 404)
    assert User.objects.get(pk=world.member.user.pk).email_notifications is True


# --- operations ----------------------------------------------------------------------------


def test_ops_page_for_admins_shows_counts_beat_and_failures(world, admin_client):
    Delivery.objects.create(
        organization=world.org_a,
        recipient=world.member,
        kind=DeliveryKind.REMINDER,
        period="a",
        state="failed",
        last_error="SMTP 550",
    )
    Delivery.objects.create(
        organization=world.org_a, recipient=world.member, kind=DeliveryKind.REMINDER, period="b", state="sent"
    )
    Delivery.objects.create(
        organization=world.org_b,
        recipient=world.outsider_member,
        kind=DeliveryKind.REMINDER,
        period="c",
        state="failed",
        last_error="OTHER ORG",
    )
    html = assert_page(admin_client.get(reverse("notifications:ops")), "SMTP 550", "Last beat tick")
    assert "OTHER ORG" not in html
    person = assert_page(admin_client.get(reverse("notifications:ops"), {"person": str(world.member.public_id)}))
    assert "Log for Mel Member" in person


def test_ops_person_filter_other_org_or_garbage_is_404(world, admin_client):
    assert admin_client.get(reverse("notifications:ops"), {"person": str(world.outsider.public_id)}).status_code == 404
    assert admin_client.get(reverse("notifications:ops"), {"person": "not-a-uuid"}).status_code == 404


def test_ops_is_admins_only(world, member_client, manager_client):
    assert member_client.get(reverse("notifications:ops")).status_code == 403
    assert manager_client.get(reverse("notifications:ops")).status_code == 403


def test_ops_retry(world, admin_client, member_client, outsider_client, no_enqueue):
    failed = Delivery.objects.create(
        organization=world.org_a,
        recipient=world.member,
        kind=DeliveryKind.REMINDER,
        period="a",
        state="failed",
        attempts=5,
    )
    url = reverse("notifications:ops_retry", args=[failed.public_id])
    assert member_client.post(url).status_code == 403
    assert outsider_client.post(url).status_code == 404
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url).status_code == 302
    failed.refresh_from_db()
    assert failed.state == "queued" and failed.attempts == 0
