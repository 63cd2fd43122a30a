from django.db.models import F
from django.utils import timezone

from .models import BeatTick


def beat_tick_record(*, name: str) -> None:
    """Record that the beat schedule reached a worker (shown on /healthz)."""
    now = timezone.now()
    updated = BeatTick.objects.filter(name=name).update(ticked_at=now, count=F("count") + 1)
    if not updated:
        BeatTick.objects.get_or_create(name=name, defaults={"ticked_at": now, "count": 1})
