"""A per-organization data version: one cache counter that any write of the organization bumps.

Pages that cache what they computed (the dashboards) put the version in their
cache key, so a write makes every older entry unreachable at once; nothing has
to find and delete them. ``bump`` runs twice: now (later reads in the same
transaction and in tests miss) and again on commit (a read that re-cached the
old rows between the write and the commit misses too; that second renewal is made
once per transaction, for everything it wrote, in one Redis round trip). Lower apps call ``bump``
for writes that skip model signals (``QuerySet.update``, raw SQL); the
dashboards app bumps on every ``post_save`` / ``post_delete`` of the models it reads.

Scoped versions
---------------
Besides the organization's version there are two narrower ones, so a page about
one team is not recomputed for every write elsewhere in a 5,000-person organization:

* the **structure** version: teams, memberships, people, cycles, settings — the
  things that decide who is in a scope and who may see what. Bumped by writes of
  those, and by any bump that names no scope (an unscoped write invalidates all);
* a **team** version per team: bumped by writes of goals (and their key results,
  milestones, links, check-ins, blockers, celebrations) owned by the team or by a
  person in it, *and for every team above it*, so a team's version changes with
  anything in its subtree.

A page about team T is keyed by (structure, T). ``bump(org, goals=…, members=…,
teams=…)`` names what was written; the teams it touches are found by the resolver
the dashboards app registers (``set_team_resolver``: core imports no higher app).
Every bump, scoped or not, also bumps the organization's version.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction


def _key(organization_id: int) -> str:
    return f"orgdata:v:{int(organization_id)}"


def current(organization_id: int) -> int:
    """The organization's data version (created on first use from the clock, so an evicted counter never repeats)."""
    return int(read_versions(organization_id, whole=True)[0])


