"""donation_receive: one lot and one `received` ledger row per line, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import StockLot, StockMovement
from inventory.services import DonationLineInput
from mutualaid.errors import Kind, ServiceError
from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, LocationFactory, row_counts

pytestmark = pytest.mark.django_db


def _refused(message: object, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        services.donation_receive(**kwargs)
    assert excinfo.value.message is message
    assert excinfo.value.kind == Kind.INVALID
    return excinfo.value


def test_it_receives_a_donation_as_one_lot_and_one_ledger_row_per_line(organizer: User):
    location = LocationFactory.create()
    rice, milk = ItemFactory.create(), ItemFactory.create(perishable=True)
    expires = local_today() + dt.timedelta(days=3)

    donation = services.donation_receive(
        location=location,
        donor="Corner shop",
        received_by=organizer,
        lines=[DonationLineInput(rice, 20), DonationLineInput(milk, 6, expires)],
    )

    lots = StockLot.objects.filter(donation_line__donation=donation).order_by("id")
    assert [
        (lot.item, lot.location, lot.expires_on, lot.on_hand, lot.reserved) for lot in lots
    ] == [
        (rice, location, None, 20, 0),
        (milk, location, expires, 6, 0),
    ]
    movements = StockMovement.objects.order_by("id")
    assert [(m.lot_id, m.kind, m.on_hand_delta, m.actor) for m in movements] == [
        (lots[0].pk, "received", 20, organizer),
        (lots[1].pk, "received", 6, organizer),
    ]
    assert {m.reason for m in movements} == {f"donation #{donation.pk}"}


def test_it_accepts_an_expiry_date_of_today():
    item = ItemFactory.create(perishable=True)

    services.donation_receive(
        location=LocationFactory.create(), lines=[DonationLineInput(item, 1, local_today())]
    )

    assert row_counts() == (1, 1, 1, 1)


@pytest.mark.parametrize(
    "case, message, field",
    [
        ("zero quantity", services.QUANTITY_NOT_POSITIVE, "quantity"),
        ("inactive item", services.INACTIVE_ITEM, "item"),
        ("perishable without expiry", services.PERISHABLE_NEEDS_EXPIRY, "expires_on"),
        ("expired", services.EXPIRY_IN_PAST, "expires_on"),
    ],
)
def test_it_writes_nothing_when_one_line_is_bad(case: str, message: object, field: str):
    good = DonationLineInput(ItemFactory.create(), 5)
    yesterday = local_today() - dt.timedelta(days=1)
    bad = {
        "zero quantity": DonationLineInput(ItemFactory.create(), 0),
        "inactive item": DonationLineInput(ItemFactory.create(active=False), 3),
        "perishable without expiry": DonationLineInput(ItemFactory.create(perishable=True), 3),
        "expired": DonationLineInput(ItemFactory.create(), 3, yesterday),
    }[case]

    error = _refused(message, location=LocationFactory.create(), lines=[good, good, bad])

    assert (error.field, error.index) == (field, 2)
    assert row_counts() == (0, 0, 0, 0)


def test_it_refuses_a_donation_without_lines():
    error = _refused(services.NO_LINES, location=LocationFactory.create(), lines=[])

    assert error.field == "lines"
    assert row_counts() == (0, 0, 0, 0)


def test_it_refuses_a_donation_at_a_closed_location():
    error = _refused(
        services.INACTIVE_LOCATION,
        location=LocationFactory.create(active=False),
        lines=[DonationLineInput(ItemFactory.create(), 5)],
    )

    assert error.field == "location"
    assert row_counts() == (0, 0, 0, 0)
