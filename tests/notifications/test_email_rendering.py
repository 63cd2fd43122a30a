"""Every kind of email, parsed with Python's email package: valid MIME, both parts, working links, headers, escaping."""

import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.urls import Resolver404, resolve

from apps.checkins.models import Blocker, Celebration, CelebrationKind
from apps.goals.models import Milestone
from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryKind, GoalHealthState, ReminderPolicy

from .conftest import deliver_all, make_checkin, make_goal

MONDAY_10_UTC = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script> & Co'


@pytest.fixture
def every_kind(world, no_enqueue, outbox):
    """One email of each kind to org A people, with a goal title that tries to inject markup."""
    ReminderPolicy.objects.create(organization=world.org_a, due_soon_days=3)
    goal = make_goal(world.member, title=EVIL, start_date=date(2026, 1, 1), due_date=date(2026, 4, 1), progress=0.1)
    Milestone.objects.create(organization=world.org_a, goal=goal, title=f"Step {EVIL}", due_date=date(2026, 4, 1))
    checkin = make_checkin(world.member, date(2026, 3, 23), goal=goal, progress=0.1)
    Blocker.objects.create(organization=world.org_a, goal=goal, checkin=checkin, author=world.member, text=EVIL)
    Celebration.objects.create(
        organization=world.org_a,
        goal=goal,
        member=world.member,
        kind=CelebrationKind.MILESTONE,
        subject=f"Step done: {EVIL}",
    )
    GoalHealthState.objects.create(goal=goal, code="on_track", changed_at=MONDAY_10_UTC - timedelta(days=1))
    with time_machine.travel(MONDAY_10_UTC + timedelta(days=1), tick=False):  # Tuesday: notices are due too
        results = services.scan(organization_id=world.org_a.pk)
        deliver_all([i for r in results for i in r.delivery_ids])
    return {m.extra_headers["X-Goalsite-Kind"] for m in outbox}


def _parsed(message):
    return message_from_bytes(message.message().as_bytes(), policy=policy.default)


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def test_every_kind_is_sent(every_kind):
    assert every_kind >= {
        DeliveryKind.REMINDER,
        DeliveryKind.MANAGER_NOTICE,
        DeliveryKind.MANAGER_DIGEST,
        DeliveryKind.PERSONAL_DIGEST,
        DeliveryKind.HEALTH_ALERT,
        DeliveryKind.DUE_SOON,
        DeliveryKind.CELEBRATION,
    }


def test_every_message_is_valid_mime_with_text_and_html(every_kind, outbox):
    for message in outbox:
        parsed = _parsed(message)
        assert parsed.get_content_type() == "multipart/alternative"
        assert not parsed.defects
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        assert text is not None and html is not None
        assert text.get_content().strip() and "<html" in html.get_content()
        assert parsed["To"] == message.to[0]
        assert parsed["Subject"]


def test_every_link_points_at_a_real_page(every_kind, outbox):
    for message in outbox:
        parsed = _parsed(message)
        links = _links(parsed.get_body(preferencelist=("plain",)).get_content())
        links += _links(parsed.get_body(preferencelist=("html",)).get_content())
        assert links, message.subject
        for link in links:
            assert link.startswith(settings.SITE_URL), link
            path = urlsplit(link.replace("&amp;", "&")).path
            try:
                resolve(path)
            except Resolver404:
                pytest.fail(f"{link} in “{message.subject}” resolves to no page")


def test_reminder_links_straight_to_the_weekly_check_in(every_kind, outbox):
    reminder = next(m for m in outbox if m.extra_headers["X-Goalsite-Kind"] == "reminder")
    body = _parsed(reminder).get_body(preferencelist=("plain",)).get_content()
    assert f"{settings.SITE_URL}/checkins/week/" in body
    assert resolve("/checkins/week/").view_name == "checkins:week"


def test_list_unsubscribe_headers_carry_a_signed_one_click_url(every_kind, outbox, client):
    for message in outbox:
        parsed = _parsed(message)
        header = parsed["List-Unsubscribe"]
        assert header.startswith("<") and header.endswith(">")
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = header[1:-1]
        assert resolve(urlsplit(url).path).view_name == "notifications:unsubscribe_one_click"


def test_html_escapes_what_people_typed(every_kind, outbox):
    checked = 0
    for message in outbox:
        html = _parsed(message).get_body(preferencelist=("html",)).get_content()
        assert "<script>" not in html
        if "alert(" in html:
            assert "&lt;script&gt;" in html
            checked += 1
    assert checked >= 4  # the goal title shows up in reminders, digests, alerts, due soon, celebrations


def test_plain_text_is_not_html_escaped(every_kind, outbox):
    alert = next(m for m in outbox if m.extra_headers["X-Goalsite-Kind"] == "health_alert")
    assert EVIL in _parsed(alert).get_body(preferencelist=("plain",)).get_content()


def test_digests_are_kept_in_the_archive(every_kind, world):
    from apps.notifications.models import Digest

    kinds = set(Digest.objects.filter(organization=world.org_a).values_list("kind", "recipient_id"))
    assert ("personal", world.member.pk) in kinds
    assert ("manager", world.manager.pk) in kinds
    assert (
        Delivery.objects.filter(kind=DeliveryKind.PERSONAL_DIGEST, recipient=world.member).get().period == "2026-03-23"
    )
