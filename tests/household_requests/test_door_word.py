"""The door word: the same pair on the family's page, the hotline's thanks and the started
route, in the family's language; nowhere else (issue 14). Each "absent" check is paired with
the family's page, where the same search finds it."""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from deliveries import services as delivery_services
from deliveries.models import Driver, Route, StopOutcome
from household_requests import pauses, retention
from household_requests.door_word import (
    LIST_SIZE,
    DoorWord,
    door_word_for_family,
    list_language,
    word_lists,
)
from household_requests.models import HouseholdRequest, PauseKind, SealedContact
from household_requests.services import request_cancel, request_update_contact
from household_requests.status_links import status_path
from inventory.models import Item
from mutualaid import keystore, sealing
from mutualaid.timeutil import organization_tz
from tests.conftest import api_client_for, page_client
from tests.deliveries.factories import (
    make_driver,
    on_its_day,
    plan,
    route_in_state,
    stocked_item,
    zone_named,
)
from tests.deliveries.helpers import text_of
from tests.household_requests.factories import as_form, contact, request_payload, submit
from tests.mutualaid.stored import pg_dump_text

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "es", "so", "hmn")
LAST_MONTH = dt.timedelta(days=40)


@dataclass
class Family:
    request: HouseholdRequest
    status: str  # the family's status page path
    route: Route
    driver: Driver
    word: DoorWord


def _family(driver: User, other_driver: User, *, language: str = "so") -> Family:
    zone_named()
    item = stocked_item()
    submitted = submit(items=[(item, 3)], contact=contact(), language=language)
    plan()
    request = submitted.request
    word = door_word_for_family(request)
    assert word is not None
    make_driver(other_driver)
    return Family(
        request=request,
        status=status_path(request.reference, submitted.status_secret),
        route=Route.objects.get(stops__request=request),
        driver=make_driver(driver),
        word=word,
    )


@pytest.fixture
def family(driver: User, other_driver: User) -> Family:
    return _family(driver, other_driver)


