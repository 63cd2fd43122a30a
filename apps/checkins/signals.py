"""React to goal history: a completed milestone is a celebration (recorded once)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.goals.models import EventKind, GoalEvent, Milestone

from .models import Celebration, CelebrationKind


@receiver(post_save, sender=GoalEvent, dispatch_uid="checkins.celebrate_milestone")
def celebrate_milestone(sender, instance: GoalEvent, created: bool, **kwargs) -> None:
    if not created or instance.kind != EventKind.MILESTONE_DONE:
        return
    goal = instance.goal
    milestone = (
        Milestone.objects.filter(goal=goal, title=instance.subject, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    member = instance.actor or goal.owner_member
    if milestone is None or member is None:
        return
    Celebration.objects.get_or_create(
        milestone=milestone,
        kind=CelebrationKind.MILESTONE,
        defaults={
            "organization_id": goal.organization_id,
            "goal": goal,
            "member": member,
            "subject": f"Step done: {milestone.title}",
        },
    )
