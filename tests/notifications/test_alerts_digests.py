"""Health alerts once per change, due-soon warnings, celebrations, manager notices and weekly digests."""

from datetime import UTC, date, datetime

import time_machine

from apps.accounts.models import TeamMembership, TeamRole
from apps.checkins.models import Blocker, Celebration, CelebrationKind
from apps.goals.models import Goal, GoalStatus, Milestone
from apps.notifications import services
from apps.notifications.models import (
    Delivery,
    DeliveryKind,
    Digest,
    GoalHealthState,
    HealthChange,
    Notification,
    ReminderPolicy,
)

from .conftest import deliver_all, make_checkin, make_goal

TUESDAY_10_UTC = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)


def _scan(kind, world, when=TUESDAY_10_UTC):
    with time_machine.travel(when, tick=False):
        return services.scan(kinds=[kind], organization_id=world.org_a.pk)[0]


def _recipients(kind):
    return sorted(Delivery.objects.filter(kind=kind).values_list("recipient_id", flat=True))


# --- health alerts ---------------------------------------------------------------------------


def test_health_alert_goes_to_owner_and_line_manager_once_per_change(world, no_enqueue, outbox):
    goal = make_goal(world.member, start_date=date(2026, 1, 1), due_date=date(2026, 6, 30), progress=0.5)
    assert _scan("alerts", world).created == 0  # first sight: only recorded
    assert GoalHealthState.objects.get(goal=goal).code == "on_track"

    Goal.objects.filter(pk=goal.pk).update(progress=0.05)  # far behind the pace now
    first = _scan("alerts", world)
    assert first.created == 2
    assert _recipients(DeliveryKind.HEALTH_ALERT) == sorted([world.member.pk, world.manager.pk])
    assert _scan("alerts", world).created == 0  # same health: nothing new

    with time_machine.travel(TUESDAY_10_UTC, tick=False):
        deliver_all(first.delivery_ids)
    assert {m.to[0] for m in outbox} == {world.member.user.email, world.manager.user.email}
    alert = Notification.objects.get(recipient=world.member, kind="health_alert")
    assert "off track" in alert.title and "behind" in alert.body

    # Back on track, then at risk again: a new change, a new alert.
    Goal.objects.filter(pk=goal.pk).update(progress=0.5)
    _scan("alerts", world)
    Goal.objects.filter(pk=goal.pk).update(progress=0.3)
    assert _scan("alerts", world).created == 2
    assert HealthChange.objects.filter(goal=goal).count() == 2


def test_owner_confidence_moving_to_at_risk_alerts_too(world, no_enqueue):
    goal = make_goal(world.peer, progress=0.2)
    _scan("alerts", world)
    Goal.objects.filter(pk=goal.pk).update(confidence="at_risk")
    assert _scan("alerts", world).created == 2  # Pete and his line manager (the admin)
    assert _recipients(DeliveryKind.HEALTH_ALERT) == sorted([world.peer.pk, world.admin.pk])


def test_getting_better_is_not_an_alert(world, no_enqueue):
    goal = make_goal(world.member, confidence="off_track", progress=0.2)
    _scan("alerts", world)
    Goal.objects.filter(pk=goal.pk).update(confidence="at_risk")
    assert _scan("alerts", world).created == 0


# --- due soon ------------------------------------------------------------------------------


def test_due_soon_tells_the_owner_once_n_days_before(world, no_enqueue):
    ReminderPolicy.objects.create(organization=world.org_a, due_soon_days=3)
    soon = make_goal(world.member, title="Soon", due_date=date(2026, 4, 2))
    make_goal(world.member, title="Later", due_date=date(2026, 4, 20))
    step = Milestone.objects.create(organization=world.org_a, goal=soon, title="Draft", due_date=date(2026, 4, 1))
    Milestone.objects.create(
        organization=world.org_a,
        goal=soon,
        title="Done already",
        due_date=date(2026, 4, 1),
        completed_at=datetime.now(UTC),
    )
    result = _scan("due_soon", world)
    assert result.created == 2
    periods = set(Delivery.objects.filter(kind=DeliveryKind.DUE_SOON).values_list("period", flat=True))
    assert periods == {f"goal-{soon.pk}-2026-04-02", f"step-{step.pk}-2026-04-01"}
    assert _scan("due_soon", world).created == 0


def test_due_soon_off_with_zero_days(world, no_enqueue):
    ReminderPolicy.objects.create(organization=world.org_a, due_soon_days=0)
    make_goal(world.member, due_date=date(2026, 4, 1))
    assert _scan("due_soon", world).created == 0


