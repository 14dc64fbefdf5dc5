"""The reads a submission makes, in plain SQL.

Building a query through the ORM costs 150-300 us, more than sealing, checking and
writing a whole submission together; a flood of the public form must not be what takes
the site down (benchmarks/request_form.py). Each read here is one short indexed query
whose SQL is built from the models' metadata. None of them touch sealed contact details.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from household_requests import validation
from household_requests.models import (
    OPEN_STATUSES,
    HouseholdRequest,
    SealedContact,
    Zone,
    ZonePostalCode,
)
from inventory.models import Item


def _table(model: type[object]) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


@cache
def _zone_sql() -> str:
    return (
        f"SELECT z.id, z.name, z.active FROM {_table(ZonePostalCode)} p "
        f"JOIN {_table(Zone)} z ON z.id = p.zone_id WHERE p.code = %s AND z.active"
    )


def zone_for_postal_code(value: str) -> Zone | None:
    """The active zone that serves this postal code (normalized first), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_zone_sql(), [validation.normalize_postal_code(value)])
        row = cursor.fetchone()
    return Zone.from_db(connection.alias, ["id", "name", "active"], row) if row else None


def item_limits(item_ids: Collection[int]) -> dict[int, int]:
    """Per-household limit of each of these items that is active; others are left out."""
    if not item_ids:
        return {}
    marks = ", ".join(["%s"] * len(item_ids))
    sql = f"SELECT id, max_per_household FROM {_table(Item)} WHERE active AND id IN ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(item_ids))
        return dict(cursor.fetchall())


@cache
def _duplicate_sql() -> str:
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    return (
        f"EXISTS (SELECT 1 FROM {_table(SealedContact)} c "
        f"JOIN {_table(HouseholdRequest)} r ON r.id = c.request_id "
        f"WHERE (c.phone_index = %s OR c.address_index = %s) AND r.status IN ({statuses}))"
    )


def open_duplicate(*, phone_index: str, address_index: str) -> RawSQL:
    """Whether an open request has the same phone or address (by blind index), as an
    expression, so that the insert of the new request can compute it in the same trip.

    An empty index (no address for pickup) matches nothing.
    """
    # "-" never equals a hex digest, so an empty index cannot match another empty one.
    params = [phone_index or "-", address_index or "-", *(str(s) for s in OPEN_STATUSES)]
    return RawSQL(_duplicate_sql(), params, output_field=BooleanField())
