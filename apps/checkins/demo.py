"""Demo check-in history: a weekly check-in for every week of each demo goal so far.

Values walk from each key result's start to its current value (set by the goals
demo), with the wobble real weeks have; confidence drifts with progress; wins,
blockers and next steps come from small role-neutral pools. One goal went quiet:
its owner still checks in on their other goals, but its last check-in (and last
value update) is about three weeks old, so it shows among the alignment gaps.
Runs once per organization (skipped when check-ins exist).
"""

import random
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.goals.models import EventKind, Goal, GoalEvent, GoalStatus, KeyResult

from .models import Blocker, Celebration, CelebrationKind, CheckIn, CheckinSubmission, KeyResultUpdate, Kudos
from .services import period_start

WINS = [
    "Closed the loop with the two stakeholders who were waiting on us.",
    "Shipped the first version and got useful feedback within a day.",
    "Paired with a teammate and cleared the backlog item that had stalled.",
    "Good week: the numbers moved after the change we made last Tuesday.",
    "Finished the preparation work, so next week can go straight to execution.",
    "Got a yes from the customer on the pilot.",
    "Ran the experiment as planned; results are clear enough to act on.",
]
BLOCKERS = [
    "Waiting on access to the reporting data since Monday.",
    "Two people out sick: the review slipped a week.",
    "The vendor has not confirmed the contract terms yet.",
    "Priorities changed mid-week; this goal got less time than planned.",
    "Need a decision on scope before we can continue.",
]
NEXT_STEPS = [
    "Book the follow-up meetings and send the summary.",
    "Finish the draft and ask for review by Thursday.",
    "Measure again after the change has run for a full week.",
    "Split the remaining work into two smaller pieces.",
    "Ask my manager for help with the dependency on the other team.",
]
# Goals whose check-ins stopped about three weeks ago: title → (no check-in after this long before
# today, what the last one said was in the way).
WENT_QUIET = {
    "Retire the legacy reporting service": (
        timedelta(days=18),  # its last check-in falls 18 to 24 days ago
        "The latency work needs me full time until the schema change ships; this waits until then.",
    ),
}


def _status_for(progress: float, expected: float) -> tuple[str, int]:
    behind = (expected - progress) * 100
    if behind <= 10:
        return "on_track", 7 + (1 if behind < 0 else 0)
    if behind <= 25:
        return "at_risk", 5
    return "off_track", 3


