"""Inventory test data. Stock is made through the real services, never by poking rows."""

from __future__ import annotations

import datetime as dt

import factory

from inventory import services
from inventory.models import Category, Donation, Item, Location, StockLot
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


def donate(
    *lines: tuple[Item, int] | tuple[Item, int, dt.date | None],
    location: Location | None = None,
) -> Donation:
    """Log a donation through the real service."""
    return services.donation_receive(
        location=location or LocationFactory.create(),
        lines=[
            services.DonationLineInput(
                item=line[0], quantity=line[1], expires_on=line[2] if len(line) > 2 else None
            )
            for line in lines
        ],
    )


def stocked_lot(
    item: Item | None = None, quantity: int = 10, expires_in_days: int | None = None
) -> StockLot:
    item = item or ItemFactory.create()
    expires = None if expires_in_days is None else local_today() + dt.timedelta(expires_in_days)
    donation = donate((item, quantity, expires))
    return StockLot.objects.get(donation_line__donation=donation)
