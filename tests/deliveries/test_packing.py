"""Packing lists and box labels: per route and per pantry location, stops by reference code
with what to pack, totals by item, each route's pantry; never a family's contact."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from deliveries import services
from deliveries.models import ContactReveal, Route, Stop
from inventory.models import Item, Location
from tests.conftest import page_client
from tests.deliveries.factories import make_driver, on_its_day, plan, route_in_state, zone_named
from tests.deliveries.helpers import (
    LOGIN,
    assert_no_secret,
    shown,
    shows_secrets,
    text_of,
)
from tests.household_requests.factories import contact, submit
from tests.inventory.factories import ItemFactory, LocationFactory, donate

pytestmark = pytest.mark.django_db

# A second family with details found nowhere else, sealed like every contact.
PACKCHECK = {
    "name": "Zenobia Packcheck-Nowhere",
    "phone": "612-555-0177",
    "address": "77 Packcheck Lane, Unit 3",
    "notes": "Packcheck gate code by text",
}
PACKCHECK_DETAILS = (*PACKCHECK.values(), "Packcheck")


@dataclass
class Packed:
    route: Route
    north: Location  # holds the beans: most of the route's units
    south: Location  # holds the rice
    beans: Item
    rice: Item
    first: Stop
    second: Stop


@pytest.fixture
def packed() -> Packed:
    """Two families on one route, each asking for 3 cans of beans (north pantry) and 1 bag
    of rice (south shelf)."""
    zone_named()
    north, south = (
        LocationFactory.create(name="North pantry"),
        LocationFactory.create(name="South shelf"),
    )
    beans = ItemFactory.create(name="Black beans", unit=Item.Unit.CAN)
    rice = ItemFactory.create(name="Rice", unit=Item.Unit.BAG)
    donate((beans, 40), location=north)
    donate((rice, 40), location=south)
    for family in (contact(), contact(**PACKCHECK)):
        submit(items=[(beans, 3), (rice, 1)], contact=family)
    plan()
    route = Route.objects.get()
    first, second = route.stops.order_by("sequence")
    return Packed(route, north, south, beans, rice, first, second)


def assert_no_contact(text: str) -> None:
    assert_no_secret(text)
    seen = shown(text, *PACKCHECK_DETAILS)
    assert seen == [False] * len(seen)


def test_it_names_the_pantry_holding_most_of_the_route(packed: Packed):
    assert packed.route.pantry == packed.north


def test_it_lists_items_per_stop_and_totals_by_pantry(packed: Packed, organizer: User):
    response = page_client(organizer).get(f"/deliveries/routes/{packed.route.pk}/packing/")

    assert response.status_code == 200
    packing = response.context["packing"]
    assert [group.location for group in packing.groups] == ["North pantry", "South shelf"]
    north, south = packing.groups
    references = [packed.first.request.reference, packed.second.request.reference]
    assert [(s.sequence, s.reference) for s in north.stops] == list(
        zip([1, 2], references, strict=True)
    )
    assert [[(line.item, line.quantity) for line in s.lines] for s in north.stops] == [
        [("Black beans", 3)],
        [("Black beans", 3)],
    ]
    assert [(line.item, line.quantity) for line in north.totals] == [("Black beans", 6)]
    assert [(line.item, line.quantity) for line in south.totals] == [("Rice", 2)]
    text = text_of(response)
    assert "Pantry: North pantry" in text
    for reference in references:
        assert reference in text
    assert_no_contact(text)


def test_it_prints_a_label_per_stop_and_pantry_with_a_qr_code(packed: Packed, organizer: User):
    response = page_client(organizer).get(f"/deliveries/routes/{packed.route.pk}/labels/")

    text = text_of(response)
    assert response.status_code == 200
    assert text.count('class="label"') == 4  # two stops, each packed at two places
    assert text.count('class="qr"') == 4
    assert "Stop 1" in text and "Stop 2" in text
    assert packed.first.request.reference in text
    assert "style=" not in text and "<style" not in text  # the CSP allows no inline style
    assert_no_contact(text)


def test_it_packs_one_pantry_for_a_day(packed: Packed, organizer: User):
    day = packed.route.service_date.isoformat()
    client = page_client(organizer)

    south = client.get(f"/deliveries/packing/?location={packed.south.pk}&day={day}")
    elsewhere = client.get(f"/deliveries/packing/?location={packed.south.pk}&day=2001-01-01")

    groups = south.context["packing"].groups
    assert [group.location for group in groups] == ["South shelf"]
    assert [(line.item, line.quantity) for line in groups[0].totals] == [("Rice", 2)]
    assert [route.pk for route in south.context["packing"].routes] == [packed.route.pk]
    assert "Black beans" not in text_of(south)
    assert_no_contact(text_of(south))
    assert elsewhere.context["packing"].groups == []


def test_it_shows_no_contact_even_on_a_started_route_while_its_driver_sees_them(
    packed: Packed, organizer: User, driver: User
):
    route_in_state(packed.route, "in_progress", make_driver(driver))
    organizer_client, driver_client = page_client(organizer), page_client(driver)
    pages = [
        f"/deliveries/routes/{packed.route.pk}/packing/",
        f"/deliveries/routes/{packed.route.pk}/labels/",
        f"/deliveries/packing/?location={packed.north.pk}&day={packed.route.service_date}",
    ]

    for url in pages:
        assert_no_contact(text_of(organizer_client.get(url)))
    assert ContactReveal.objects.count() == 0
    # Positive control: the same search finds both families on the driver's route page.
    driver_page = text_of(driver_client.get(f"/drive/routes/{packed.route.pk}/"))
    assert shows_secrets(driver_page)
    assert shown(driver_page, *PACKCHECK.values()) == [True] * len(PACKCHECK)


def test_it_shows_drivers_the_pantry_on_the_board_and_route_page(packed: Packed, driver: User):
    make_driver(driver)
    client = page_client(driver)

    assert "Pantry: North pantry" in text_of(client.get("/drive/"))
    assert "Pantry: North pantry" in text_of(client.get(f"/drive/routes/{packed.route.pk}/"))


def test_it_links_packing_from_the_routes_page(packed: Packed, organizer: User):
    text = text_of(page_client(organizer).get("/deliveries/routes/"))

    assert f"/deliveries/routes/{packed.route.pk}/packing/" in text
    assert f"/deliveries/routes/{packed.route.pk}/labels/" in text
    assert "/deliveries/packing/" in text


@pytest.mark.parametrize("page", ["packing", "labels"])
def test_it_keeps_packing_pages_to_organizers(
    packed: Packed, page: str, driver: User, member_without_role: User
):
    make_driver(driver)
    url = f"/deliveries/routes/{packed.route.pk}/{page}/"

    assert page_client(driver).get(url).status_code == 403
    assert page_client(member_without_role).get(url).status_code == 403
    anonymous = page_client(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)


def test_it_answers_404_for_a_route_that_does_not_exist(organizer: User):
    assert page_client(organizer).get("/deliveries/routes/424242/packing/").status_code == 404


def test_it_keeps_a_started_route_packing_list_to_what_is_still_to_deliver(
    packed: Packed, organizer: User, driver: User
):
    profile = make_driver(driver)
    on_its_day(packed.route)
    route_in_state(packed.route, "in_progress", profile)
    services.stop_complete(stop_id=packed.first.pk, driver=profile, outcome="delivered")

    packing = page_client(organizer).get(f"/deliveries/routes/{packed.route.pk}/packing/")

    north = packing.context["packing"].groups[0]
    assert [stop.sequence for stop in north.stops] == [2]