def _incr(organization_id: int) -> None:
    key = _key(organization_id)
    try:
        cache.incr(key)
    except ValueError:  # missing (never read, or evicted): start again from the clock
        cache.add(key, time.time_ns() // 1000, timeout=None)


def _struct_key(organization_id: int) -> str:
    return f"orgdata:s:{int(organization_id)}"


def _team_key(team_id: int) -> str:
    return f"orgdata:t:{int(team_id)}"


# (organization_id, goal ids, member ids, team ids) -> the team ids touched, ancestors included
TeamResolver = Callable[[int, set[int], set[int], set[int]], set[int]]
_resolver: TeamResolver | None = None


def set_team_resolver(resolver: TeamResolver | None) -> None:
    """Register how written goals / members / teams map to the teams whose version they bump."""
    global _resolver
    _resolver = resolver


def read_versions(
    organization_id: int, *, team_id: int | None = None, whole: bool = False, also: Iterable[str] = ()
) -> tuple[str, dict]:
    """A page's version and, in the same round trip, the cache entries ``also`` names.

    ``whole``: the organization's version (any write). Else the structure's, and with ``team_id``
    that team's (a write in its subtree). A missing token (never written, or evicted) is created,
    so it never repeats an old one.
    """
    if whole:
        versions = [_key(organization_id)]
    else:
        versions = [_struct_key(organization_id)] + ([_team_key(team_id)] if team_id is not None else [])
    extra = list(also)
    found = cache.get_many(versions + extra)
    missing = [key for key in versions if key not in found]
    if missing:
        for key in missing:
            cache.add(key, time.time_ns() // 1000 if whole else uuid.uuid4().hex[:16], timeout=None)
        found.update(cache.get_many(missing))
    return ".".join(str(found.get(key, "0")) for key in versions), {key: found[key] for key in extra if key in found}


def scope_tokens(organization_id: int, team_id: int | None) -> str:
    """The version of a page about one team (and its sub-teams): the structure's and the team's."""
    return read_versions(organization_id, team_id=team_id)[0]


_kept: dict[tuple[int, str], tuple[str, object]] = {}  # (organization, name) -> (structure token, value)


def per_structure(organization_id: int, name: str, load: Callable[[], object]):
    """``load()`` once per process and structure version of the organization, then kept.

    For what only structural writes change (its teams, say): one Redis read instead of a query,
    and the value is shared read-only between requests.
    """
    token = scope_tokens(organization_id, None)
    known = _kept.get((int(organization_id), name))
    if known is None or known[0] != token:
        known = _kept[(int(organization_id), name)] = (token, load())
    return known[1]


def renew(organization_id: int, keys: Iterable[str]) -> None:
    """Fresh tokens for ``keys`` (versions another module keeps for the organization), now and on commit.

    The on-commit renewal joins the transaction's one (``_after_commit``), however many writes ask.
    """
    keys = list(keys)
    _write([], keys)
    _after_commit(int(organization_id), keys)


def _renew(keys: list[str]) -> None:
    if keys:
        cache.set_many({key: uuid.uuid4().hex[:16] for key in keys}, timeout=None)


def _redis():
    """Django's Redis cache client, when that is the cache (else None: the portable, slower path)."""
    from django.core.cache.backends.redis import RedisCache

    return cache._cache if isinstance(cache, RedisCache) else None


def _write(organization_ids: Iterable[int], keys: Iterable[str]) -> None:
    """The organizations' versions +1 and fresh tokens for ``keys``: one round trip on Redis."""
    organization_ids, keys = list(organization_ids), list(keys)
    client = _redis()
    if client is None:
        for organization_id in organization_ids:
            _incr(organization_id)
        _renew(keys)
        return
    pipe = client.get_client(None, write=True).pipeline(transaction=False)
    for organization_id in organization_ids:
        key = cache.make_and_validate_key(_key(organization_id))
        pipe.set(key, time.time_ns() // 1000, nx=True)  # missing (evicted): start again from the clock
        pipe.incr(key)
    for key in keys:
        pipe.set(cache.make_and_validate_key(key), client._serializer.dumps(uuid.uuid4().hex[:16]))
    pipe.execute()


_pending = threading.local()  # this thread's transaction: what to renew once more when it commits


def _after_commit(organization_id: int, keys: list[str]) -> None:
    """Renew again on commit, once per transaction however many writes it made (see the module doc)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _write([organization_id], keys)  # autocommit: the write is already committed
        return
    state = getattr(_pending, "state", None)
    # A rolled-back transaction (or savepoint) dropped its callback: start a new set then.
    if state is None or not any(entry[1] is state["flush"] for entry in connection.run_on_commit):

        def flush() -> None:
            if getattr(_pending, "state", None) is state:
                _pending.state = None
            _write(sorted(state["organizations"]), sorted(state["keys"]))

        state = {"organizations": set(), "keys": set(), "flush": flush}
        _pending.state = state
        transaction.on_commit(flush)
    state["organizations"].add(organization_id)
    state["keys"].update(keys)


def bump(
    organization_id: int | None,
    *,
    goals: Iterable[int | None] = (),
    members: Iterable[int | None] = (),
    teams: Iterable[int | None] = (),
) -> None:
    """Invalidate what is cached for the organization, now and when the current transaction commits.

    Without ``goals`` / ``members`` / ``teams`` the write is structural (or unknown): every page of the
    organization misses. With them, pages about other teams stay cached: only the teams of those goals'
    owners, of those people and those teams (and every team above them) get a new version.
    """
    if organization_id is None:
        return
    goal_ids = {int(i) for i in goals if i}
    member_ids = {int(i) for i in members if i}
    team_ids = {int(i) for i in teams if i}
    if (goal_ids or member_ids or team_ids) and _resolver is not None:
        keys = [_team_key(t) for t in sorted(_resolver(int(organization_id), goal_ids, member_ids, team_ids))]
    else:
        keys = [_struct_key(organization_id)]
    _write([int(organization_id)], keys)
    _after_commit(int(organization_id), keys)


# --- bumping on model writes ----------------------------------------------------------------------
# Apps that cache by the data version connect the models they read; the same model connected twice
# (by two apps) is one receiver (``dispatch_uid``). Core imports no higher app: models come as arguments.


# model -> instance -> {"goals": ids, "members": ids, "teams": ids}: what a row's write touches.
# Looked up when the row is written (so whichever app connected the model first, the scope holds).
Scoper = Callable[[object], dict[str, Iterable[int | None]]]
_scopers: dict[type, Scoper] = {}


def set_scoper(model: type, scoper: Scoper) -> None:
    """Writes of ``model`` rows bump only the teams ``scoper(instance)`` names (see ``bump``)."""
    _scopers[model] = scoper


def _org_row_changed(sender, instance, **kwargs) -> None:
    scoper = _scopers.get(sender)
    if scoper is None:
        bump(instance.organization_id)
    else:
        bump(instance.organization_id, **scoper(instance))


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
