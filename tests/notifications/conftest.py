"""Fixtures for the notifications tests, and this app's entries in the shared URL registries."""

import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.checkins.models import CheckIn, CheckinSubmission
from apps.goals.models import Goal, GoalStatus
from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryKind, Digest, Notification
from tests.conftest import SWEEP_OBJECTS, TOKEN_URLS


def _notification(w, org):
    member = w.member_of(org)
    return Notification.objects.create(organization=org, recipient=member, kind="reminder", title="Hello")


def _digest(w, org):
    member = w.member_of(org)
    return Digest.objects.create(
        organization=org, recipient=member, kind="personal", period_start=date(2026, 3, 2), subject="Your week", data={}
    )


def _delivery(w, org):
    return Delivery.objects.create(
        organization=org, recipient=w.member_of(org), kind=DeliveryKind.REMINDER, period="2026-03-02", state="failed"
    )


SWEEP_OBJECTS.update(
    {
        ("notifications:read", "public_id"): _notification,
        ("notifications:team_policy", "public_id"): lambda w, org: w.team if org.pk == w.org_a.pk else w.team_b,
        ("notifications:digest", "public_id"): _digest,
        ("notifications:ops_retry", "public_id"): _delivery,
    }
)
TOKEN_URLS.update(
    {
        "notifications:unsubscribe": lambda w: {"token": services.unsubscribe_token(w.member.user)},
        "notifications:unsubscribe_one_click": lambda w: {"token": services.unsubscribe_token(w.member.user)},
    }
)


def make_goal(owner, *, title="Ship the thing", status=GoalStatus.ACTIVE, **extra) -> Goal:
    return Goal.objects.create(
        organization_id=owner.organization_id, owner_member=owner, title=title, status=status, **extra
    )


def make_checkin(member, monday: date, goal: Goal | None = None, progress: float = 0.5) -> CheckIn:
    goal = goal or make_goal(member, title=f"Goal of {member.user.full_name}")
    submission = CheckinSubmission.objects.create(
        organization_id=member.organization_id, author=member, idempotency_key=uuid.uuid4(), period_start=monday
    )
    return CheckIn.objects.create(
        organization_id=member.organization_id,
        submission=submission,
        goal=goal,
        author=member,
        period_start=monday,
        progress=progress,
    )


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def deliver_all(ids=None) -> services.BatchResult:
    """Send every queued delivery in this process (no worker), like the send tasks would."""
    from apps.notifications.models import DeliveryState

    ids = ids or list(Delivery.objects.filter(state=DeliveryState.QUEUED).values_list("id", flat=True))
    return services.deliver_batch(delivery_ids=ids)


@pytest.fixture
def no_enqueue(monkeypatch):
    """Record what would be published instead of publishing (unit tests need no broker)."""
    published: list[list[int]] = []

    def fake(ids, *, countdown=None):
        published.append(list(ids))
        return 1

    monkeypatch.setattr(services, "enqueue", fake)
    return published


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The world's people get passwords; hashing them at full strength only slows these tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
