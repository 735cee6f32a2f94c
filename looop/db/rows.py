"""`save()` for rows written on every SCIM request, as one precompiled statement.

`Model.save()` compiles its INSERT or UPDATE each time and runs the save machinery
(signals, parent models, field checks): about 0.2 ms of CPU for a user, more than the
database spends on the row. These helpers run the same statement with the same field
values (`pre_save` fills `auto_now` and `auto_now_add`), compiled once per model and set
of fields. They send no `pre_save`/`post_save` signals, so use them only for models that
have no receivers and no multi-table inheritance.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Field, Model


@lru_cache(maxsize=128)
def _insert_sql(model: type[Model]) -> tuple[str, tuple[Field, ...]]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.generated)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, fields


def set_clause(model: type[Model], names: Sequence[str]) -> tuple[str, tuple[Field, ...]]:
    """`"column" = %s, …` for the named fields of an UPDATE, and those fields in order."""
    fields = tuple(model._meta.get_field(name) for name in names)
    return ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields), fields


@lru_cache(maxsize=128)
def _update_sql(model: type[Model], names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    sets, fields = set_clause(model, names)
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(model._meta.pk.column)} = %s"
    )
    return sql, fields


def row_insert(obj: Model, *, also: tuple[str, Sequence[Any]] | None = None) -> None:
    """`obj.save(force_insert=True)` for a model whose primary key has a Python default.
    `also`: (sql, params) of a second write done in the same statement, as a data-modifying
    CTE that reads the inserted row as `written` (an audit entry: one round trip, not four)."""
    sql, fields = _insert_sql(type(obj))
    if obj.pk is None:
        raise ValueError("row_insert needs the primary key set before the insert.")
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if also is not None:
        sql = f"WITH written AS ({sql} RETURNING 1), also AS ({also[0]}) SELECT 1"
        values += list(also[1])
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    obj._state.adding = False
    obj._state.db = connection.alias


def row_update(obj: Model, names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)`."""
    sql, fields = _update_sql(type(obj), tuple(names))
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
