"""``manage.py notify_now``: scan now (all kinds or some), dry run, or send in-process."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from apps.notifications.models import Delivery

MONDAY_10_UTC = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def _run(*args) -> str:
    out = StringIO()
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        call_command("notify_now", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_who_is_due_and_records_nothing(world):
    output = _run("--kind", "reminders", "--dry-run", "--org", "acme")
    assert "reminders: 4 due (dry run, nothing recorded)" in output
    assert f"member {world.member.pk}" in output
    assert not Delivery.objects.exists()


def test_sync_sends_in_process_and_a_second_run_sends_nothing(world, outbox):
    first = _run("--kind", "reminders", "--sync", "--org", "acme")
    second = _run("--kind", "reminders", "--sync", "--org", "acme")
    assert "reminders: 4 due, 4 new sends queued" in first and "sent 4" in first
    assert "reminders: 0 due, 0 new sends queued" in second
    assert len(outbox) == 4


def test_without_sync_the_sends_are_handed_to_the_worker_after_commit(
    world, no_enqueue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--kind", "reminders", "--org", "acme")
    assert sum(len(ids) for ids in no_enqueue) == 4


def test_unknown_organization_is_an_error(world):
    with pytest.raises(CommandError):
        _run("--org", "nope")
