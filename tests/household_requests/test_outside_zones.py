"""Outside the zones: pickup is accepted from any postal code (no zone; counted apart as
"outside the zones"), delivery is refused with the hotline's number and hours from
configuration. Only public pickup points are offered to families; organizers set them."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from deliveries.dashboard import dashboard
from household_requests import request_rules as rules
from household_requests.models import HouseholdRequest
from inventory.models import Item, Location
from tests.conftest import api_client_for, page_client
from tests.household_requests.factories import as_form, make_zone, request_payload
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/public/requests/"
OUTSIDE = "99999"
HOTLINE = {"HOTLINE_PHONE": "612-555-0142", "HOTLINE_HOURS": "Mon-Sat 8 am - 8 pm"}


@pytest.fixture
def rice() -> Item:
    make_zone()  # 55407, 55404
    return ItemFactory.create(name="Rice", max_per_household=4)


@pytest.fixture
def church() -> Location:
    return LocationFactory.create(name="Church of the Lake", public_pickup=True)


def pickup_payload(rice: Item, church: Location, **changes: Any) -> dict[str, Any]:
    return request_payload(
        rice,
        postal_code=OUTSIDE,
        fulfilment="pickup",
        pickup_location=church.pk,
        address="",
        **changes,
    )


def test_it_accepts_pickup_from_outside_every_zone_on_the_form(
    client: Client, rice: Item, church: Location
):
    response = client.post("/request/", as_form(pickup_payload(rice, church)))

    assert response.status_code == 303, response.content.decode()[-3000:]
    request = HouseholdRequest.objects.get()
    assert (request.zone, request.fulfilment, request.pickup_location) == (None, "pickup", church)


def test_it_accepts_pickup_from_outside_every_zone_on_the_api(rice: Item, church: Location):
    response = APIClient().post(API, pickup_payload(rice, church), format="json")

    assert response.status_code == 201, response.json()
    assert HouseholdRequest.objects.get().zone is None


@override_settings(**HOTLINE)
def test_it_refuses_delivery_outside_the_zones_with_the_hotline_number(client: Client, rice: Item):
    expected = str(rules.UNKNOWN_POSTAL_CODE_CALL) % {
        "hotline": "612-555-0142 (Mon-Sat 8 am - 8 pm)"
    }

    form = client.post("/request/", as_form(request_payload(rice, postal_code=OUTSIDE)))
    api = APIClient().post(API, request_payload(rice, postal_code=OUTSIDE), format="json")

    assert form.status_code == 200 and escape(expected) in form.content.decode()
    assert api.status_code == 400 and api.json()["postal_code"] == [expected]
    assert HouseholdRequest.objects.count() == 0


@override_settings(**HOTLINE)
def test_the_refusal_is_in_the_familys_language_with_the_number(rice: Item):
    with override("es"):
        expected = gettext(
            "We do not deliver to this postal code yet. Please check it, choose pickup, or "
            "call the hotline: %(hotline)s."
        ) % {"hotline": "612-555-0142 (Mon-Sat 8 am - 8 pm)"}
    assert "612-555-0142" in expected and "código postal" in expected

    response = APIClient().post(
        API, request_payload(rice, postal_code=OUTSIDE, language="es"), format="json"
    )

    assert response.json()["postal_code"] == [expected]


def test_without_a_configured_hotline_the_refusal_still_says_to_choose_pickup(rice: Item):
    response = APIClient().post(API, request_payload(rice, postal_code=OUTSIDE), format="json")

    assert response.json()["postal_code"] == [str(rules.UNKNOWN_POSTAL_CODE)]


@override_settings(**HOTLINE)
def test_every_page_that_mentions_the_hotline_shows_its_number_and_hours():
    request = RequestFactory().get("/")
    for template in (
        "household_requests/slow_down.html",
        "household_requests/status_slow_down.html",
    ):
        page = render_to_string(template, request=request)
        assert "the hotline" in page
        assert "612-555-0142 (Mon-Sat 8 am - 8 pm)" in page, template


def test_the_queue_dashboard_and_export_count_outside_the_zones_apart(
    organizer: User, rice: Item, church: Location
):
    APIClient().post(API, pickup_payload(rice, church), format="json")
    APIClient().post(API, request_payload(rice, phone="651 555 0100"), format="json")
    outside = HouseholdRequest.objects.get(zone=None)
    pages = page_client(organizer)

    queue = pages.get("/requests/").content.decode()
    only_outside = pages.get("/requests/", {"zone": "outside"}).context["requests"]
    rows = list(csv.reader(io.StringIO(b"".join(pages.get("/requests/export.csv")).decode())))
    bars = {bar.label: bar.value for bar in dashboard().open_by_zone}

    assert "outside the zones" in queue
    assert [r.reference for r in only_outside] == [outside.reference]
    zone_column = rows[0].index("zone")
    assert sorted(row[zone_column] for row in rows[1:]) == ["Phillips", "outside the zones"]
    assert bars == {"Phillips": 1, "outside the zones": 1}
    assert "outside the zones" in pages.get(f"/requests/{outside.pk}/").content.decode()


# Public pickup points ---------------------------------------------------------------------


def test_only_public_pickup_points_are_offered_and_accepted(client: Client, rice: Item):
    public = LocationFactory.create(name="Church of the Lake", public_pickup=True)
    warehouse = LocationFactory.create(name="Back warehouse", public_pickup=False)

    form = client.get("/request/").content.decode()
    refused = APIClient().post(
        API,
        request_payload(rice, fulfilment="pickup", pickup_location=warehouse.pk, address=""),
        format="json",
    )
    accepted = APIClient().post(
        API,
        request_payload(rice, fulfilment="pickup", pickup_location=public.pk, address=""),
        format="json",
    )

    assert "Church of the Lake" in form and "Back warehouse" not in form
    assert refused.status_code == 400
    assert refused.json()["pickup_location"] == [str(rules.CHOOSE_FROM_LIST)]
    assert accepted.status_code == 201


def test_organizers_set_a_pickup_points_address_hours_and_flag(organizer: User, driver: User):
    body = {
        "name": "Church of the Lake",
        "address": "2400 Lake Street",
        "opening_hours": "Tue 4-7 pm",
        "public_pickup": True,
    }
    created = api_client_for(organizer).post("/api/v1/locations/", body, format="json")
    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in body} == body
    assert api_client_for(driver).post("/api/v1/locations/", body, format="json").status_code == 403

    place = Location.objects.get(name="Church of the Lake")
    edited = page_client(organizer).post(
        f"/inventory/catalogue/location/{place.pk}/",
        {"name": place.name, "address": "12 Elm St", "opening_hours": "Sat 9-12", "active": "on"},
    )

    assert edited.status_code == 302
    place.refresh_from_db()
    assert (place.address, place.opening_hours, place.public_pickup) == (
        "12 Elm St",
        "Sat 9-12",
        False,
    )
