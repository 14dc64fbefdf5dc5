"""The daily caps on notices: a family's phone is one recipient however many requests carry
it; families have their own network cap, so a flood never crowds out drivers' offers; a
notice over a cap waits for the next day (skipped then only if stale); a pickup posted by
anyone texts a phone for one open request a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from deliveries import notices, services
from deliveries.driver_settings import driver_settings_update
from deliveries.models import NoticeKind, NoticeSent, Route
from household_requests import allocation
from household_requests.models import HouseholdRequest
from mutualaid.timeutil import organization_tz
from tests.deliveries.factories import make_driver, on_its_day, plan, stocked_item, zone_named
from tests.deliveries.notice_servers import ProviderServer
from tests.household_requests.factories import contact, submit
from tests.inventory.factories import LocationFactory

FAMILY_PHONE_SENT = "+16125550199"  # SECRET_PHONE
DRIVER_NUMBER = "+1 612 555 0177"


def next_midnight(moment: dt.datetime) -> dt.datetime:
    day = moment.astimezone(organization_tz()).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=organization_tz())


def one_phone_two_requests(user: User) -> tuple[Route, list[HouseholdRequest]]:
    """Two requests on one route with the same phone (a stranger's number, typed twice),
    both asking for texts; the driver starts the route."""
    zone_named()
    item = stocked_item(name="Rice")
    requests = [
        submit(items=[(item, 1)], contact=contact(address=address, auto_texts=True)).request
        for address in ("1 First St", "2 Second St")
    ]
    plan()
    route = Route.objects.get(stops__request=requests[0])
    assert route.stops.count() == 2
    driver = make_driver(user, route.zone)
    services.route_claim(route_id=route.pk, driver=driver)
    on_its_day(route)
    services.route_start(route_id=route.pk, driver=driver)
    return route, requests


def test_it_caps_a_phone_however_many_requests_carry_it(
    driver: User, signal_server: ProviderServer
):
    _route, requests = one_phone_two_requests(driver)

    with override_settings(NOTIFY_PER_RECIPIENT_PER_DAY=1):
        notices.notices_send()

    assert [s.json()["recipients"] for s in signal_server.sends()] == [[FAMILY_PHONE_SENT]]
    held = NoticeSent.objects.get(request=requests[1])
    assert (held.outcome, held.reason) == ("pending", "limit")
    assert held.next_try_at == next_midnight(held.queued_at)
    # Next day "on its way" is stale: skipped then, never sent a day late.
    notices.notices_send(now=held.next_try_at + dt.timedelta(minutes=1))
    held.refresh_from_db()
    assert (held.outcome, held.reason) == ("skipped", "stale")
    assert len(signal_server.sends()) == 1


def test_it_caps_by_request_without_the_phone_index(driver: User, signal_server: ProviderServer):
    """Positive control for the test above: counted per request, both would be sent."""
    one_phone_two_requests(driver)

    with override_settings(NOTIFY_PER_RECIPIENT_PER_DAY=2):
        notices.notices_send()

    assert len(signal_server.sends()) == 2


def test_a_flood_of_family_texts_leaves_the_drivers_theirs(
    driver: User, signal_server: ProviderServer
):
    route, _requests = one_phone_two_requests(driver)
    assert route.driver is not None
    driver_settings_update(
        driver=route.driver,
        channel="signal",
        number=DRIVER_NUMBER,
        forget_number=False,
        language="en",
    )

    with override_settings(NOTIFY_FAMILY_PER_DAY=1, NOTIFY_PER_DAY=5):
        notices.notices_send()  # the families' cap is spent by the first text
        services.routes_take_back(driver=route.driver, every_route=True)
        notices.notices_send()

    kinds = dict(NoticeSent.objects.values_list("kind", "outcome").filter(driver__isnull=False))
    assert kinds == {NoticeKind.CLAIM_ENDED: "sent"}
    assert NoticeSent.objects.filter(request__isnull=False, reason="limit").count() == 1


def test_a_driver_notice_over_the_cap_goes_the_next_day(
    driver: User, signal_server: ProviderServer
):
    route, _requests = one_phone_two_requests(driver)
    assert route.driver is not None
    notices.notices_to_drivers(
        notices.DriverNotice(NoticeKind.CLAIM_ENDED, route.driver, route.pk, f"test {n}")
        for n in range(2)
    )
    driver_settings_update(
        driver=route.driver,
        channel="signal",
        number=DRIVER_NUMBER,
        forget_number=False,
        language="en",
    )

    with override_settings(NOTIFY_PER_DAY=1, NOTIFY_PER_RECIPIENT_PER_DAY=5):
        notices.notices_send()
        held = NoticeSent.objects.get(driver__isnull=False, outcome="pending")
        assert held.reason == "limit"
        notices.notices_send(now=held.next_try_at + dt.timedelta(minutes=1))

    held.refresh_from_db()
    assert held.outcome == "sent"


@pytest.mark.django_db
def test_a_public_pickup_texts_a_phone_for_one_open_request_a_day(
    signal_server: ProviderServer,
):
    zone_named()
    church = LocationFactory.create()
    rice = stocked_item(name="Rice")
    pickups = [
        submit(
            items=[(rice, 1)],
            fulfilment="pickup",
            pickup_location=church,
            contact=contact(address="", auto_texts=True),
        ).request
        for _ in range(3)
    ]
    assert {p.channel for p in pickups} == {"web"}
    allocation.allocate_open_requests()

    notices.notices_send()

    assert len(signal_server.sends()) == 1, list(
        NoticeSent.objects.values_list("kind", "outcome", "reason")
    )
    waiting = NoticeSent.objects.filter(outcome="pending", reason=notices.ONE_A_DAY)
    assert waiting.count() == 2
    # They wait, one a day, rather than being dropped.
    tomorrow = next_midnight(waiting[0].queued_at) + dt.timedelta(minutes=1)
    notices.notices_send(now=tomorrow)
    assert len(signal_server.sends()) == 2
    assert waiting.count() == 1
