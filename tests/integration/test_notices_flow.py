"""Notices end to end with a real worker on PostgreSQL and Redis, and a local server that
speaks signal-cli-rest-api: a planned route makes the worker offer it to the drivers the
offer job selects, by Signal, with no contact in the text; when the driver starts, the
family that asked gets "on its way" in its language, the other gets nothing; the web
side's log (this process's records), the worker's log, the provider's log and a pg_dump
hold no phone number in clear. Positive controls: a marker number planted in each place
(a 404 path on the web side, a task id in the worker's log, an item name in the
database, the provider's access log) is found by the same search, and so is every number
sent in what the provider received."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
import requests
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.test import APIClient

from deliveries.driver_settings import driver_settings_update
from deliveries.models import NoticeSent, Route, RouteOffer
from household_requests.models import HouseholdRequest, RequestStatus
from mutualaid import schedule
from mutualaid.celery import app as celery_app
from tests.conftest import api_client_for
from tests.deliveries.factories import make_driver, on_its_day, stocked_item
from tests.deliveries.notice_servers import ProviderServer, provider_server
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    make_zone,
    request_payload,
)
from tests.integration.helpers import CeleryWorker, wait_for
from tests.inventory.factories import ItemFactory
from tests.mutualaid.stored import pg_dump_text

pytestmark = pytest.mark.services

SENDING_NUMBER = "+15550001111"
DRIVER_NUMBERS = {
    "dario": ("+1 612 555 0171", "+16125550171"),
    "dana": ("+1 612 555 0172", "+16125550172"),
}
FAMILY_PHONE, FAMILY_SENT = "612-555-0199", "+16125550199"
SILENT_PHONE, SILENT_SENT = "612-555-0142", "+16125550142"
ON_ITS_WAY_ES = "Su entrega va en camino hoy."
# Planted in every place searched, so each search shows it finds a number that is there.
MARKER = "612-555-0100"
NOTICE_SETTINGS = {
    "NOTIFY_CHANNELS": "console,signal",
    "NOTIFY_FAMILY_CHANNEL": "signal",
    "SIGNAL_NUMBER": SENDING_NUMBER,
}


# Autouse, module scope: set up before the worker (module scope too) reads its environment.
@pytest.fixture(scope="module", autouse=True)
def signal_server() -> Iterator[ProviderServer]:
    with provider_server("signal") as server, pytest.MonkeyPatch.context() as patch:
        for name, value in {**NOTICE_SETTINGS, "SIGNAL_CLI_URL": server.url}.items():
            patch.setenv(name, value)
        yield server


def digit_forms(number: str) -> list[str]:
    """How a number could show in clear: its last ten digits, and with the usual dashes."""
    digits = "".join(ch for ch in number if ch.isdigit())[-10:]
    return [digits, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", f"{digits[3:6]}-{digits[6:]}"]


@override_settings(NOTIFY_CHANNELS=["console", "signal"], NOTIFY_FAMILY_CHANNEL="signal")
def test_it_notifies_drivers_and_the_family_that_asked(
    transactional_db: None,
    signal_server: ProviderServer,
    celery_worker_process: CeleryWorker,
    driver: User,
    other_driver: User,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG)
    assert os.environ["SIGNAL_CLI_URL"] == signal_server.url
    zone = make_zone()
    for user in (driver, other_driver):
        profile = make_driver(user, zone)
        driver_settings_update(
            driver=profile,
            channel="signal",
            number=DRIVER_NUMBERS[user.username][0],
            forget_number=False,
            language="en",
        )
    beans = stocked_item(name="Canned beans")
    public = APIClient()
    asked = public.post(
        "/api/v1/public/requests/",
        request_payload(beans, 2, language="es", phone=FAMILY_PHONE, auto_texts=True),
        format="json",
    )
    silent = public.post(
        "/api/v1/public/requests/",
        request_payload(
            beans, 2, language="so", phone=SILENT_PHONE, address="908 Secondstop Street"
        ),
        format="json",
    )
    assert asked.status_code == silent.status_code == 201, (asked.json(), silent.json())
    references = [asked.json()["reference"], silent.json()["reference"]]

    # The worker allocates, plans, offers, and sends the offers by Signal.
    wait_for(
        lambda: (
            HouseholdRequest.objects.filter(
                reference__in=references, status=RequestStatus.SCHEDULED
            ).count()
            == 2
        ),
        timeout=60,
        message=lambda: f"not scheduled:\n{celery_worker_process.log_tail()}",
    )
    route = Route.objects.get(stops__request__reference=references[0])
    wait_for(
        lambda: (
            RouteOffer.objects.filter(route=route).count() == 2 and len(signal_server.sends()) == 2
        ),
        timeout=60,
        message=lambda: f"offers not sent:\n{celery_worker_process.log_tail()}",
    )
    offered = {o.driver.user.username for o in RouteOffer.objects.select_related("driver__user")}
    offers = [send.json() for send in signal_server.sends()]
    assert sorted(r for o in offers for r in o["recipients"]) == sorted(
        DRIVER_NUMBERS[name][1] for name in offered
    )
    for offer in offers:
        assert offer["number"] == SENDING_NUMBER
        # The worker may offer the route before the second family joins it: 1 or 2 stops.
        assert zone.name in offer["message"] and " stop(s), about " in offer["message"]
        for secret in (SECRET_NAME, SECRET_ADDRESS, FAMILY_SENT, SILENT_SENT, *references):
            assert secret not in offer["message"]

    # The driver starts on the day: the family that asked hears, in Spanish; the other not.
    a = api_client_for(driver)
    assert a.post(f"/api/v1/routes/{route.pk}/claim/").status_code == 200
    on_its_day(route)
    assert a.post(f"/api/v1/routes/{route.pk}/start/").status_code == 200
    wait_for(
        lambda: (
            len(signal_server.sends()) == 3
            and not NoticeSent.objects.filter(outcome="pending").exists()
        ),
        timeout=60,
        message=lambda: f"on its way not sent:\n{celery_worker_process.log_tail()}",
    )
    family = signal_server.sends()[2].json()
    assert family == {
        "message": ON_ITS_WAY_ES,
        "number": SENDING_NUMBER,
        "recipients": [FAMILY_SENT],
    }
    assert sorted(
        NoticeSent.objects.filter(request__isnull=False).values_list(
            "request__reference", "kind", "outcome"
        )
    ) == sorted([(references[0], "on_its_way", "sent"), (references[1], "on_its_way", "skipped")])

    # The markers: a path the web side logs as not found, a task id the worker logs, an
    # item name the database keeps, a path the provider's access log keeps.
    assert public.get(f"/marker-{MARKER}/").status_code == 404
    since = celery_worker_process.log_position()
    celery_app.send_task(schedule.SEND_NOTICES, task_id=f"marker-{MARKER}")
    celery_worker_process.wait_for_log(f"marker-{MARKER}", since=since)
    ItemFactory.create(name=f"Marker {MARKER}")
    requests.get(f"{signal_server.url}/marker-{MARKER}", timeout=5)

    # No number in clear in the web side's log, the worker's log, the provider's log, or a
    # dump of the database.
    numbers = [FAMILY_SENT, SILENT_SENT, *(sent for _typed, sent in DRIVER_NUMBERS.values())]
    places = {
        "web log": caplog.text,
        "worker log": celery_worker_process.log(),
        "provider log": signal_server.log(),
        "pg_dump": pg_dump_text(),
    }
    assert places["provider log"] and "POST /v2/send" in places["provider log"]
    assert "claimed by driver" in places["web log"]
    for where, text in places.items():
        assert any(form in text for form in digit_forms(MARKER)), f"no marker in the {where}"
    found = [
        (where, form)
        for where, text in places.items()
        for number in numbers
        for form in digit_forms(number)
        if form in text
    ]
    assert found == []
    # Positive control: the same search finds each number sent where it must be.
    received = signal_server.bodies()
    for number in (FAMILY_SENT, *(sent for _typed, sent in DRIVER_NUMBERS.values())):
        assert digit_forms(number)[0] in received
    assert digit_forms(SILENT_SENT)[0] not in received
