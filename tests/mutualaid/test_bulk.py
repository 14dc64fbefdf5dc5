"""mutualaid.bulk: many rows in one statement, on SQLite and on PostgreSQL alike.

CI runs this file on both databases (the embedded suite, then DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from inventory.models import StockLot, StockMovement
from mutualaid import bulk
from tests.inventory.factories import ItemFactory, LocationFactory, stocked_lot
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

MOVEMENT_FIELDS = [
    "lot",
    "kind",
    "on_hand_delta",
    "reserved_delta",
    "actor",
    "reason",
    "created_at",
]


def _counts(lots: list[StockLot]) -> list[tuple[int, int]]:
    return [
        (lot.on_hand, lot.reserved)
        for lot in StockLot.objects.filter(pk__in=[x.pk for x in lots]).order_by("pk")
    ]


def test_it_inserts_every_row_in_one_statement(organizer: User):
    lot = stocked_lot(quantity=5)
    at = timezone.now().replace(microsecond=0)
    awkward = '\'); DROP TABLE inventory_stocklot; -- «ñ» "quoted" \\ 🥫'
    rows = [
        (lot.pk, "adjusted", n, 0, organizer.pk if n % 2 else None, f"{awkward} {n}", at)
        for n in range(1, 301)
    ]

    assert_queries(1, lambda: bulk.insert_rows(StockMovement, MOVEMENT_FIELDS, rows), warm=False)

    stored = StockMovement.objects.filter(kind="adjusted").order_by("on_hand_delta")
    assert [(m.on_hand_delta, m.actor_id, m.reason, m.created_at) for m in stored] == [
        (n, organizer.pk if n % 2 else None, f"{awkward} {n}", at) for n in range(1, 301)
    ]


def test_it_inserts_dates_and_nulls():
    item, location, now = ItemFactory.create(), LocationFactory.create(), timezone.now()
    soon = dt.date(2031, 2, 28)

    bulk.insert_rows(
        StockLot,
        ["item", "location", "expires_on", "on_hand", "reserved", "received_at"],
        [(item.pk, location.pk, soon, 0, 0, now), (item.pk, location.pk, None, 0, 0, now)],
    )

    assert list(StockLot.objects.order_by("pk").values_list("expires_on", "received_at")) == [
        (soon, now),
        (None, now),
    ]


def test_it_does_nothing_for_no_rows():
    assert_queries(0, lambda: bulk.insert_rows(StockMovement, MOVEMENT_FIELDS, []), warm=False)
    assert_queries(0, lambda: bulk.update_rows(StockLot, ["on_hand"], {}), warm=False)


def test_it_adds_to_many_rows_in_one_statement_and_leaves_the_others_alone():
    lots = [stocked_lot(quantity=10) for _ in range(4)]
    changes = {lots[0].pk: (5, 2), lots[1].pk: (-3, 0), lots[2].pk: (0, 7)}

    assert_queries(
        1,
        lambda: bulk.update_rows(StockLot, ["on_hand", "reserved"], changes, add=True),
        warm=False,
    )

    assert _counts(lots) == [(15, 2), (7, 0), (10, 7), (10, 0)]


def test_it_sets_values_by_primary_key():
    lots = [stocked_lot(quantity=10) for _ in range(3)]

    updated = bulk.update_rows(StockLot, ["on_hand"], {lots[0].pk: (4,), lots[2].pk: (0,)})

    assert updated == 2
    assert _counts(lots) == [(4, 0), (10, 0), (0, 0)]


def test_it_lets_the_constraints_see_each_final_row():
    lot = stocked_lot(quantity=10)
    StockLot.objects.filter(pk=lot.pk).update(reserved=8)

    # Each column alone would break reserved <= on_hand; together they do not.
    bulk.update_rows(StockLot, ["on_hand", "reserved"], {lot.pk: (-8, -7)}, add=True)

    assert _counts([lot]) == [(2, 1)]


def test_it_refuses_a_row_the_constraints_forbid_and_changes_no_row():
    fine, broken = stocked_lot(quantity=10), stocked_lot(quantity=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.update_rows(
            StockLot, ["on_hand", "reserved"], {fine.pk: (-1, 0), broken.pk: (0, 11)}, add=True
        )

    assert _counts([fine, broken]) == [(10, 0), (10, 0)]
