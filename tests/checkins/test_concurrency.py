"""Two submissions for the same goal at the same moment, against PostgreSQL, each on its own connection.

The service locks the goal's key results (SELECT … FOR UPDATE) before it compares the value the
form showed with the stored one, so the second writer waits for the first and then sees its result:
different key results / text → both check-ins recorded; the same key result → the second is refused
with an explanation. Never a lost update.
"""

import threading
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.checkins import services
from apps.checkins.models import CheckIn, KeyResultUpdate
from apps.goals import services as goal_services
from apps.goals.models import KeyResult

pytestmark = pytest.mark.django_db(transaction=True)


def _entry(goal, kr, new, loaded, **fields):
    kr_values = [services.KRValueInput(key_result=kr, value=str(new), loaded_value=str(loaded))] if kr else []
    return services.CheckinInput(goal=goal, kr_values=kr_values, **fields)


def _race(monkeypatch, first, second):
    """Run ``first`` and ``second`` in two threads; ``second`` starts while ``first`` holds its row locks."""
    locked = threading.Event()
    real = goal_services.goal_recompute_progress

    def slow_recompute(goal, **kwargs):
        # Runs inside the first submission's transaction, after it locked the key results.
        if threading.current_thread().name == "first" and not locked.is_set():
            locked.set()
            time.sleep(0.6)  # hold the locks while the second submission starts and blocks
        return real(goal, **kwargs)

    monkeypatch.setattr(goal_services, "goal_recompute_progress", slow_recompute)
    outcomes: dict[str, object] = {}

    def run(name, work):
        try:
            outcomes[name] = work()
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    t1 = threading.Thread(target=run, args=("first", first), name="first")
    t2 = threading.Thread(target=run, args=("second", second), name="second")
    t1.start()
    assert locked.wait(10), "the first submission never reached its write"
    t2.start()
    t1.join(20)
    t2.join(20)
    assert not t1.is_alive() and not t2.is_alive()
    return outcomes


def test_concurrent_checkins_on_different_key_results_are_both_recorded(monkeypatch, cw):
    leads, demos = cw.leads, cw.demos
    member = cw.w.member
    outcomes = _race(
        monkeypatch,
        lambda: services.checkin_submit(
            actor=member, idempotency_key=uuid.uuid4(), entries=[_entry(cw.goal, leads, 30, 20, wins="Calls")]
        ),
        lambda: services.checkin_submit(
            actor=cw.w.manager,
            idempotency_key=uuid.uuid4(),
            entries=[
                services.CheckinInput(
                    goal=cw.goal,
                    kr_values=[
                        services.KRValueInput(key_result=leads, value="20", loaded_value="20"),  # untouched
                        services.KRValueInput(key_result=demos, value="4", loaded_value="2"),
                    ],
                    next_steps="Demo day",
                )
            ],
        ),
    )
    assert not isinstance(outcomes["first"], Exception), outcomes["first"]
    assert not isinstance(outcomes["second"], Exception), outcomes["second"]
    assert CheckIn.objects.filter(goal=cw.goal).count() == 2
    values = {kr.title: kr.current_value for kr in KeyResult.objects.filter(goal=cw.goal)}
    assert values == {"Qualified leads": 30, "Demos": 4}, "neither write was lost"


def test_concurrent_checkins_on_the_same_key_result_refuse_the_second(monkeypatch, cw):
    leads = cw.leads
    outcomes = _race(
        monkeypatch,
        lambda: services.checkin_submit(
            actor=cw.w.member, idempotency_key=uuid.uuid4(), entries=[_entry(cw.goal, leads, 30, 20)]
        ),
        lambda: services.checkin_submit(
            actor=cw.w.manager, idempotency_key=uuid.uuid4(), entries=[_entry(cw.goal, leads, 45, 20, wins="Mine")]
        ),
    )
    assert not isinstance(outcomes["first"], Exception), outcomes["first"]
    refused = outcomes["second"]
    assert isinstance(refused, ValidationError)
    assert "changed to 30 since you opened the page (you saw 20)" in str(refused.message_dict[f"kr-{leads.public_id}"])
    assert KeyResult.objects.get(pk=leads.pk).current_value == 30, "the first value stands: no lost update"
    assert CheckIn.objects.count() == 1
    assert list(KeyResultUpdate.objects.values_list("old_value", "new_value")) == [(20, 30)]


def test_the_same_submission_sent_twice_at_once_is_recorded_once(monkeypatch, cw):
    key = uuid.uuid4()

    def send():
        return services.checkin_submit(
            actor=cw.w.member, idempotency_key=key, entries=[_entry(cw.goal, cw.leads, 30, 20, wins="Once")]
        )

    outcomes = _race(monkeypatch, send, send)
    assert outcomes["first"].created is True
    assert outcomes["second"].created is False
    assert outcomes["second"].submission.pk == outcomes["first"].submission.pk
    assert CheckIn.objects.count() == 1 and KeyResultUpdate.objects.count() == 1
