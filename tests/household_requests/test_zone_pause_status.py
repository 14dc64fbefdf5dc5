"""What a family sees while their zone or pickup point is paused (issue 14), in their
language, and their own "not today, it isn't safe"."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from deliveries import services as delivery_services
from deliveries.models import Stop, StopOutcome
from deliveries.reveal import contacts_reveal
from household_requests import desk, pauses, pickup_hold
from household_requests.models import HouseholdRequest, PauseKind, PickupPointZone, RequestStatus
from household_requests.services import SubmittedRequest
from mutualaid.members import member_add
from mutualaid.timeutil import local_today, organization_tz
from tests.conftest import PASSWORD, page_client
from tests.deliveries.factories import make_driver, on_its_day, plan, stocked_item
from tests.deliveries.helpers import text_of
from tests.household_requests.factories import make_zone, submit
from tests.household_requests.pickups import desk_volunteer, pickup

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(db: None) -> User:
    # A dispatcher's pause must leave a zone unpaused: here, one that nothing else uses.
    make_zone("Elsewhere", ("55999",))
    return member_add(username="dina", role="dispatcher", password=PASSWORD)


def _planned(language: str = "en") -> SubmittedRequest:
    make_zone()
    submitted = submit(items=[(stocked_item(20), 2)], language=language)
    plan()
    return submitted


def _status(submitted: SubmittedRequest, suffix: str = "") -> str:
    return f"/request/status/{submitted.request.reference}/{submitted.status_secret}/{suffix}"


def test_it_tells_the_family_deliveries_are_paused_in_their_language(dispatcher: User):
    submitted = _planned("es")
    before = page_client(None).get(_status(submitted), HTTP_ACCEPT_LANGUAGE="es")
    assert "Planeado para el" in text_of(before)  # positive control: the day is shown

    zone_id = submitted.request.zone_id
    assert zone_id is not None
    pauses.zones_pause(user=dispatcher, zone_ids=[zone_id], kind=PauseKind.HOUR)
    page = page_client(None).get(_status(submitted), HTTP_ACCEPT_LANGUAGE="es")
    text = text_of(page)

    assert page.status_code == 200
    assert "Las entregas cerca de usted están en pausa por su seguridad." in text
    assert "Su solicitud se mantiene" in text
    assert "Planeado para el" not in text and "En camino" not in text


def test_it_still_accepts_new_requests_from_a_paused_zone(dispatcher: User):
    zone = make_zone()
    pauses.zones_pause(user=dispatcher, zone_ids=[zone.pk], kind=PauseKind.HOUR)

    submitted = submit(items=[(stocked_item(20), 2)])

    assert submitted.request.zone_id == zone.pk and submitted.request.is_open


def test_it_holds_the_stop_when_the_family_says_not_today(driver: User):
    submitted = _planned()
    stop = Stop.objects.select_related("route").get(request=submitted.request)
    profile = make_driver(driver, stop.route.zone)
    route = on_its_day(stop.route)
    delivery_services.route_claim(route_id=route.pk, driver=profile)
    route = delivery_services.route_start(route_id=route.pk, driver=profile)
    stops = list(route.stops.select_related("request"))
    assert contacts_reveal(route=route, stops=stops, user=driver, channel="page")  # control

    answer = page_client(None).post(_status(submitted, "not-today/"))
    stops = list(route.stops.select_related("request"))
    shown = contacts_reveal(route=route, stops=stops, user=driver, channel="page")
    delivery_services.routes_settle_cancelled_stops()

    assert answer.status_code == 302
    assert shown == {}
    request = HouseholdRequest.objects.get(pk=submitted.request.pk)
    assert (request.status, request.delivery_attempts) == (RequestStatus.MATCHED, 0)
    assert Stop.objects.get(pk=stop.pk).outcome == StopOutcome.HELD
    plan()  # not planned again today
    assert not Stop.objects.filter(request=request, outcome=StopOutcome.PENDING).exists()
    text = text_of(page_client(None).get(_status(submitted)))
    assert "We will not come today" in text


def test_it_shows_a_paused_pickup_point_and_stops_its_clock(dispatcher: User):
    waiting = pickup()
    zone = make_zone("Lake", ("55408",))
    PickupPointZone.objects.create(location=waiting.place, zone=zone)
    assert "Pickups at this place" not in text_of(page_client(None).get(waiting.status_path))
    later = timezone.now() + dt.timedelta(days=30)

    pauses.zones_pause(user=dispatcher, zone_ids=[zone.pk], kind=PauseKind.HOUR)
    text = text_of(page_client(None).get(waiting.status_path))
    released = pickup_hold.pickups_release_uncollected(now=later)

    assert "Pickups at this place are paused for your safety." in text
    assert released == 0
    assert waiting.request.status == RequestStatus.MATCHED
    # Positive control: once lifted, the same clock releases it.
    pauses.zones_lift(
        user=member_add(username="o2", role="organizer", password=PASSWORD), zone_ids=[zone.pk]
    )
    assert pickup_hold.pickups_release_uncollected(now=later) == 1


def test_it_still_hands_over_at_a_paused_pickup_point(dispatcher: User):
    waiting = pickup()
    zone = make_zone("Lake", ("55408",))
    PickupPointZone.objects.create(location=waiting.place, zone=zone)
    pauses.zones_pause(user=dispatcher, zone_ids=[zone.pk], kind=PauseKind.HOUR)

    desk.request_hand_over(reference=waiting.reference, user=desk_volunteer())

    assert waiting.request.status == RequestStatus.DELIVERED


@override_settings(PICKUP_HOLD_DAYS=7, ZONE_PAUSE_MAX_HOURS=72)
def test_it_gives_a_pickup_family_the_paused_days_back(dispatcher: User):
    noon = dt.datetime.combine(local_today(), dt.time(12), tzinfo=organization_tz())
    with time_machine.travel(noon, tick=False):
        waiting = pickup()
        zone = make_zone("Lake", ("55408",))
        PickupPointZone.objects.create(location=waiting.place, zone=zone)
    last_day = noon.date() + dt.timedelta(days=7)
    moved = noon.date() + dt.timedelta(days=10)

    def on_day(days: int, minutes: int = 0) -> time_machine.travel:
        return time_machine.travel(noon + dt.timedelta(days=days, minutes=minutes), tick=False)

    # Day 6: the point's zone is paused for three days, over the family's last day (day 7).
    with on_day(6):
        pauses.zones_pause(user=dispatcher, zone_ids=[zone.pk], kind=PauseKind.LIFTED)
    with on_day(8):
        assert pickup_hold.pickups_release_uncollected() == 0
    # Day 10, the pause over: the three paused days are theirs again, and the page says so.
    with on_day(10):
        released = pickup_hold.pickups_release_uncollected()
        text = text_of(page_client(None).get(waiting.status_path))
    assert released == 0
    assert waiting.request.status == RequestStatus.MATCHED
    assert waiting.request.delivery_attempts == 0
    assert f"pick them up by {moved:%A}, {moved:%m/%d/%Y}." in text
    assert f"{last_day:%m/%d/%Y}" not in text
    # Positive control: the day after the moved last day, the same clock releases it.
    with on_day(11, minutes=1):
        assert pickup_hold.pickups_release_uncollected() == 1
    assert waiting.request.delivery_attempts == 1
