"""Pickup test data, made through the real services: a public pickup point with stock,
a family's pickup request, the allocator setting items aside."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from household_requests import allocation
from household_requests.models import HouseholdRequest, Zone
from household_requests.services import SubmittedRequest
from inventory.models import Item, Location, StockLot
from mutualaid.members import member_add
from tests.conftest import PASSWORD
from tests.household_requests.factories import contact, make_zone, submit
from tests.inventory.factories import ItemFactory, LocationFactory, donate

PLACE_NAME = "Lake Street pantry"
PLACE_ADDRESS = "2400 Lake Street, side door"
PLACE_HOURS = "Tue and Thu 4-7 pm"
RICE = "Rice, 5 lb bag"


def desk_volunteer(username: str = "desmond") -> User:
    return member_add(username=username, role="desk", password=PASSWORD)


@dataclass
class Pickup:
    submitted: SubmittedRequest
    place: Location
    rice: Item
    lot: StockLot

    @property
    def request(self) -> HouseholdRequest:
        return HouseholdRequest.objects.get(pk=self.submitted.request.pk)

    @property
    def reference(self) -> str:
        return self.submitted.request.reference

    @property
    def status_path(self) -> str:
        return f"/request/status/{self.reference}/{self.submitted.status_secret}/"


def pickup(
    *, stock: int = 5, asked: int = 3, postal_code: str = "55407", set_aside: bool = True
) -> Pickup:
    """A family asks to pick up `asked` bags of rice at a public pickup point holding
    `stock`; with `set_aside`, the allocator sets them aside."""
    if not Zone.objects.exists():
        make_zone()  # 55407 and 55404; 99999 is outside every zone
    place = Location.objects.filter(name=PLACE_NAME).first() or LocationFactory.create(
        name=PLACE_NAME, address=PLACE_ADDRESS, opening_hours=PLACE_HOURS, public_pickup=True
    )
    rice = Item.objects.filter(name=RICE).first() or ItemFactory.create(
        name=RICE, max_per_household=9
    )
    donation = donate((rice, stock), location=place) if stock else None
    submitted = submit(
        postal_code=postal_code,
        items=[(rice, asked)],
        fulfilment="pickup",
        pickup_location=place,
        contact=contact(address=""),
    )
    if set_aside:
        allocation.allocate_open_requests()
    lot = StockLot.objects.get(donation_line__donation=donation) if donation else StockLot()
    return Pickup(submitted, place, rice, lot)
