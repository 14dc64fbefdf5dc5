"""Set-based writes of many rows in ONE statement, whatever their number.

Django's bulk_create and bulk_update split work into batches bounded by the database's
parameter limit, and bulk_update builds a CASE with one branch per row, which grows
quadratically on SQLite. The stock-change path and the matching jobs must run a number of
queries that does not grow with the number of lots or requests, so rows travel as a
single JSON parameter and the database unpacks them (json_each on SQLite 3.33+,
jsonb_to_recordset on PostgreSQL).
Written here because no maintained library does this for both backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        fields.append(field)
    return fields


def _columns(model: type[models.Model], names: Sequence[str]) -> list[tuple[str, str]]:
    """(column, PostgreSQL type) for each field name."""
    result: list[tuple[str, str]] = []
    for field in _fields(model, names):
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        db_type = (
            target.rel_db_type(connection)
            if isinstance(field, models.ForeignKey)
            else field.db_type(connection)
        )
        result.append((str(field.column), (db_type or "text").replace("serial", "integer")))
    return result


def _rows_source(columns: list[tuple[str, str]]) -> str:
    """A FROM-able relation named v with the given columns, read from one JSON param."""
    if connection.vendor == "postgresql":
        spec = ", ".join(f'"{col}" {pg_type}' for col, pg_type in columns)
        return f"jsonb_to_recordset(%s::jsonb) AS v({spec})"
    picks = ", ".join(f"json_extract(j.value, '$.{col}') AS \"{col}\"" for col, _pg_type in columns)
    return f"(SELECT {picks} FROM json_each(%s) AS j) AS v"


def _payload(columns: list[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> str:
    names = [col for col, _pg_type in columns]
    return json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=str)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """INSERT every row in one statement. Values must be JSON-serializable (dates as ISO)."""
    if not rows:
        return 0
    columns = _columns(model, fields)
    names = ", ".join(f'"{col}"' for col, _pg_type in columns)
    table = model._meta.db_table
    prepare = _fields(model, fields)
    prepared = (
        [
            field.get_db_prep_value(value, connection)
            for field, value in zip(prepare, row, strict=True)
        ]
        for row in rows
    )
    sql = f'INSERT INTO "{table}" ({names}) SELECT {names} FROM {_rows_source(columns)}'
    with connection.cursor() as cursor:
        cursor.execute(sql, [_payload(columns, prepared)])
        return cursor.rowcount


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    values: Mapping[int, Sequence[int]],
    *,
    add: bool = False,
) -> int:
    """Set (or, with add=True, increase) integer columns of many rows by primary key, all
    columns of a row at once (so check constraints see the final row)."""
    if not values:
        return 0
    pk_column = str(model._meta.pk.column)
    columns = [(pk_column, "bigint")] + [(col, "integer") for col, _t in _columns(model, fields)]
    table = model._meta.db_table
    assignments = ", ".join(
        f'"{col}" = "{table}"."{col}" + v."{col}"' if add else f'"{col}" = v."{col}"'
        for col, _t in columns[1:]
    )
    sql = (
        f'UPDATE "{table}" SET {assignments} '
        f'FROM {_rows_source(columns)} WHERE "{table}"."{pk_column}" = v."{pk_column}"'
    )
    rows = ([pk, *row] for pk, row in values.items())
    with connection.cursor() as cursor:
        cursor.execute(sql, [_payload(columns, rows)])
        return cursor.rowcount
