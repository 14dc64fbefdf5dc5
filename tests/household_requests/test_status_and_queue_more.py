"""The status page's set-aside items and planned day, queue filters by zone and age, the
and the throttle page in the family's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.translation import gettext, override

from deliveries import planning
from household_requests import allocation
from household_requests.models import HouseholdRequest
from tests.conftest import api_client_for
from tests.household_requests.factories import (
    as_form,
    make_zone,
    request_payload,
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
    make_zone()
    rice = ItemFactory.create()
    client = Client()
    client.post("/i18n/setlang/", {"language": "es", "next": "/request/"})
    data = as_form(request_payload(rice, 1))

    with override_settings(REQUEST_RATE_LIMIT=1):
        client.post("/request/", data)
        refused = client.post("/request/", data)

    assert refused.status_code == 429
    with override("es"):
        kind_words = gettext("Please wait a little")
    assert kind_words != "Please wait a little"
    assert kind_words in refused.content.decode()
    assert HouseholdRequest.objects.count() == 1
