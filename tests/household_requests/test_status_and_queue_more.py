"""The status page's set-aside items and planned day, queue filters by zone and age, the
throttle page in the family's language, and logs of a failing API request."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from deliveries import planning
from household_requests import allocation, services
from household_requests.models import HouseholdRequest
from tests.conftest import api_client_for
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_PHONE,
    make_zone,
    submit,
)
from tests.inventory.factories import ItemFactory, donate

pytestmark = pytest.mark.django_db


def test_it_shows_the_family_what_is_set_aside_and_the_planned_day(client: Client):
    make_zone()
    rice = ItemFactory.create(name="Rice, 5 lb bag", max_per_household=9)
    donate((rice, 3))
    submitted = submit(items=[(rice, 5)])
    allocation.allocate_open_requests()
    planning.plan_routes()
    request = HouseholdRequest.objects.get(pk=submitted.request.pk)
    assert request.planned_for is not None

    page = client.get(
        f"/request/status/{request.reference}/{submitted.status_secret}/"
    ).content.decode()

    assert "Rice, 5 lb bag" in page
    assert '<td class="num">5</td><td class="num">3</td>' in page.replace("\n", "")
    assert f"Planned for {request.planned_for:%A}," in page
    assert f"{request.planned_for:%m/%d/%Y}" in page
    assert gettext("Scheduled") in page


def test_it_filters_the_queue_by_zone_and_age(organizer: Any):
    make_zone("Phillips", ("55407",))
    make_zone("Frogtown", ("55103",))
    old = submit(postal_code="55407").request
    HouseholdRequest.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=5)
    )
    fresh = submit(postal_code="55103").request
    api = api_client_for(organizer)

    def refs(query: str) -> list[str]:
        return [r["reference"] for r in api.get(f"/api/v1/requests/?{query}").json()["results"]]

    assert refs(f"zone={fresh.zone_id}") == [fresh.reference]
    assert refs("older_than_days=3") == [old.reference]
    assert refs("older_than_days=3&zone=" + str(fresh.zone_id)) == []
    page = Client()
    page.force_login(organizer)
    body = page.get(f"/requests/?zone={old.zone_id}&older_than_days=3").content.decode()
    assert old.reference in body and fresh.reference not in body


def test_it_tells_a_throttled_family_to_wait_in_their_language():
    cache.clear()
    make_zone()
    rice = ItemFactory.create()
    client = Client()
    client.post("/i18n/setlang/", {"language": "es", "next": "/request/"})
    data = {
        "adults": 1,
        "postal_code": "55407",
        "fulfilment": "delivery",
        "name": "Ana",
        "phone": "612 555 0100",
        "address": "1 Calle",
        "consent": "on",
        f"item_{rice.pk}": 1,
    }

    with override_settings(REQUEST_RATE_LIMIT=1):
        client.post("/request/", data)
        refused = client.post("/request/", data)

    assert refused.status_code == 429
    with override("es"):
        kind_words = gettext("Please wait a little")
    assert kind_words != "Please wait a little"
    assert kind_words in refused.content.decode()
    assert HouseholdRequest.objects.count() == 1


def test_it_keeps_contacts_out_of_logs_of_a_failing_api_request(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    cache.clear()
    make_zone()
    rice = ItemFactory.create()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "request_submit", broken)
    client = APIClient(raise_request_exception=False)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/public/requests/",
            {
                "postal_code": "55407",
                "name": SECRET_NAME,
                "phone": SECRET_PHONE,
                "address": SECRET_ADDRESS,
                "lines": [{"item": rice.pk, "quantity": 1}],
            },
            format="json",
        )

    assert response.status_code == 500
    assert "database went away" in caplog.text
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS):
        assert secret not in caplog.text
        assert secret not in response.content.decode()
    assert HouseholdRequest.objects.count() == 0
