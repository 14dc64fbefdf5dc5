"""Inventory test data. Stock is made through the real services, never by poking rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from inventory import services
from inventory.models import (
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    StockMovement,
)
from mutualaid.timeutil import local_today


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class ItemFactory(factory.django.DjangoModelFactory[Item]):
    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Item {n}")
    category = factory.SubFactory(CategoryFactory)
    unit = Item.Unit.EACH
    perishable = False
    target_on_hand = 10


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")
    public_pickup = True  # offered to families for pickup; tests of the flag say False


Line = tuple[Item, int] | tuple[Item, int, dt.date | None]


def _expiry(line: Line) -> dt.date | None:
    return line[2] if len(line) > 2 else None


def donate(*lines: Line, location: Location | None = None) -> Donation:
    """Log a donation through the real service."""
    return services.donation_receive(
        location=location or LocationFactory.create(),
        lines=[
            services.DonationLineInput(item=line[0], quantity=line[1], expires_on=_expiry(line))
            for line in lines
        ],
    )


def donation_payload(location: Location, *lines: Line, donor: str = "") -> dict[str, Any]:
    """The body of POST /api/v1/donations/, in the contract's shape."""

    def line_body(line: Line) -> dict[str, Any]:
        expires = _expiry(line)
        return {
            "item": line[0].pk,
            "quantity": line[1],
            "expires_on": expires.isoformat() if expires else None,
        }

    return {"location": location.pk, "donor": donor, "lines": [line_body(n) for n in lines]}


def reserve(lot: StockLot, quantity: int) -> None:
    """Set units of a lot aside as the allocator does: through the one stock-change path."""
    services.lots_change(kind=StockMovement.Kind.RESERVED, quantities={lot.pk: quantity})


def stocked_lot(
    item: Item | None = None, quantity: int = 10, expires_in_days: int | None = None
) -> StockLot:
    item = item or ItemFactory.create()
    expires = None if expires_in_days is None else local_today() + dt.timedelta(expires_in_days)
    donation = donate((item, quantity, expires))
    return StockLot.objects.get(donation_line__donation=donation)


def row_counts() -> tuple[int, int, int, int]:
    """(donations, donation lines, lots, ledger rows): what a refused write must not change."""
    return (
        Donation.objects.count(),
        DonationLine.objects.count(),
        StockLot.objects.count(),
        StockMovement.objects.count(),
    )


def fill_shelves(n: int) -> None:
    """n more of everything a list page shows: categories, items, lots, donations, places."""
    location = LocationFactory.create()
    for _ in range(n):
        item = ItemFactory.create(category=CategoryFactory.create(), perishable=True)
        donate((item, 5, local_today() + dt.timedelta(days=2)), location=location)
        stocked_lot(item, quantity=3, expires_in_days=40)
        LocationFactory.create()
