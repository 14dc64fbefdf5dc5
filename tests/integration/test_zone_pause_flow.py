"""A zone paused while a driver is out (issue 14), with a real worker on PostgreSQL and Redis:
the started route's addresses go and the hold comes, the hold notice is sent by the worker,
claims and starts are refused, planning skips the zone, the family's page says paused, a
"held for safety" stop is no attempt, a pause that ends on its own restores the same-day
route, a pause that outlasts a window leads to re-planning, and reservations are kept and
then settled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from deliveries import tasks as delivery_tasks
from deliveries.driver_settings import driver_settings_update
from deliveries.models import Route, RouteStatus, Stop
from household_requests import pauses
from household_requests.models import HouseholdRequest, RequestStatus, ZonePause
from household_requests.services import SubmittedRequest
from inventory.models import Item, StockLot
from mutualaid.members import member_add
from mutualaid.timeutil import local_today
from tests.conftest import PASSWORD, api_client_for
from tests.deliveries.factories import on_its_day
from tests.deliveries.notice_servers import ProviderServer, provider_server
from tests.deliveries.scenario import make_driver
from tests.household_requests.factories import SECRET_ADDRESS, contact, make_zone, submit
from tests.integration.helpers import CeleryWorker, wait_for
from tests.inventory.factories import ItemFactory, stocked_lot

pytestmark = pytest.mark.services

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DRIVER_NUMBER, DRIVER_SENT = "+1 612 555 0171", "+16125550171"
HOLD_TEXT = "Deliveries in this area are paused for safety."


# Autouse, module scope: set up before the worker (module scope too) reads its environment.
@pytest.fixture(scope="module", autouse=True)
def signal_server() -> Iterator[ProviderServer]:
    """The local notifier server (signal-cli-rest-api's API) the hold notice goes to."""
    settings = {"NOTIFY_CHANNELS": "console,signal", "SIGNAL_NUMBER": "+15550001111"}
    with provider_server("signal") as server, pytest.MonkeyPatch.context() as patch:
        for name, value in {**settings, "SIGNAL_CLI_URL": server.url}.items():
            patch.setenv(name, value)
        yield server


def _holds_sent(server: ProviderServer) -> list[str]:
    bodies = [r.body.decode("utf-8", errors="replace") for r in server.sends()]
    return [body for body in bodies if HOLD_TEXT in body and DRIVER_SENT in body]


def _family(n: int, day: dt.date, item: Item) -> SubmittedRequest:
    """A family (its own contact) asking for a delivery on `day`'s weekday."""
    return submit(
        items=[(item, 2)],
        preferred_days=[WEEKDAYS[day.weekday()]],
        contact=contact(name=f"Family {n}", phone=f"612555{n:04d}", address=f"{n} Paused Street"),
    )


def _scheduled(worker: CeleryWorker, submitted: SubmittedRequest) -> Route:
    wait_for(
        lambda: HouseholdRequest.objects.filter(
            pk=submitted.request.pk, status=RequestStatus.SCHEDULED
        ).exists(),
        timeout=60,
        message=lambda: f"not scheduled:\n{worker.log_tail()}",
    )
    return Route.objects.get(stops__request=submitted.request, stops__outcome="pending")


@override_settings(NOTIFY_CHANNELS=["console", "signal"])
def test_it_pauses_a_zone_while_a_driver_is_out(
    transactional_db: None,
    signal_server: ProviderServer,
    celery_worker_process: CeleryWorker,
    organizer: User,
    driver: User,
    other_driver: User,
):
    worker = celery_worker_process
    zone = make_zone()
    driver_settings_update(
        driver=make_driver(driver, zone),
        channel="signal",
        number=DRIVER_NUMBER,
        forget_number=False,
        language="en",
    )
    make_driver(other_driver, zone)
    member_add(username="dina", role="dispatcher", password=PASSWORD)
    make_zone("Elsewhere", ("55999",))  # a dispatcher's pause leaves a zone unpaused
    rice = ItemFactory.create(name="Rice", max_per_household=9)
    stocked_lot(rice, quantity=40)
    first_day = local_today() + dt.timedelta(days=1)
    families = [_family(n, first_day + dt.timedelta(days=n), rice) for n in range(3)]
    started, claimed, open_route = (_scheduled(worker, family) for family in families)
    assert len({started.pk, claimed.pk, open_route.pk}) == 3
    lot = StockLot.objects.get(item=rice)
    assert lot.reserved == 6

    a, b = api_client_for(driver), api_client_for(other_driver)
    assert a.post(f"/api/v1/routes/{started.pk}/claim/").status_code == 200
    assert b.post(f"/api/v1/routes/{claimed.pk}/claim/").status_code == 200
    on_its_day(started)
    assert a.post(f"/api/v1/routes/{started.pk}/start/").status_code == 200
    # A driver who started a route sees addresses.
    assert "1 Paused Street" not in a.get(f"/api/v1/routes/{started.pk}/").content.decode()
    assert "0 Paused Street" in a.get(f"/api/v1/routes/{started.pk}/").content.decode()

    # The zone is paused, by a dispatcher's token, twice (harmless).
    hotline = APIClient()
    token = hotline.post(
        "/api/v1/auth/token/", {"username": "dina", "password": PASSWORD}, format="json"
    ).json()["token"]
    hotline.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    since = worker.log_position()
    for _ in range(2):
        paused = hotline.post(
            "/api/v1/zones/pause/", {"postal_codes": ["55407"], "minutes": 60}, format="json"
        )
        assert paused.status_code == 200, paused.json()
    assert [row["zone"] for row in hotline.get("/api/v1/zones/paused/").json()] == [zone.pk]

    # The next page and API read show no address, and the page shows the hold.
    api_text = a.get(f"/api/v1/routes/{started.pk}/").content.decode()
    browser = Client()
    browser.force_login(driver)
    page_text = browser.get(f"/drive/routes/{started.pk}/").content.decode()
    assert "0 Paused Street" not in api_text and SECRET_ADDRESS not in api_text
    assert f"Hold: do not go to {zone.name} now" in api_text
    assert "0 Paused Street" not in page_text
    assert f"Hold: do not go to {zone.name} now" in page_text
    assert browser.get(f"/drive/routes/{started.pk}/hold/").json()["hold"] is True

    # The hold notice reaches the local notifier server, sent by the worker, once.
    wait_for(
        lambda: _holds_sent(signal_server),
        timeout=60,
        message=lambda: f"no hold sent:\n{worker.log_tail()}",
    )
    assert ZonePause.objects.get(zone=zone).holds_sent_at is not None
    assert len(_holds_sent(signal_server)) == 1  # pausing twice sent it once
    assert SECRET_ADDRESS not in signal_server.bodies()
    assert "0 Paused Street" not in signal_server.bodies()

    # A claim by id and a start are refused.
    assert b.post(f"/api/v1/routes/{open_route.pk}/claim/").status_code == 409
    on_its_day(claimed)
    assert b.post(f"/api/v1/routes/{claimed.pk}/start/").status_code == 409

    # Planning during the pause places nothing in the zone (the worker plans on its own).
    late = _family(9, first_day, rice)
    plans_before = worker.log(since=since).count("deliveries.tasks.plan_routes")
    wait_for(
        lambda: (
            worker.log(since=since).count("deliveries.tasks.plan_routes") > plans_before
            and HouseholdRequest.objects.get(pk=late.request.pk).status == RequestStatus.MATCHED
        ),
        timeout=60,
        message=lambda: f"not matched and planned:\n{worker.log_tail()}",
    )
    assert not Stop.objects.filter(request=late.request).exists()

    # The family's page says paused.
    status = f"/request/status/{families[0].request.reference}/{families[0].status_secret}/"
    assert (
        "Deliveries near you are paused for your safety." in Client().get(status).content.decode()
    )

    # A "held for safety" stop leaves the request open, with no attempt counted.
    stop = Stop.objects.get(route=started, request=families[0].request)
    held = a.post(f"/api/v1/stops/{stop.pk}/complete/", {"outcome": "held"}, format="json")
    assert held.status_code == 200
    kept = HouseholdRequest.objects.get(pk=families[0].request.pk)
    assert kept.is_open and kept.delivery_attempts == 0

    # The pause ends on its own (the clock moves past its end): the same-day route is back.
    ZonePause.objects.filter(zone=zone).update(until=timezone.now() - dt.timedelta(seconds=1))
    assert b.post(f"/api/v1/routes/{claimed.pk}/start/").status_code == 200
    assert "1 Paused Street" in b.get(f"/api/v1/routes/{claimed.pk}/").content.decode()

    # A pause that outlasts the open route's window: the sweep retires it; its family is
    # planned again once the pause is lifted, its reservation kept all along.
    assert (
        hotline.post(
            "/api/v1/zones/pause/", {"zones": [zone.pk], "minutes": 60}, format="json"
        ).status_code
        == 200
    )
    Route.objects.filter(pk=open_route.pk).update(
        service_date=local_today(), window_start=dt.time(0, 0), window_end=dt.time(0, 1)
    )
    delivery_tasks.release_stale_claims.delay()
    wait_for(
        lambda: Route.objects.get(pk=open_route.pk).status == RouteStatus.CANCELLED,
        timeout=60,
        message=lambda: f"not retired:\n{worker.log_tail()}",
    )
    third = HouseholdRequest.objects.get(pk=families[2].request.pk)
    assert third.status == RequestStatus.MATCHED
    lot.refresh_from_db()
    assert lot.reserved == 8  # three families and the late one: nothing released
    pauses.zones_lift(user=organizer, zone_ids=[zone.pk])
    replanned = _scheduled(worker, families[2])
    assert replanned.pk != open_route.pk

    # Reservations are then settled: a delivery consumes its family's.
    stop_b = Stop.objects.get(route=claimed, request=families[1].request)
    done = b.post(f"/api/v1/stops/{stop_b.pk}/complete/", {"outcome": "delivered"}, format="json")
    assert done.status_code == 200
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (38, 6)
