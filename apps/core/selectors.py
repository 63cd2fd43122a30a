from django.db import connection

from .models import BeatTick


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"[:200]


def _broker_ok() -> tuple[bool, str]:
    from goalsite.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_type
    except Exception as error:
        return False, f"{type(error).__name__}: {error}"[:200]


def health_report() -> dict:
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    last_beat = None
    if db_ok:
        tick = BeatTick.objects.filter(name="beat").only("ticked_at").first()
        last_beat = tick.ticked_at.isoformat() if tick else None
    return {
        "status": "ok" if db_ok and broker_ok else "error",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "last_beat_tick": last_beat,
    }


def get_or_404(qs, **lookup):
    """One row of ``qs`` or a 404: a missing, out-of-reach or malformed id all look the same."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, ValidationError):
        raise Http404("Not found.") from None