@transaction.atomic
def seed_checkins(*, organization, members, today=None) -> int:
    if CheckIn.objects.filter(organization=organization).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(f"checkins-{organization.slug}")
    goals = list(
        Goal.objects.filter(organization=organization, owner_member__isnull=False)
        .exclude(status__in=[GoalStatus.DRAFT, GoalStatus.DROPPED])
        .select_related("owner_member__user", "cycle")
        .prefetch_related("key_results")
    )
    this_week = period_start(today)
    submissions: dict[tuple[int, object], CheckinSubmission] = {}
    created = 0
    # A couple of people have not checked in this week yet, so managers see a gap.
    skip_this_week = {m.pk for key, m in members.items() if key in {"carmen", "zoe", "nora"}}
    for goal in goals:
        if goal.start_date is None:
            continue
        end = min(goal.due_date or today, today) if goal.status == GoalStatus.ACTIVE else (goal.due_date or today)
        quiet = WENT_QUIET.get(goal.title) if goal.status == GoalStatus.ACTIVE else None
        if quiet:
            end = min(end, today - quiet[0])
        week = period_start(goal.start_date)
        weeks = []
        while week <= end:
            if week + timedelta(days=3) >= goal.start_date:
                weeks.append(week)
            week += timedelta(days=7)
        if not weeks:
            continue
        author = goal.owner_member
        if goal.status == GoalStatus.ACTIVE and weeks[-1] == this_week and author.pk in skip_this_week:
            weeks = weeks[:-1]
        krs: list[KeyResult] = list(goal.key_results.all())
        previous = {kr.pk: kr.start_value for kr in krs}
        span_days = max(1, ((goal.due_date or today) - goal.start_date).days)
        for index, week in enumerate(weeks, start=1):
            share = index / len(weeks)
            day = min(
                week + timedelta(days=rng.choice([0, 0, 1, 4])),
                end if goal.status == GoalStatus.ACTIVE else week + timedelta(days=4),
            )
            moment = timezone.make_aware(datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60))))
            updates = []
            for kr in krs:
                if index == len(weeks):
                    value = kr.current_value
                else:
                    wobble = Decimal(str(rng.uniform(-0.06, 0.06)))
                    value = kr.start_value + (kr.current_value - kr.start_value) * (Decimal(str(share)) + wobble)
                    value = (
                        value.quantize(Decimal("1"))
                        if abs(kr.target_value - kr.start_value) >= 10
                        else value.quantize(Decimal("0.1"))
                    )
                    if kr.metric_type in ("boolean", "milestone"):
                        value = Decimal(0)
                if value != previous[kr.pk]:
                    kr_copy = KeyResult(
                        start_value=kr.start_value,
                        target_value=kr.target_value,
                        current_value=value,
                        direction=kr.direction,
                        metric_type=kr.metric_type,
                    )
                    updates.append((kr, previous[kr.pk], value, kr_copy.compute_progress()))
                    previous[kr.pk] = value
            progress_now = goal.progress * share if index < len(weeks) else goal.progress
            expected = min(1.0, max(0.0, (day - goal.start_date).days / span_days))
            status, confidence = _status_for(progress_now, expected)
            confidence = max(1, min(10, confidence + rng.choice([-1, 0, 0, 1])))
            key = (author.pk, week)
            submission = submissions.get(key)
            if submission is None:
                submission = CheckinSubmission.objects.create(
                    organization=organization, author=author, idempotency_key=uuid.uuid4(), period_start=week
                )
                submissions[key] = submission
            last_word = quiet[1] if quiet and index == len(weeks) else ""
            has_blocker = (status != "on_track" and rng.random() < 0.6) or bool(last_word)
            checkin = CheckIn.objects.create(
                organization=organization,
                submission=submission,
                goal=goal,
                author=author,
                period_start=week,
                confidence=confidence,
                status=status,
                progress=round(progress_now, 4),
                wins=rng.choice(WINS) if rng.random() < 0.8 else "",
                blockers=last_word or (rng.choice(BLOCKERS) if has_blocker else ""),
                next_steps=rng.choice(NEXT_STEPS),
            )
            CheckIn.objects.filter(pk=checkin.pk).update(created_at=moment)
            rows = [
                KeyResultUpdate(
                    organization=organization, checkin=checkin, key_result=kr, old_value=old, new_value=new, progress=p
                )
                for kr, old, new, p in updates
            ]
            KeyResultUpdate.objects.bulk_create(rows)
            KeyResultUpdate.objects.filter(checkin=checkin).update(created_at=moment)
            if has_blocker:
                resolved = index < len(weeks) - 1 or goal.status != GoalStatus.ACTIVE
                blocker = Blocker.objects.create(
                    organization=organization,
                    goal=goal,
                    checkin=checkin,
                    author=author,
                    text=checkin.blockers,
                    help_from=author.line_manager if rng.random() < 0.4 else None,
                    resolved_at=moment + timedelta(days=3) if resolved else None,
                    resolved_by=author if resolved else None,
                )
                Blocker.objects.filter(pk=blocker.pk).update(created_at=moment)
            created += 1
        if quiet:  # its values were last updated with that last check-in
            GoalEvent.objects.filter(goal=goal, kind=EventKind.KR_VALUE).update(created_at=moment)
        for kr in krs:
            if kr.progress >= 1.0:
                celebration, made = Celebration.objects.get_or_create(
                    key_result=kr,
                    kind=CelebrationKind.KR_TARGET,
                    defaults={
                        "organization": organization,
                        "goal": goal,
                        "member": author,
                        "subject": f"{kr.title}: target reached",
                    },
                )
                if made and author.line_manager_id:
                    Kudos.objects.get_or_create(
                        celebration=celebration, giver=author.line_manager, defaults={"organization": organization}
                    )
    for submission in submissions.values():
        first = submission.checkins.order_by("created_at").values_list("created_at", flat=True).first()
        if first:
            CheckinSubmission.objects.filter(pk=submission.pk).update(created_at=first)
    return created
