"""Thin Celery tasks: take ids, call one service. Idempotent by the ledger's claim, not by hope."""

from celery import shared_task

from . import services


@shared_task(name="notifications.scan", soft_time_limit=240, time_limit=300)
def scan(kinds: list[str] | None = None) -> dict:
    """Beat's entry point (every few minutes, in UTC): decide who is due now and fan out the sends."""
    results = services.scan(kinds=kinds)
    return {r.kind: r.created for r in results}


@shared_task(name="notifications.send_batch", soft_time_limit=240, time_limit=300)
def send_batch(delivery_ids: list[int]) -> dict:
    result = services.deliver_batch(delivery_ids=[int(i) for i in delivery_ids])
    return result.__dict__


@shared_task(name="notifications.sweep", soft_time_limit=120, time_limit=150)
def sweep() -> dict:
    return services.sweep().__dict__
