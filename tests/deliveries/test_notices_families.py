"""Automatic texts to families: only to those who asked, only to the phone they gave, in
their language, neutral (no item, no address, no organisation unless one is set)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from deliveries import notices, services
from deliveries.models import NoticeKind, NoticeSent, Route, StopOutcome
from household_requests import allocation
from household_requests.models import HouseholdRequest
from household_requests.notice_contacts import phone_for_notice
from household_requests.pickup_hold import pickups_release_uncollected
from tests.deliveries.factories import (
    OTHER_CONTACT,
    make_driver,
    on_its_day,
    plan,
    stocked_item,
    zone_named,
)
from tests.deliveries.notice_servers import ProviderServer
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    as_form,
    contact,
    request_payload,
    submit,
)
from tests.inventory.factories import ItemFactory, LocationFactory

FAMILY_PHONE_SENT = "+16125550199"  # SECRET_PHONE, 612-555-0199
OTHER_PHONE_SENT = "+16125550142"
ON_ITS_WAY_ES = "Su entrega va en camino hoy."


def two_families() -> tuple[Route, HouseholdRequest, HouseholdRequest]:
    """One route: a Spanish-speaking family that asked for texts, and one that did not."""
    zone_named()
    item = stocked_item(name="Canned beans")
    asked = submit(items=[(item, 2)], contact=contact(auto_texts=True), language="es").request
    silent = submit(items=[(item, 2)], contact=contact(**OTHER_CONTACT)).request
    plan()
    route = Route.objects.get(stops__request=asked)
    assert route.stops.count() == 2
    return route, asked, silent


def started(route: Route, user: User) -> None:
    driver = make_driver(user, route.zone)
    services.route_claim(route_id=route.pk, driver=driver)
    on_its_day(route)
    services.route_start(route_id=route.pk, driver=driver)


def test_it_texts_on_its_way_only_to_the_family_that_asked(
    driver: User, signal_server: ProviderServer
):
    route, asked, silent = two_families()
    started(route, driver)

    assert notices.notices_send() == 1

    [send] = signal_server.sends()
    payload = send.json()
    assert payload["recipients"] == [FAMILY_PHONE_SENT]
    assert payload["message"] == ON_ITS_WAY_ES
    body = signal_server.bodies()
    for absent in (SECRET_NAME, SECRET_ADDRESS, "Canned beans", OTHER_PHONE_SENT, "Phillips"):
        assert absent not in body
    # Positive control: the same search finds the number where it must be.
    assert FAMILY_PHONE_SENT in body
    # The one who did not ask gets nothing; its row says so (and holds no number).
    assert sorted(NoticeSent.objects.values_list("request_id", "kind", "outcome", "reason")) == [
        (asked.pk, NoticeKind.ON_ITS_WAY, "sent", ""),
        (silent.pk, NoticeKind.ON_ITS_WAY, "skipped", "not asked"),
    ]


def test_it_names_the_network_only_when_set(driver: User, signal_server: ProviderServer):
    route, _asked, _silent = two_families()
    started(route, driver)

    with override_settings(NOTIFY_SENDER_NAME="Vecinos"):
        notices.notices_send()

    assert signal_server.sends()[0].json()["message"] == f"Vecinos: {ON_ITS_WAY_ES}"


def test_it_texts_we_missed_you_after_a_failed_stop(driver: User, signal_server: ProviderServer):
    route, asked, _silent = two_families()
    started(route, driver)
    notices.notices_send()
    stop = route.stops.get(request=asked)
    profile = route.driver
    assert profile is not None

    services.stop_complete(
        stop_id=stop.pk, driver=profile, outcome=StopOutcome.FAILED, reason="nobody_home"
    )
    notices.notices_send()

    assert [s.json()["message"] for s in signal_server.sends()] == [
        ON_ITS_WAY_ES,
        "No lo encontramos hoy. Su enlace privado dice qué sigue.",
    ]


def test_it_queues_once_per_event_and_family(driver: User, signal_server: ProviderServer):
    route, asked, _silent = two_families()
    started(route, driver)

    notices.notices_to_families(NoticeKind.ON_ITS_WAY, [asked.pk], event=f"route {route.pk}")
    notices.notices_send()

    assert len(signal_server.sends()) == 1


def test_it_holds_a_family_to_its_daily_limit(driver: User, signal_server: ProviderServer):
    route, asked, _silent = two_families()
    started(route, driver)

    with override_settings(NOTIFY_PER_RECIPIENT_PER_DAY=1):
        notices.notices_to_families(NoticeKind.MISSED, [asked.pk], event="test")
        notices.notices_send()

    assert len(signal_server.sends()) == 1
    held = NoticeSent.objects.get(kind=NoticeKind.MISSED)
    # Held for the next day, not dropped (test_notices_caps.py sends it then).
    assert (held.outcome, held.reason, held.attempts) == ("pending", "limit", 0)


def test_it_holds_the_families_to_their_network_limit(driver: User, signal_server: ProviderServer):
    route, asked, _silent = two_families()
    started(route, driver)

    with override_settings(NOTIFY_FAMILY_PER_DAY=1):
        notices.notices_send()
        notices.notices_to_families(NoticeKind.MISSED, [asked.pk], event="test")
        notices.notices_send()

    assert len(signal_server.sends()) == 1


def test_a_failed_send_leaves_the_start_standing(driver: User, signal_server: ProviderServer):
    signal_server.answer = "error"
    route, _asked, _silent = two_families()

    started(route, driver)
    notices.notices_send()

    route.refresh_from_db()
    assert route.status == "in_progress"
    notice = NoticeSent.objects.get(reason="error")
    assert notice.outcome == "pending"
    signal_server.answer = "ok"
    assert notices.notices_send(now=timezone.now() + dt.timedelta(hours=1)) == 1


def test_nothing_is_queued_without_a_family_channel(driver: User):
    route, _asked, _silent = two_families()

    started(route, driver)

    assert not NoticeSent.objects.exists()


@pytest.mark.django_db
def test_the_api_takes_the_opt_in_and_it_is_off_by_default():
    zone_named()
    rice = ItemFactory.create(name="Rice", max_per_household=4)
    api = APIClient()
    asked = api.post(
        "/api/v1/public/requests/", request_payload(rice, auto_texts=True), format="json"
    )
    silent = api.post(
        "/api/v1/public/requests/",
        request_payload(rice, phone="612-555-0142", address="1 Other St"),
        format="json",
    )
    assert asked.status_code == silent.status_code == 201

    by_reference = {r.reference: r.pk for r in HouseholdRequest.objects.all()}
    assert phone_for_notice(by_reference[asked.json()["reference"]]) == FAMILY_PHONE_SENT
    assert phone_for_notice(by_reference[silent.json()["reference"]]) is None


@pytest.mark.django_db
def test_the_form_explains_and_takes_the_opt_in(client: Client):
    zone_named()
    rice = ItemFactory.create(name="Rice", max_per_household=4)
    client.post("/i18n/setlang/", {"language": "es", "next": "/request/"})

    page = client.get("/request/").content.decode()
    assert 'name="auto_texts"' in page and "checked" not in page.split('name="auto_texts"')[1][:40]
    assert "Envíenme mensajes de texto automáticos" in page

    client.post("/request/", as_form(request_payload(rice), auto_texts="on"))
    [request] = HouseholdRequest.objects.all()
    assert phone_for_notice(request.pk) == FAMILY_PHONE_SENT


@pytest.mark.django_db
def test_it_texts_ready_and_missed_to_a_pickup_family_that_asked(signal_server: ProviderServer):
    zone_named()
    church = LocationFactory.create()
    rice = stocked_item(name="Rice")
    pickup = submit(
        items=[(rice, 1)],
        fulfilment="pickup",
        pickup_location=church,
        contact=contact(address="", auto_texts=True),
        language="es",
    ).request
    allocation.allocate_open_requests()

    notices.notices_send()
    notices.notices_send()  # read from state again: not queued twice

    assert [s.json()["message"] for s in signal_server.sends()] == [
        "Su recogida está lista. Su enlace privado dice dónde y cuándo."
    ]
    assert church.name not in signal_server.bodies()

    # Nobody came: the hold runs out, and the family hears once.
    later = timezone.now() + dt.timedelta(days=30)
    assert pickups_release_uncollected(now=later) == 1
    notices.notices_send()
    notices.notices_send()

    assert [s.json()["message"] for s in signal_server.sends()][1:] == [
        "No lo encontramos hoy. Su enlace privado dice qué sigue."
    ]
    assert NoticeSent.objects.filter(request=pickup, outcome="sent").count() == 2


def test_nothing_but_the_hold_goes_into_a_zone_paused_before_the_send(
    driver: User, organizer: User, signal_server: ProviderServer
):
    """'On its way' queued, then the zone is paused before the worker sends it: it is
    skipped for good (never sent stale after the pause). Holds are exempt (test_hold.py)."""
    from household_requests.pauses import zones_pause

    route, asked, _silent = two_families()
    started(route, driver)
    zones_pause(user=organizer, zone_ids=[route.zone_id], kind="hour")

    notices.notices_send()

    assert NoticeSent.objects.get(request=asked).reason == notices.PAUSED
    assert all(s.json()["message"] != ON_ITS_WAY_ES for s in signal_server.sends())
    # Positive control: the same send path delivers it once the zone is not paused.
    NoticeSent.objects.filter(request=asked).delete()
    from household_requests.models import ZonePause

    ZonePause.objects.all().delete()
    notices.notices_to_families(NoticeKind.ON_ITS_WAY, [asked.pk], event="again")
    notices.notices_send()
    assert any(s.json()["message"] == ON_ITS_WAY_ES for s in signal_server.sends())
