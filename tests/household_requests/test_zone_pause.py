"""Zone pauses (issue 14): who may pause, extend only, only organizers lift, the record, and
a pause that cannot be read counting as paused (a real lock held by another connection)."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from deliveries.models import RevealChannel
from deliveries.reveal import contacts_reveal
from household_requests import pauses
from household_requests.contacts import Contact
from household_requests.models import PauseAction, PauseEvent, PauseKind, Zone, ZonePause
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.factories import route_in_state
from tests.deliveries.helpers import shows_secrets, text_of
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone


@pytest.fixture
def dispatcher(db: None) -> User:
    # A dispatcher's pause must leave a zone unpaused: here, one that nothing else uses.
    make_zone("Elsewhere", ("55999",))
    return member_add(username="dina", role="dispatcher", password=PASSWORD)


@pytest.fixture
def zones(db: None) -> list[int]:
    return [make_zone("North", ("55411",)).pk, make_zone("South", ("55417",)).pk]


def _pause(user: User, zone_ids: list[int], kind: str = PauseKind.HOUR) -> pauses.PauseResult:
    return pauses.zones_pause(user=user, zone_ids=zone_ids, kind=kind)


@pytest.mark.django_db
def test_it_lets_a_dispatcher_pause_zones_and_records_it(dispatcher: User, zones: list[int]):
    result = _pause(dispatcher, zones[:1])

    assert pauses.paused_zone_ids() == {zones[0]}
    assert pauses.zone_paused(zones[0]) and not pauses.zone_paused(zones[1])
    event = PauseEvent.objects.get()
    assert (event.action, event.by, event.until) == (PauseAction.PAUSE, dispatcher, result.until)
    assert [zone.pk for zone in event.zones.all()] == zones[:1]


@pytest.mark.django_db
def test_it_only_ever_extends_a_pause(dispatcher: User, zones: list[int]):
    long = _pause(dispatcher, zones[:1], PauseKind.LIFTED)

    short = _pause(dispatcher, zones[:1], PauseKind.HOUR)  # a shorter pause changes nothing

    assert ZonePause.objects.get().until == long.until
    assert short.until < long.until
    assert list(PauseEvent.objects.values_list("action", flat=True)) == [PauseAction.PAUSE]


@pytest.mark.django_db
@override_settings(ZONE_PAUSE_MAX_HOURS=48)
def test_it_records_an_extension(dispatcher: User, zones: list[int]):
    first = _pause(dispatcher, zones, PauseKind.HOUR)

    later = _pause(dispatcher, zones, PauseKind.LIFTED)

    assert later.until > first.until
    assert set(ZonePause.objects.values_list("until", flat=True)) == {later.until}
    actions = list(PauseEvent.objects.order_by("at", "id").values_list("action", flat=True))
    assert actions == [PauseAction.PAUSE, PauseAction.EXTEND]


@pytest.mark.django_db
@override_settings(ZONE_PAUSE_MAX_HOURS=3)
def test_it_ends_a_pause_until_lifted_after_the_maximum(dispatcher: User, zones: list[int]):
    before = timezone.now()

    result = _pause(dispatcher, zones[:1], PauseKind.LIFTED)

    assert before + dt.timedelta(hours=3) <= result.until
    assert result.until <= timezone.now() + dt.timedelta(hours=3)


@pytest.mark.django_db
def test_it_lets_only_organizers_lift(dispatcher: User, organizer: User, zones: list[int]):
    _pause(dispatcher, zones)

    with pytest.raises(ServiceError) as refused:
        pauses.zones_lift(user=dispatcher, zone_ids=zones)
    assert refused.value.kind == Kind.REFUSED
    assert pauses.paused_zone_ids() == set(zones)

    assert pauses.zones_lift(user=organizer, zone_ids=zones[:1]) == zones[:1]
    assert pauses.paused_zone_ids() == {zones[1]}
    lift = PauseEvent.objects.filter(action=PauseAction.LIFT).get()
    assert (lift.by, [z.pk for z in lift.zones.all()]) == (organizer, zones[:1])


@pytest.mark.django_db
def test_it_lets_only_organizers_pause_every_zone(
    dispatcher: User, organizer: User, zones: list[int]
):
    with pytest.raises(ServiceError) as refused:
        pauses.zones_pause(user=dispatcher, every_zone=True, kind=PauseKind.HOUR)
    assert refused.value.kind == Kind.REFUSED

    pauses.zones_pause(user=organizer, every_zone=True, kind=PauseKind.HOUR)
    assert pauses.paused_zone_ids() == set(Zone.objects.values_list("pk", flat=True))
    assert set(zones) < pauses.paused_zone_ids()


@pytest.mark.django_db
def test_it_refuses_a_dispatcher_listing_every_zone(
    dispatcher: User, organizer: User, zones: list[int]
):
    every = list(Zone.objects.values_list("pk", flat=True))
    _pause(dispatcher, every[:-1])  # positive control: all but one is a dispatcher's

    with pytest.raises(ServiceError) as refused:  # the last one would leave none unpaused
        _pause(dispatcher, every[-1:])
    page = page_client(dispatcher).post(
        "/zones/pause/", {"zones": [every[-1]], "duration": PauseKind.HOUR}
    )
    api = api_client_for(dispatcher).post(
        "/api/v1/zones/pause/", {"zones": every, "minutes": 30}, format="json"
    )

    assert refused.value.kind == Kind.REFUSED
    assert page.status_code == 200
    assert "Only organizers can pause every zone at once." in text_of(page)
    assert api.status_code == 403
    assert pauses.paused_zone_ids() == set(every[:-1])
    # An organizer may.
    _pause(organizer, every[-1:])
    assert pauses.paused_zone_ids() == set(every)


@pytest.mark.django_db
def test_it_refuses_drivers_and_members_without_a_role(
    driver: User, member_without_role: User, zones: list[int]
):
    for user in (driver, member_without_role):
        with pytest.raises(ServiceError) as refused:
            _pause(user, zones)
        assert refused.value.kind == Kind.REFUSED
    assert not ZonePause.objects.exists()


@pytest.mark.django_db
def test_it_pauses_again_after_a_pause_ended(dispatcher: User, zones: list[int]):
    _pause(dispatcher, zones[:1])
    ZonePause.objects.update(until=timezone.now() - dt.timedelta(minutes=1), holds_sent_at=None)
    assert not pauses.zone_paused(zones[0])

    _pause(dispatcher, zones[:1])

    assert pauses.zone_paused(zones[0])
    assert PauseEvent.objects.filter(action=PauseAction.PAUSE).count() == 2


@pytest.mark.django_db
@override_settings(ZONE_PAUSE_RECORD_DAYS=30)
def test_it_deletes_the_record_after_retention(dispatcher: User, zones: list[int]):
    _pause(dispatcher, zones[:1])
    _pause(dispatcher, zones[1:])
    PauseEvent.objects.filter(zones=zones[0]).update(at=timezone.now() - dt.timedelta(days=31))

    pauses.pause_record_purge()

    assert [list(e.zones.values_list("pk", flat=True)) for e in PauseEvent.objects.all()] == [
        zones[1:]
    ]


# A pause that cannot be read counts as paused -------------------------------------------


def _text(shown: dict[int, Contact]) -> str:
    return " ".join(str(value) for contact in shown.values() for value in vars(contact).values())


def _lock_pause_table(locked: threading.Event, release: threading.Event) -> None:
    """Another connection holds the pause table in ACCESS EXCLUSIVE mode until `release`."""
    params = connection.get_connection_params()
    with (
        psycopg.connect(
            dbname=params.get("dbname") or connection.settings_dict["NAME"],
            user=params.get("user"),
            host=params.get("host"),
            port=params.get("port"),
            password=params.get("password"),
        ) as other,
        other.transaction(),
    ):
        other.execute("SET LOCAL lock_timeout = '10s'")
        other.execute(f"LOCK TABLE {ZonePause._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        locked.set()
        release.wait(timeout=15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(ZONE_PAUSE_READ_TIMEOUT_MS=300)
def test_it_shows_nothing_when_the_pause_cannot_be_read(driver: User):
    world = routed_request()
    profile = make_driver(driver, world.zone)
    route = route_in_state(world.route, "in_progress", profile)
    stops = list(route.stops.select_related("request"))

    # Positive control: the driver sees the family while the table is readable.
    shown = contacts_reveal(route=route, stops=stops, user=driver, channel=RevealChannel.PAGE)
    assert shows_secrets(_text(shown))
    assert pauses.zone_paused(world.zone.pk) is False

    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_lock_pause_table, args=(locked, release), daemon=True)
    holder.start()
    try:
        assert locked.wait(timeout=15)
        paused = pauses.zone_paused(world.zone.pk)
        hidden = contacts_reveal(route=route, stops=stops, user=driver, channel=RevealChannel.PAGE)
    finally:
        release.set()
        holder.join(timeout=15)

    assert paused is True
    assert hidden == {}
    # The table unlocked, nothing is paused: the driver sees the family again.
    assert contacts_reveal(route=route, stops=stops, user=driver, channel=RevealChannel.PAGE)


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_keeps_the_short_lock_timeout_to_the_pause_read(zones: list[int]):
    def lock_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            return str(cursor.fetchone()[0])

    before = lock_timeout()

    assert pauses.zone_paused(zones[0]) is False
    assert lock_timeout() == before  # the rest of the caller's transaction waits as before
