"""Plain INSERTs of model instances, for the one path where Django's insert is too slow.

`Model.objects.create()` spends ~100-200 us building SQL through the query compiler for
each statement, and on PostgreSQL every statement is a round trip. A public form
submission writes a request, its lines and its sealed contact, and must cost no more
than two bare one-row requests (benchmarks/request_form.py). These helpers write the
same rows (defaults, `pre_save`, each field's own database preparation) with SQL built
from the model's metadata: on PostgreSQL a request and its rows are one statement.
They send no model signals; nothing here listens to them.
Written here because no maintained library offers a lighter insert than Django's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import RawSQL


def _db() -> BaseDatabaseWrapper:
    # The connection itself: each attribute read through `django.db.connection` (a
    # per-thread proxy) costs a lookup, and preparing a row reads dozens.
    return connections[DEFAULT_DB_ALIAS]


def _quote(name: str | None) -> str:
    return _db().ops.quote_name(str(name))


@cache
def _columns(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    pk = model._meta.pk
    return tuple(field for field in model._meta.concrete_fields if field is not pk)


def _values(
    instance: models.Model,
    parent: models.Model | None = None,
    parent_key: tuple[str, list[Any]] = ("", []),
) -> tuple[str, list[Any]]:
    """`(...)` with one placeholder per column, and its parameters. A RawSQL value is
    written in place; a column pointing to `parent` gets `parent_key` (SQL, params)."""
    db = _db()
    marks: list[str] = []
    params: list[Any] = []
    for field in _columns(type(instance)):
        if parent is not None and field.is_relation and _points_to(field, instance, parent):
            marks.append(parent_key[0])
            params.extend(parent_key[1])
            continue
        value = field.pre_save(instance, True)
        if isinstance(value, RawSQL):
            marks.append(f"({value.sql})")
            params.extend(value.params)
        else:
            marks.append("%s")
            params.append(field.get_db_prep_save(value, db))
    return "(" + ", ".join(marks) + ")", params


def _points_to(field: models.Field[Any, Any], instance: models.Model, parent: models.Model) -> bool:
    return field.get_cached_value(instance, None) is parent  # type: ignore[attr-defined]


@cache
def _head(model: type[models.Model]) -> str:
    names = ", ".join(_quote(field.column) for field in _columns(model))
    return f"INSERT INTO {_quote(model._meta.db_table)} ({names}) VALUES "


def _rows(
    model: type[models.Model],
    instances: Sequence[models.Model],
    parent: models.Model,
    parent_key: tuple[str, list[Any]],
) -> tuple[str, list[Any]]:
    """One INSERT of all these instances of `model`, and its parameters."""
    rows = [_values(instance, parent, parent_key) for instance in instances]
    params = [param for _sql, row_params in rows for param in row_params]
    return _head(model) + ", ".join(sql for sql, _params in rows), params


def _read_back(instance: models.Model) -> list[models.Field[Any, Any]]:
    """The primary key, then every field given as an expression (computed by the database)."""
    return [
        field
        for field in _columns(type(instance))
        if isinstance(getattr(instance, field.attname), RawSQL)
    ]


def _returning(instance: models.Model) -> str:
    names = [instance._meta.pk.column, *(field.column for field in _read_back(instance))]
    return " RETURNING " + ", ".join(_quote(name) for name in names)


def _saved(
    instance: models.Model, row: Sequence[Any], computed: list[models.Field[Any, Any]]
) -> None:
    instance.pk = row[0]
    for field, value in zip(computed, row[1:], strict=True):
        setattr(instance, field.attname, field.to_python(value))
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


def _check_new(instances: Sequence[models.Model]) -> None:
    if any(instance.pk is not None for instance in instances):
        raise ValueError("rows are inserted as new; an instance already has a primary key")


def insert(instance: models.Model) -> None:
    """INSERT one new instance and give it its primary key (and the values of fields set
    to RawSQL expressions)."""
    _check_new([instance])
    computed = _read_back(instance)
    values, params = _values(instance)
    with _db().cursor() as cursor:
        cursor.execute(_head(type(instance)) + values + _returning(instance), params)
        row = cursor.fetchone()
    assert row is not None
    _saved(instance, row, computed)


def insert_tree(parent: models.Model, children: Sequence[models.Model]) -> None:
    """INSERT a new instance and new instances that point to it, all or nothing.

    The parent gets its primary key; the children's keys stay unset. On PostgreSQL this is
    one statement (one round trip); elsewhere the inserts share one transaction. Inside an
    open transaction a failure rolls back to a savepoint, leaving that transaction usable.
    """
    _check_new([parent, *children])
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for child in children:
        by_model.setdefault(type(child), []).append(child)
    if _db().vendor != "postgresql":
        with transaction.atomic():
            insert(parent)
            for model, group in by_model.items():
                sql, params = _rows(model, group, parent, ("%s", [parent.pk]))
                with _db().cursor() as cursor:
                    cursor.execute(sql, params)
        return
    computed = _read_back(parent)
    values, params = _values(parent)
    parts = [f"parent AS ({_head(type(parent))}{values}{_returning(parent)})"]
    parent_key: tuple[str, list[Any]] = (
        f"(SELECT {_quote(parent._meta.pk.column)} FROM parent)",
        [],
    )
    for number, (model, group) in enumerate(by_model.items()):
        child_sql, child_params = _rows(model, group, parent, parent_key)
        parts.append(f"child{number} AS ({child_sql})")
        params.extend(child_params)
    returned = ", ".join(
        _quote(name) for name in [parent._meta.pk.column, *(f.column for f in computed)]
    )
    sql = f"WITH {', '.join(parts)} SELECT {returned} FROM parent"
    # Outside a transaction the one statement is atomic by itself; BEGIN and COMMIT would
    # only add two round trips.
    savepoint = transaction.atomic() if _db().in_atomic_block else nullcontext()
    with savepoint, _db().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    _saved(parent, row, computed)
