"""Per-team outgoing webhook: signed body, retried with backoff — against a real local HTTP server."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from apps.checkins.models import Celebration, CelebrationKind
from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryKind, DeliveryState, TeamWebhook

from .conftest import make_checkin, make_goal


class Hook:
    def __init__(self, fail_first: int):
        self.fail_first = fail_first
        self.requests: list[tuple[dict, bytes]] = []


@pytest.fixture
def hook_server():
    state = Hook(fail_first=1)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            status = 500 if len(state.requests) <= state.fail_first else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()


def test_team_check_in_summary_is_posted_signed_and_retried(
    world, hook_server, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "enqueue", lambda ids, countdown=None: 1)
    hook = TeamWebhook.objects.create(organization=world.org_a, team=world.team, url=hook_server.url, secret="s3cret")
    make_checkin(world.member, date(2026, 3, 30))
    tuesday = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    with time_machine.travel(tuesday, tick=False):
        services.scan(kinds=["manager_notices"], organization_id=world.org_a.pk)
    delivery = Delivery.objects.get(kind=DeliveryKind.TEAM_WEBHOOK, team=world.team)
    assert delivery.recipient_id is None

    with time_machine.travel(tuesday, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(delivery_id=delivery.pk) == "retried"  # the server said 500
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.QUEUED and "500" in delivery.last_error
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert services.deliver(delivery_id=delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2

    headers, body = hook_server.requests[-1]
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Goalsite-Signature"] == expected
    payload = json.loads(body)
    assert payload["event"] == "team_checkins"
    assert "Rockets: 1 of 2 checked in" in payload["text"]
    assert "Mona Manager" in payload["text"]  # not yet checked in
    # Delivered once: a second run claims nothing.
    assert services.deliver(delivery_id=delivery.pk) == "not_claimed"
    assert len(hook_server.requests) == 2


def test_celebration_is_posted_to_the_owners_team(world, hook_server, no_enqueue):
    hook_server.fail_first = 0
    TeamWebhook.objects.create(organization=world.org_a, team=world.team, url=hook_server.url, secret="x")
    goal = make_goal(world.member, title="Launch")
    Celebration.objects.create(
        organization=world.org_a,
        goal=goal,
        member=world.member,
        kind=CelebrationKind.MILESTONE,
        subject="Step done: beta",
    )
    result = services.scan(kinds=["celebrations"], organization_id=world.org_a.pk)[0]
    services.deliver_batch(delivery_ids=result.delivery_ids)
    texts = [json.loads(body)["text"] for _, body in hook_server.requests]
    assert texts == ["🎉 Mel Member: Step done: beta (“Launch”)"]


def test_a_webhook_that_keeps_failing_ends_failed_on_the_ops_page(
    world, hook_server, monkeypatch, settings, admin_client
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    hook_server.fail_first = 99
    monkeypatch.setattr(services, "enqueue", lambda ids, countdown=None: 1)
    TeamWebhook.objects.create(organization=world.org_a, team=world.team, url=hook_server.url, secret="x")
    delivery = Delivery.objects.create(
        organization=world.org_a,
        team=world.team,
        kind=DeliveryKind.TEAM_WEBHOOK,
        period="checkins-2026-03-30",
        channel="webhook",
        payload={"event": "team_checkins", "week": "2026-03-30"},
    )
    assert services.deliver(delivery_id=delivery.pk) == "retried"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    assert services.deliver(delivery_id=delivery.pk) == "failed"
    html = admin_client.get("/ops/notifications/").content.decode()
    assert "Rockets" in html and "HTTP Error 500" in html
