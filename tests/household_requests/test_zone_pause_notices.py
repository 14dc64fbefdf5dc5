"""Family notices and a paused pickup point (issue 14): "ready for pickup" follows the
pickup point's zone, not the family's home zone; skipped while the point is paused, it is
queued again and sent after the pause (through a real local Signal server)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from deliveries import notices
from deliveries.models import NoticeKind, NoticeSent
from household_requests import allocation, pauses
from household_requests.models import PauseKind, PickupPointZone
from tests.deliveries.factories import stocked_item, zone_named
from tests.deliveries.notice_servers import ProviderServer
from tests.household_requests.factories import contact, make_zone, submit
from tests.inventory.factories import LocationFactory

READY_ES = "Su recogida está lista. Su enlace privado dice dónde y cuándo."


@pytest.mark.django_db
def test_ready_for_pickup_waits_for_the_pickup_points_pause(
    organizer: User, signal_server: ProviderServer
):
    home = zone_named()
    lake = make_zone("Lake", ("55408",))
    church = LocationFactory.create()
    PickupPointZone.objects.create(location=church, zone=lake)
    family = submit(
        items=[(stocked_item(name="Rice"), 1)],
        fulfilment="pickup",
        pickup_location=church,
        contact=contact(address="", auto_texts=True),
        language="es",
    ).request
    assert family.zone_id == home.pk  # their home zone is not paused: only the point is
    pauses.zones_pause(user=organizer, zone_ids=[lake.pk], kind=PauseKind.HOUR)
    allocation.allocate_open_requests()

    notices.notices_send()
    notices.notices_send()

    assert signal_server.sends() == []
    skipped = NoticeSent.objects.get(request=family, outcome="skipped")
    assert (skipped.kind, skipped.reason) == (NoticeKind.READY_FOR_PICKUP, notices.PAUSED)
    waiting = NoticeSent.objects.get(request=family, outcome="pending")
    assert waiting.kind == NoticeKind.READY_FOR_PICKUP
    # After the pause ends, the family hears once.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=5), tick=False):
        notices.notices_send()
        notices.notices_send()

    assert [s.json()["message"] for s in signal_server.sends()] == [READY_ES]
    assert NoticeSent.objects.filter(request=family, outcome="sent").count() == 1


@pytest.mark.django_db
def test_a_paused_home_zone_does_not_hold_back_a_pickup_elsewhere(
    organizer: User, signal_server: ProviderServer
):
    home = zone_named()
    lake = make_zone("Lake", ("55408",))
    church = LocationFactory.create()
    PickupPointZone.objects.create(location=church, zone=lake)
    submit(
        items=[(stocked_item(name="Rice"), 1)],
        fulfilment="pickup",
        pickup_location=church,
        contact=contact(address="", auto_texts=True),
        language="es",
    )
    pauses.zones_pause(user=organizer, zone_ids=[home.pk], kind=PauseKind.HOUR)
    allocation.allocate_open_requests()

    notices.notices_send()
    notices.notices_send()

    assert [s.json()["message"] for s in signal_server.sends()] == [READY_ES]
