"""A driver who scrapes: claim, read (page and API), release, next route, including a route
four days ahead; and claim, mark a stop failed, read. No address shows before the driver
starts a route on its day; the same reading finds it after a legitimate start (the positive
control); past the daily limits the loop is refused, and the driver is flagged for the
organizers. Unmarked, so CI runs it on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from deliveries import access, services
from deliveries.models import ContactReveal, Route, RouteStatus, Stop, StopOutcome
from household_requests.request_rules import WEEKDAYS
from mutualaid.timeutil import local_today, organization_tz
from tests.conftest import api_client_for, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import on_its_day, plan, stocked_item
from tests.deliveries.helpers import messages_of, text_of
from tests.household_requests.factories import contact, submit

pytestmark = pytest.mark.django_db

ADDRESS = "{n} Scrapecheck Lane"


def _families(count: int, *, preferred_days: list[str] | None = None) -> list[Route]:
    """`count` more families in Phillips, each on a route of its own (ROUTE_MAX_STOPS=1)."""
    item = stocked_item(50)
    start = Route.objects.count() + 100
    for n in range(start, start + count):
        family = contact(address=ADDRESS.format(n=n), phone=f"612-555-{n:04d}")
        submit(items=[(item, 1)], contact=family, preferred_days=preferred_days or [])
    plan()
    return list(Route.objects.filter(status=RouteStatus.OPEN).order_by("-pk")[:count])


@pytest.fixture
def board(world: DriverWorld, settings: Any) -> list[Route]:
    """Four routes on the driver's board: two tomorrow, one four days ahead, the world's."""
    settings.ROUTE_MAX_STOPS = 1
    ahead = WEEKDAYS[(local_today() + dt.timedelta(days=4)).weekday()]
    routes = [world.route, *_families(2), *_families(1, preferred_days=[ahead])]
    assert routes[-1].service_date == local_today() + dt.timedelta(days=4)
    return routes


def addresses_read(driver: User, route: Route) -> int:
    """The scraper's reading: the route page and the API detail; how many of the route's
    families' addresses they showed (each family has its own address)."""
    texts = [
        text_of(page_client(driver).get(f"/drive/routes/{route.pk}/")),
        text_of(api_client_for(driver).get(f"/api/v1/routes/{route.pk}/")),
    ]
    addresses = [ADDRESS.format(n="")[1:], "Leakcheck Avenue"]  # the families' streets
    return sum(text.count(street) for text in texts for street in addresses)


def test_it_shows_no_address_to_a_driver_who_claims_reads_and_releases(
    world: DriverWorld, board: list[Route], driver: User, settings: Any
):
    # The day gate alone keeps the addresses back, whatever the limits.
    settings.DRIVER_CLAIMS_PER_DAY = settings.DRIVER_RELEASES_PER_DAY = 50
    api = api_client_for(driver)
    seen = 0
    for route in board:
        assert api.post(f"/api/v1/routes/{route.pk}/claim/").status_code == 200
        seen += addresses_read(driver, route)
        assert api.post(f"/api/v1/routes/{route.pk}/release/").status_code == 200
    # Claim, mark a stop failed (which would start the route), read.
    last = board[0]
    api.post(f"/api/v1/routes/{last.pk}/claim/")
    stop = last.stops.get()
    failed = api.post(
        f"/api/v1/stops/{stop.pk}/complete/", {"outcome": "failed", "reason": "other"}
    )
    seen += addresses_read(driver, last)

    assert (failed.status_code, failed.json()) == (409, {"detail": str(services.NOT_ITS_DAY)})
    assert Stop.objects.get(pk=stop.pk).outcome == StopOutcome.PENDING
    assert seen == 0
    assert ContactReveal.objects.count() == 0

    # Positive control: the same reading, after a legitimate start on the route's day.
    on_its_day(last)
    assert api.post(f"/api/v1/routes/{last.pk}/start/").status_code == 200
    assert addresses_read(driver, last) == 2  # the page and the API each show it once
    assert ContactReveal.objects.count() == 2


def test_it_refuses_the_loop_past_the_limits_and_flags_the_driver(
    world: DriverWorld,
    board: list[Route],
    driver: User,
    other_driver: User,
    organizer: User,
    settings: Any,
):
    settings.DRIVER_CLAIMS_PER_DAY = 3
    settings.DRIVER_RELEASES_PER_DAY = 2
    settings.DRIVER_FLAG_RELEASES = 2
    api, page = api_client_for(driver), page_client(driver)
    first, second, third, fourth = board
    for route in (first, second):
        assert api.post(f"/api/v1/routes/{route.pk}/claim/").status_code == 200
        assert api.post(f"/api/v1/routes/{route.pk}/release/").status_code == 200
    assert api.post(f"/api/v1/routes/{third.pk}/claim/").status_code == 200
    # The other driver claims and releases once: not flagged.
    api_client_for(other_driver).post(f"/api/v1/routes/{first.pk}/claim/")
    api_client_for(other_driver).post(f"/api/v1/routes/{first.pk}/release/")

    release_api = api.post(f"/api/v1/routes/{third.pk}/release/")
    release_page = page.post(f"/drive/routes/{third.pk}/release/", follow=True)
    claim_api = api.post(f"/api/v1/routes/{fourth.pk}/claim/")
    claim_page = page.post(f"/drive/routes/{fourth.pk}/claim/", follow=True)

    assert (release_api.status_code, release_api.json()) == (
        409,
        {"detail": str(services.RELEASE_LIMIT)},
    )
    assert messages_of(release_page) == [str(services.RELEASE_LIMIT)]
    assert (claim_api.status_code, claim_api.json()) == (409, {"detail": str(services.CLAIM_LIMIT)})
    assert messages_of(claim_page) == [str(services.CLAIM_LIMIT)]
    assert Route.objects.get(pk=third.pk).driver_id == world.driver_profile.pk
    assert Route.objects.get(pk=fourth.pk).status == RouteStatus.OPEN

    organizers = page_client(organizer)
    log = organizers.get("/deliveries/reveals/")
    dashboard = organizers.get("/dashboard/")
    assert [(row.username, row.releases) for row in log.context["flagged"]] == [
        (driver.username, 2)
    ]
    assert [row.username for row in dashboard.context["board"].flagged_drivers] == [driver.username]
    assert "Drivers who claim and release repeatedly" in text_of(log)
    assert "drivers who claim and release repeatedly" in text_of(dashboard)


def test_it_opens_a_route_to_start_shortly_before_its_window_on_its_day(
    world: DriverWorld, settings: Any
):
    settings.REVEAL_LEAD_MINUTES = 45
    route = world.route

    opens = access.start_opens_at(route)

    window = dt.datetime.combine(route.service_date, route.window_start, tzinfo=organization_tz())
    assert opens == window - dt.timedelta(minutes=45)
    assert route.service_date > local_today() and not access.may_start_now(route)
    assert access.may_start_now(on_its_day(route))
