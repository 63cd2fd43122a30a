from celery import shared_task

from . import services


@shared_task(name="core.beat_tick")
def beat_tick() -> None:
    services.beat_tick_record(name="beat")
