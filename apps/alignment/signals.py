"""React to writes in the goals app (which never imports alignment).

* A key result is saved (a value set by hand or by a check-in, an edit, a new
  copy): when other key results count toward it, its stored progress becomes
  the combined value; when it counts toward another, that one (and its goal,
  and everything above) is refreshed. The caller recomputes the key result's
  own goal afterwards, as every goals/check-ins service already does.
* A key result is deleted: the one it counted toward is refreshed.
* A goal is closed or reopened: a dropped goal's key results stop counting
  toward others (and count again when it is reopened).
* The organization's roll-up mode changes: everything is recomputed once the
  change is committed.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from apps.core import dataversion
from apps.goals.models import EventKind, GoalEvent, GoalSettings, KeyResult

from . import rollup


@receiver(post_save, sender=KeyResult, dispatch_uid="alignment.kr_saved")
def kr_saved(sender, instance: KeyResult, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from .services import kr_refresh, kr_rollup_progress

    if not created and KeyResult.objects.filter(contributes_to_id=instance.pk).exists():
        value = kr_rollup_progress(instance)
        if abs(value - instance.progress) > rollup.TOLERANCE:
            KeyResult.objects.filter(pk=instance.pk).update(progress=value)
            dataversion.bump(instance.organization_id, goals=[instance.goal_id])
            instance.progress = value  # the caller's copy shows (and recomputes its goal with) the stored value
    if instance.contributes_to_id:
        kr_refresh(instance.contributes_to_id)


@receiver(pre_delete, sender=KeyResult, dispatch_uid="alignment.kr_deleting")
def kr_deleting(sender, instance: KeyResult, **kwargs) -> None:
    # The stored link counts (the caller's copy may be older than the last kr_contribute).
    instance._alignment_parent_id = (
        KeyResult.objects.filter(pk=instance.pk).values_list("contributes_to_id", flat=True).first()
    )


@receiver(post_delete, sender=KeyResult, dispatch_uid="alignment.kr_deleted")
def kr_deleted(sender, instance: KeyResult, **kwargs) -> None:
    parent_id = getattr(instance, "_alignment_parent_id", instance.contributes_to_id)
    if parent_id:
        from .services import kr_refresh

        kr_refresh(parent_id)


@receiver(post_save, sender=GoalEvent, dispatch_uid="alignment.goal_status_changed")
def goal_status_changed(sender, instance: GoalEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created or instance.kind not in (EventKind.CLOSED, EventKind.STATUS):
        return
    from .services import kr_refresh

    parents = (
        KeyResult.objects.filter(goal_id=instance.goal_id, contributes_to__isnull=False)
        .values_list("contributes_to_id", flat=True)
        .distinct()
    )
    for parent_id in list(parents):
        kr_refresh(parent_id)


@receiver(pre_save, sender=GoalSettings, dispatch_uid="alignment.settings_before")
def settings_before(sender, instance: GoalSettings, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._alignment_old_mode = None
        return
    instance._alignment_old_mode = (
        GoalSettings.objects.filter(pk=instance.pk).values_list("rollup_mode", flat=True).first()
    )


@receiver(post_save, sender=GoalSettings, dispatch_uid="alignment.settings_saved")
def settings_saved(sender, instance: GoalSettings, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    old = getattr(instance, "_alignment_old_mode", None)
    if created:
        if instance.rollup_mode == GoalSettings.RollupMode.BOTH:
            return  # the default every stored number was computed with
    elif old is None or old == instance.rollup_mode:
        return
    organization_id = instance.organization_id
    transaction.on_commit(lambda: rollup.rollup_recompute_all(organization_id))
