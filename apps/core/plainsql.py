"""Model instances and field values from hand-written SQL, without compiling a queryset.

For the few reads that run on every request of a heavy page, compiling the
queryset costs more than running it. ``select_list`` writes a model's select list
(every concrete column, in field order); ``load`` turns each row back into model
instances and ``convert`` turns columns into field values, exactly as the ORM
would: the database backend's and the fields' converters run on each value
(SQLite hands back dates, UUIDs and decimals as text, for one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connection
from django.db.models import Field, Model


def select_list(model: type[Model], alias: str) -> str:
    """``alias.col, alias.col, …`` for every concrete field of ``model``."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@cache
def _converters(fields: tuple[Field | None, ...], vendor: str) -> tuple[tuple[int, tuple, object], ...]:
    """(position, converters, expression) for each column whose value the ORM would convert."""
    out = []
    for i, field in enumerate(fields):
        if field is None:
            continue
        col = field.get_col(field.model._meta.db_table)
        found = tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection))
        if found:
            out.append((i, found, col))
    return tuple(out)


def convert(rows: Iterable[Sequence], fields: Sequence[Field | None]) -> list[list]:
    """Each row's values as the ORM would load them; ``fields[i]`` is column i's model field (None: as is)."""
    steps = _converters(tuple(fields), connection.vendor)
    out = []
    for row in rows:
        values = list(row)
        for i, converters, col in steps:
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        out.append(values)
    return out


def load(rows: Iterable[Sequence], *models: type[Model]) -> list[tuple[Model, ...]]:
    """One tuple of instances per row, the row holding ``select_list(model)`` of each model in turn."""
    fields: list[Field] = []
    layout = []
    for model in models:
        concrete = model._meta.concrete_fields
        layout.append((model, tuple(f.attname for f in concrete), len(fields), len(fields) + len(concrete)))
        fields.extend(concrete)
    db = connection.alias
    return [
        tuple(model.from_db(db, names, values[a:b]) for model, names, a, b in layout)
        for values in convert(rows, fields)
    ]
