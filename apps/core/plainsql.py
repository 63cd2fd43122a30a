"""Model instances from hand-written SQL, without compiling a queryset.

For the few reads that run on every request of a heavy page, compiling the
queryset costs more than running it. ``select_list`` writes a model's select list
(every concrete column, in field order) and ``load`` turns each row back
into model instances, exactly as the ORM would load them (``Model.from_db``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connection
from django.db.models import Model


@cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def select_list(model: type[Model], alias: str) -> str:
    """``alias.col, alias.col, …`` for every concrete field of ``model``."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def load(rows: Iterable[Sequence], *models: type[Model]) -> list[tuple[Model, ...]]:
    """One tuple of instances per row, the row holding ``select_list(model)`` of each model in turn."""
    layout = []
    start = 0
    for model in models:
        names = _attnames(model)
        layout.append((model, names, start, start + len(names)))
        start += len(names)
    db = connection.alias
    return [tuple(model.from_db(db, names, row[a:b]) for model, names, a, b in layout) for row in rows]
