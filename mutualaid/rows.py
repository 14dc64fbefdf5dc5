"""Plain INSERTs of model instances, for the one path where Django's insert is too slow.

`Model.objects.create()` spends ~100-200 us building SQL through the query compiler for
each statement, a public form submission makes three, and the whole submission must
cost no more than two bare requests (benchmarks/request_form.py). These helpers write
the same row (defaults, `pre_save`, the fields' own database preparation) with SQL built
straight from the model's metadata. They send no model signals; nothing here uses them.
Written here because no maintained library offers a lighter insert than Django's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    pk = model._meta.pk
    return [field for field in model._meta.concrete_fields if field is not pk]


def _insert_sql(model: type[models.Model], rows: int, *, returning: bool) -> str:
    quote = connection.ops.quote_name
    fields = _columns(model)
    names = ", ".join(quote(str(field.column)) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([row] * rows)}"
    if returning:
        sql += f" RETURNING {quote(str(model._meta.pk.column))}"
    return sql


def _params(instances: Sequence[models.Model]) -> list[Any]:
    fields = _columns(type(instances[0]))
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for instance in instances
        for field in fields
    ]


def _saved(instance: models.Model) -> None:
    instance._state.adding = False
    instance._state.db = connection.alias


def insert(instance: models.Model) -> None:
    """INSERT one new instance (its pk must be unset) and give it its primary key."""
    if instance.pk is not None:
        raise ValueError("insert() writes new rows; this instance already has a primary key")
    model = type(instance)
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(_insert_sql(model, 1, returning=True), _params([instance]))
            row = cursor.fetchone()
            assert row is not None
            instance.pk = row[0]
        else:  # pragma: no cover - SQLite before 3.35
            cursor.execute(_insert_sql(model, 1, returning=False), _params([instance]))
            instance.pk = connection.ops.last_insert_id(
                cursor, model._meta.db_table, str(model._meta.pk.column)
            )
    _saved(instance)


def insert_all(instances: Sequence[models.Model]) -> None:
    """INSERT new instances of one model in one statement. Their primary keys stay unset
    (the order of returned keys is not guaranteed on SQLite); reload them if you need them."""
    if not instances:
        return
    model = type(instances[0])
    if any(type(instance) is not model or instance.pk is not None for instance in instances):
        raise ValueError("insert_all() writes new rows of one model")
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(instances), returning=False), _params(instances))
