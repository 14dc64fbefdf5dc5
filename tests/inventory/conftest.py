"""Stock the organizer pages' tests share: a lot of rice, and an intake table's catalogue."""

from __future__ import annotations

import pytest

from inventory.models import Item, Location, StockLot
from tests.inventory.factories import ItemFactory, LocationFactory, stocked_lot


@pytest.fixture
def lot(db: None) -> StockLot:
    return stocked_lot(ItemFactory.create(name="Rice"), quantity=10)


@pytest.fixture
def rice(db: None) -> Item:
    return ItemFactory.create(name="Rice", unit=Item.Unit.BAG)


@pytest.fixture
def milk(db: None) -> Item:
    return ItemFactory.create(name="Milk", unit=Item.Unit.LITRE, perishable=True)


@pytest.fixture
def hub(db: None) -> Location:
    return LocationFactory.create(name="Corner church")
