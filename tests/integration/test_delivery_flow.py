"""End to end with a real worker: donation -> request -> matched and routed by the worker ->
driver A claims, starts on the day and reads the address, B and the organizer cannot ->
delivered -> stock and ledger agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.test import APIClient

from deliveries.models import ContactReveal, Route
from household_requests.models import HouseholdRequest, RequestStatus
from inventory.models import StockLot
from mutualaid.timeutil import local_today
from tests.conftest import api_client_for
from tests.deliveries.factories import on_its_day
from tests.deliveries.scenario import make_driver
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    make_zone,
    request_payload,
)
from tests.integration.helpers import CeleryWorker, wait_for
from tests.inventory.factories import ItemFactory, LocationFactory, donation_payload

pytestmark = pytest.mark.services


def test_it_delivers_a_request_end_to_end(
    transactional_db: None,
    celery_worker_process: CeleryWorker,
    organizer: User,
    driver: User,
    other_driver: User,
):
    zone = make_zone()
    make_driver(driver, zone)
    make_driver(other_driver, zone)
    beans = ItemFactory.create(name="Canned beans", max_per_household=6)
    hall = LocationFactory.create(name="Church hall")
    organizer_api = api_client_for(organizer)

    donation = organizer_api.post(
        "/api/v1/donations/",
        donation_payload(hall, (beans, 10, local_today() + dt.timedelta(days=90))),
        format="json",
    )
    assert donation.status_code == 201, donation.json()
    submitted = APIClient().post(
        "/api/v1/public/requests/",
        request_payload(beans, 4, language="es"),
        format="json",
    )
    assert submitted.status_code == 201, submitted.json()
    reference = submitted.json()["reference"]

    # The worker allocates and plans on its own, triggered by the new request.
    request = wait_for(
        lambda: HouseholdRequest.objects.filter(
            reference=reference, status=RequestStatus.SCHEDULED
        ).first(),
        timeout=60,
        message=lambda: f"not scheduled:\n{celery_worker_process.log_tail()}",
    )
    assert request is not None
    lot = StockLot.objects.get(item=beans)
    assert (lot.on_hand, lot.reserved) == (10, 4)
    route = Route.objects.get(stops__request=request)

    a, b = api_client_for(driver), api_client_for(other_driver)
    assert a.post(f"/api/v1/routes/{route.pk}/claim/").status_code == 200
    assert b.post(f"/api/v1/routes/{route.pk}/claim/").status_code == 409
    # A claim shows what the board shows; the address comes with the start on the day.
    assert "contact" not in a.get(f"/api/v1/routes/{route.pk}/").json()["stops"][0]
    on_its_day(route)
    assert a.post(f"/api/v1/routes/{route.pk}/start/").status_code == 200

    seen_by_a = a.get(f"/api/v1/routes/{route.pk}/")
    stop = seen_by_a.json()["stops"][0]
    assert stop["contact"]["address"] == SECRET_ADDRESS
    assert stop["contact"]["name"] == SECRET_NAME
    assert b.get(f"/api/v1/routes/{route.pk}/").status_code == 404
    seen_by_organizer = organizer_api.get(f"/api/v1/routes/{route.pk}/")
    assert seen_by_organizer.status_code == 200
    assert "contact" not in seen_by_organizer.json()["stops"][0]
    assert SECRET_ADDRESS not in seen_by_organizer.content.decode()
    assert ContactReveal.objects.filter(user=driver, stop_id=stop["id"]).count() == 1

    done = a.post(f"/api/v1/stops/{stop['id']}/complete/", {"outcome": "delivered"}, format="json")

    assert done.status_code == 200 and done.json()["route_completed"]
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (6, 0)
    assert HouseholdRequest.objects.get(pk=request.pk).status == RequestStatus.DELIVERED
    assert "contact" not in a.get(f"/api/v1/routes/{route.pk}/").json()["stops"][0]
    call_command("check_ledger")  # raises (exit 1) if the ledger and the lots disagree