def _read(client: Any, url: str, *, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    if response.streaming:
        return html.unescape(b"".join(response.streaming_content).decode())
    return html.unescape(response.content.decode())


def _has(text: str, word: DoorWord) -> bool:
    return word.words in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_ships_at_least_4096_pairs_in_each_language(language: str):
    first, second = word_lists(language)
    words = [word for word, _hint in (*first, *second)]

    assert (len(first), len(second)) == (LIST_SIZE, LIST_SIZE)
    assert len(first) * len(second) >= 4096
    assert len(set(words)) == len(words)  # no word twice, in either list
    assert all(hint for _word, hint in (*first, *second))
    assert list_language(language) == language


@pytest.mark.parametrize("language", ("so", "hmn"))
def test_it_marks_the_somali_and_hmong_lists_for_a_native_speakers_review(language: str):
    from household_requests.door_word import LISTS_DIR

    assert "native speaker's review" in (LISTS_DIR / f"{language}.txt").read_text()


def test_it_gives_each_request_a_pair_in_its_own_language(driver: User, other_driver: User):
    family = _family(driver, other_driver, language="hmn")
    first, second = word_lists("hmn")
    pairs = {f"{a} {b}" for a, _ha in first for b, _hb in second}

    assert family.word.language == "hmn"
    assert family.word.words in pairs


def test_it_shows_the_same_word_to_the_family_and_the_driver_once_started(
    family: Family, driver: User
):
    client = page_client(driver)
    route_in_state(on_its_day(family.route), "claimed", family.driver)
    before = text_of(client.get(f"/drive/routes/{family.route.pk}/"))
    api_before = api_client_for(driver).get(f"/api/v1/routes/{family.route.pk}/").content

    delivery_services.route_start(route_id=family.route.pk, driver=family.driver)
    page = text_of(client.get(f"/drive/routes/{family.route.pk}/"))
    api = api_client_for(driver).get(f"/api/v1/routes/{family.route.pk}/").json()
    family_page = text_of(page_client(None).get(family.status))

    assert [_has(before, family.word), _has(api_before.decode(), family.word)] == [False, False]
    assert [_has(page, family.word), _has(family_page, family.word)] == [True, True]
    assert family.word.hint in page and family.word.hint in family_page
    (stop,) = api["stops"]
    assert (stop["contact"]["door_word"], stop["contact"]["door_word_hint"]) == (
        family.word.words,
        family.word.hint,
    )
    assert "never stops your delivery" in family_page  # in English for this client
    assert "says this word first" in family_page


def test_it_never_shows_the_word_to_organizers_or_other_drivers(
    family: Family, organizer: User, other_driver: User
):
    route_in_state(family.route, "in_progress", family.driver)
    route = family.route.pk
    org, org_api = page_client(organizer), api_client_for(organizer)
    other, other_api = page_client(other_driver), api_client_for(other_driver)
    texts = {
        "organizer route page": _read(org, f"/drive/routes/{route}/"),
        "organizer route detail": _read(org, f"/deliveries/routes/{route}/"),
        "packing list": _read(org, f"/deliveries/routes/{route}/packing/"),
        "labels": _read(org, f"/deliveries/routes/{route}/labels/"),
        "queue": _read(org, "/requests/"),
        "request detail": _read(org, f"/requests/{family.request.pk}/"),
        "export": _read(org, "/requests/export.csv"),
        "organizer API": _read(org_api, f"/api/v1/routes/{route}/"),
        "requests API": _read(org_api, "/api/v1/requests/"),
        "other driver page": _read(other, f"/drive/routes/{route}/", status=404),
        "other driver API": _read(other_api, f"/api/v1/routes/{route}/", status=404),
        "other driver board": _read(other, "/drive/"),
        "driver's route list API": _read(api_client_for(family.driver.user), "/api/v1/routes/"),
    }
    control = text_of(page_client(None).get(family.status))

    assert {name: _has(text, family.word) for name, text in texts.items()} == dict.fromkeys(
        texts, False
    )
    assert _has(control, family.word)


def test_it_is_gone_for_the_driver_and_the_family_after_delivery(family: Family, driver: User):
    route_in_state(family.route, "in_progress", family.driver)
    stop = family.route.stops.get()
    delivery_services.stop_complete(
        stop_id=stop.pk, driver=family.driver, outcome=StopOutcome.DELIVERED
    )

    page = text_of(page_client(driver).get(f"/drive/routes/{family.route.pk}/"))
    family_page = text_of(page_client(None).get(family.status))

    assert [_has(page, family.word), _has(family_page, family.word)] == [False, False]
    assert SealedContact.objects.filter(request=family.request).exists()  # kept till purge


def test_it_never_writes_the_word_to_a_log_or_a_notice(
    driver: User, other_driver: User, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    family = _family(driver, other_driver)
    route_in_state(family.route, "in_progress", family.driver)
    page_client(driver).get(f"/drive/routes/{family.route.pk}/")
    api_client_for(driver).get(f"/api/v1/routes/{family.route.pk}/")
    control = text_of(page_client(None).get(family.status))
    delivery_services.routes_take_back(driver=family.driver, every_route=True)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    sent = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    assert [_has(logged, family.word), _has(sent, family.word)] == [False, False]
    assert _has(control, family.word)
    assert repr(family.word) == "DoorWord(<sealed>)"


def test_it_reads_the_word_out_on_the_hotlines_thanks(organizer: User, db: None):
    zone_named()
    item: Item = stocked_item()
    client = page_client(organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.post("/requests/hotline/", as_form(request_payload(item)))
    thanks = text_of(response)
    request = HouseholdRequest.objects.get()
    word = door_word_for_family(request)
    status = response.context["status_url"].removeprefix("http://testserver")
    family_page = text_of(page_client(None).get(status))

    assert word is not None and word.language == "es"
    assert [_has(thanks, word), _has(family_page, word)] == [True, True]


def test_it_is_replaced_when_a_route_is_taken_back(family: Family, driver: User):
    route_in_state(family.route, "in_progress", family.driver)
    seen = text_of(page_client(driver).get(f"/drive/routes/{family.route.pk}/"))
    assert _has(seen, family.word)

    delivery_services.routes_take_back(driver=family.driver, every_route=True)
    new = door_word_for_family(family.request)
    family_page = text_of(page_client(None).get(family.status))

    assert new is not None and new.words != family.word.words
    assert [_has(family_page, new), _has(family_page, family.word)] == [True, False]


def test_it_goes_with_the_contact_in_the_purge_and_the_wipe(family: Family):
    before = SealedContact.objects.values_list("sealed_word", flat=True).get()

    retention.contacts_wipe_all()

    assert door_word_for_family(family.request) is None
    assert not SealedContact.objects.exists()
    assert before  # there was one to destroy


def _word_token(request: HouseholdRequest) -> bytes:
    return bytes(
        SealedContact.objects.filter(request=request).values_list("sealed_word", flat=True).get()
        or b""
    )


def test_the_hourly_reseal_moves_the_word_out_of_a_closed_period_and_keeps_it(
    django_capture_on_commit_callbacks: Any,
):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        request = submit(contact=contact()).request
        old_period = sealing.current_period()
    word = door_word_for_family(request)
    old_token = _word_token(request)
    # The family changed their details this month: the contact is in this period, the
    # word still in the closed one, whose key must not outlive it.
    request_update_contact(request_id=request.pk, contact=contact(name="New Name"))

    with django_capture_on_commit_callbacks(execute=True):
        moved = retention.contacts_reseal_past_periods()

    assert moved == 1
    assert sealing.period_of_sealed(_word_token(request)) == sealing.current_period()
    assert word is not None and door_word_for_family(request).words == word.words  # type: ignore[union-attr]
    assert old_period not in keystore.periods()
    with pytest.raises(sealing.SealingError):
        sealing.unseal(old_token)  # a copy from a backup no longer opens


def test_the_purge_destroys_the_word_with_the_contact(django_capture_on_commit_callbacks: Any):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        finished = submit(contact=contact()).request
        request_cancel(request_id=finished.pk)
    copy = _word_token(finished)
    assert sealing.unseal(copy)  # it opened before

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.contacts_purge() == 1

    assert not SealedContact.objects.filter(request=finished).exists()
    with pytest.raises(sealing.SealingError):
        sealing.unseal(copy)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_holds_no_word_in_the_clear(driver: User, other_driver: User):
    family = _family(driver, other_driver)
    route_in_state(family.route, "in_progress", family.driver)
    page_client(driver).get(f"/drive/routes/{family.route.pk}/")
    control = text_of(page_client(None).get(family.status))

    dump = pg_dump_text()

    assert family.request.reference in dump  # the dump holds the request
    assert [_has(dump, family.word), _has(control, family.word)] == [False, True]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_open_request_made_before_a_word():
    before = [("household_requests", "0005_zone_pauses")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    zone = old.get_model("household_requests", "Zone").objects.create(name="Phillips")
    requests = old.get_model("household_requests", "HouseholdRequest").objects
    contacts = old.get_model("household_requests", "SealedContact").objects
    open_one = requests.create(reference="OPEN-0001", status_secret_hash="x", zone=zone)
    done = requests.create(
        reference="DONE-0001", status_secret_hash="x", zone=zone, status="delivered"
    )
    for request in (open_one, done):
        contacts.create(request=request, sealed=sealing.seal("{}"))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    opened = door_word_for_family(HouseholdRequest.objects.get(reference="OPEN-0001"))
    assert opened is not None and opened.language == "en"
    assert SealedContact.objects.get(request__reference="DONE-0001").sealed_word is None


def _replaced(family: Family) -> bool:
    """Whether the family's page now shows a new word and no longer the old one."""
    new = door_word_for_family(family.request)
    family_page = text_of(page_client(None).get(family.status))
    assert new is not None
    return new.words != family.word.words and [
        _has(family_page, new),
        _has(family_page, family.word),
    ] == [True, False]


def test_it_is_replaced_when_a_driver_hands_a_started_route_back(family: Family, driver: User):
    route_in_state(family.route, "in_progress", family.driver)
    assert _has(text_of(page_client(driver).get(f"/drive/routes/{family.route.pk}/")), family.word)
    assert not _replaced(family)  # positive control: the old word is still the family's

    delivery_services.route_hand_back_for_safety(route_id=family.route.pk, driver=family.driver)

    assert _replaced(family)


def test_it_is_replaced_when_a_paused_started_route_is_retired(family: Family, organizer: User):
    route_in_state(family.route, "in_progress", family.driver)
    route = Route.objects.get(pk=family.route.pk)
    pauses.zones_pause(user=organizer, zone_ids=[route.zone_id], kind=PauseKind.HOUR)
    after_window = dt.datetime.combine(
        route.service_date, route.window_end, tzinfo=organization_tz()
    ) + dt.timedelta(minutes=1)
    assert not _replaced(family)

    retired = delivery_services.routes_retire_past(today=route.service_date, now=after_window)

    assert retired == 1
    assert Route.objects.get(pk=route.pk).status == "cancelled"
    assert _replaced(family)
