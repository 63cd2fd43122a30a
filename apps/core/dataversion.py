"""A per-organization data version: one cache counter that any write of the organization bumps.

Pages that cache what they computed (the dashboards) put the version in their
cache key, so a write makes every older entry unreachable at once; nothing has
to find and delete them. ``bump`` runs twice: now (later reads in the same
transaction and in tests miss) and again on commit (a read that re-cached the
old rows between the write and the commit misses too). Lower apps call ``bump``
for writes that skip model signals (``QuerySet.update``, raw SQL); the
dashboards app bumps on every ``post_save`` / ``post_delete`` of the models it reads.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction


def _key(organization_id: int) -> str:
    return f"orgdata:v:{int(organization_id)}"


def current(organization_id: int) -> int:
    """The organization's data version (created on first use from the clock, so an evicted counter never repeats)."""
    key = _key(organization_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns() // 1000, timeout=None)
        value = cache.get(key)
    return int(value or 0)


def _incr(organization_id: int) -> None:
    key = _key(organization_id)
    try:
        cache.incr(key)
    except ValueError:  # missing (never read, or evicted): start again from the clock
        cache.add(key, time.time_ns() // 1000, timeout=None)


def bump(organization_id: int | None) -> None:
    """Invalidate everything cached for the organization, now and when the current transaction commits."""
    if organization_id is None:
        return
    _incr(organization_id)
    transaction.on_commit(lambda: _incr(organization_id))


# --- bumping on model writes ----------------------------------------------------------------------
# Apps that cache by the data version connect the models they read; the same model connected twice
# (by two apps) is one receiver (``dispatch_uid``). Core imports no higher app: models come as arguments.


def _org_row_changed(sender, instance, **kwargs) -> None:
    bump(instance.organization_id)


def _organization_changed(sender, instance, **kwargs) -> None:
    bump(instance.pk)


def connect(*, org_owned, organization=None, user=None, membership=None) -> None:
    """Bump on every save and delete of ``org_owned`` rows (each has ``organization_id``), of the
    organization itself, and of a user (a name or an active flag shows in every organization they are in)."""
    from django.db.models.signals import post_delete, post_save

    for model in org_owned:
        post_save.connect(_org_row_changed, sender=model, dispatch_uid=f"dataversion-{model._meta.label}")
        post_delete.connect(_org_row_changed, sender=model, dispatch_uid=f"dataversion-del-{model._meta.label}")
    if organization is not None:
        post_save.connect(_organization_changed, sender=organization, dispatch_uid="dataversion-org")
    if user is not None and membership is not None:

        def user_changed(sender, instance, **kwargs) -> None:
            update_fields = kwargs.get("update_fields")
            if kwargs.get("created") or (
                update_fields is not None and set(update_fields) <= {"last_login", "password"}
            ):
                return
            for organization_id in membership.objects.filter(user_id=instance.pk).values_list(
                "organization_id", flat=True
            ):
                bump(organization_id)

        post_save.connect(user_changed, sender=user, dispatch_uid="dataversion-user", weak=False)