def test_team_goal_due_soon_goes_to_the_team_managers(world, no_enqueue):
    Goal.objects.create(
        organization=world.org_a,
        owner_team=world.team,
        title="Team goal",
        status=GoalStatus.ACTIVE,
        due_date=date(2026, 4, 1),
    )
    _scan("due_soon", world)
    assert _recipients(DeliveryKind.DUE_SOON) == [world.manager.pk]


# --- celebrations --------------------------------------------------------------------------


def test_celebration_tells_the_owner_by_email_and_the_team_in_the_app_once(world, no_enqueue, outbox):
    goal = make_goal(world.member)
    Celebration.objects.create(
        organization=world.org_a,
        goal=goal,
        member=world.member,
        kind=CelebrationKind.KR_TARGET,
        subject="Revenue: target reached",
    )
    now = datetime.now(UTC)
    result = _scan("celebrations", world, when=now)
    assert _recipients(DeliveryKind.CELEBRATION) == sorted([world.member.pk, world.manager.pk])
    assert _scan("celebrations", world, when=now).created == 0
    deliver_all(result.delivery_ids)
    assert [m.to[0] for m in outbox] == [world.member.user.email]  # teammates: in the app only
    assert Notification.objects.filter(kind="celebration", recipient=world.manager).exists()


# --- manager notices -------------------------------------------------------------------------


def test_manager_gets_one_notice_the_day_after_the_check_in_day(world, no_enqueue, outbox):
    make_checkin(world.member, date(2026, 3, 30))
    monday_evening = datetime(2026, 3, 30, 20, 0, tzinfo=UTC)
    _scan("manager_notices", world, when=monday_evening)  # the check-in day itself: too early for this week
    assert not Delivery.objects.filter(kind=DeliveryKind.MANAGER_NOTICE, period="2026-03-30").exists()
    result = _scan("manager_notices", world)
    notices = Delivery.objects.filter(kind=DeliveryKind.MANAGER_NOTICE, period="2026-03-30")
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted([world.manager.pk, world.admin.pk])
    assert _scan("manager_notices", world).created == 0
    with time_machine.travel(TUESDAY_10_UTC, tick=False):
        deliver_all(result.delivery_ids)
    to_manager = [m for m in outbox if m.to == [world.manager.user.email] and "2026" not in m.subject]
    body = to_manager[-1].body
    assert "Checked in:" in body and world.member.user.full_name in body
    to_admin = next(m for m in outbox if m.to == [world.admin.user.email] and "30 March" in m.subject)
    assert "Not yet:" in to_admin.body and world.peer.user.full_name in to_admin.body


# --- digests -------------------------------------------------------------------------------


def test_weekly_digests_for_managers_and_people_with_goals(world, no_enqueue, outbox):
    goal = make_goal(world.member, title="Grow revenue", start_date=date(2026, 1, 1), due_date=date(2026, 6, 30))
    checkin = make_checkin(world.member, date(2026, 3, 23), goal=goal, progress=0.4)
    Blocker.objects.create(
        organization=world.org_a, goal=goal, checkin=checkin, author=world.member, text="Waiting on data"
    )
    result = _scan("digests", world, when=datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    kinds = set(Delivery.objects.filter(pk__in=result.delivery_ids).values_list("kind", "recipient_id"))
    assert (DeliveryKind.PERSONAL_DIGEST, world.member.pk) in kinds
    assert (DeliveryKind.MANAGER_DIGEST, world.manager.pk) in kinds
    assert (DeliveryKind.PERSONAL_DIGEST, world.peer.pk) not in kinds  # no goals, no personal digest
    assert _scan("digests", world, when=datetime(2026, 3, 31, 9, 0, tzinfo=UTC)).created == 0
    with time_machine.travel(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), tick=False):
        deliver_all(result.delivery_ids)
    team = Digest.objects.get(recipient=world.manager, kind="manager")
    assert team.period_start == date(2026, 3, 23)
    assert team.data["blockers"][0]["text"] == "Waiting on data"
    assert [g["title"] for g in team.data["goals"]] == ["Grow revenue"]
    mine = Digest.objects.get(recipient=world.member, kind="personal")
    assert mine.data["checked_in"] is True and mine.data["streak"] >= 1
    note = Notification.objects.get(recipient=world.member, kind="digest")
    assert note.url == f"/digests/{mine.public_id}/"


def test_team_managers_get_a_manager_digest_for_their_team(world, no_enqueue):
    TeamMembership.objects.filter(team=world.team, membership=world.manager).update(role=TeamRole.MANAGER)
    world.member.line_manager = None
    world.member.save()
    result = _scan("digests", world, when=datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    assert (DeliveryKind.MANAGER_DIGEST, world.manager.pk) in set(
        Delivery.objects.filter(pk__in=result.delivery_ids).values_list("kind", "recipient_id")
    )
