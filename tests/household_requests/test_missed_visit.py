"""A missed visit is told: after "could not deliver", the family's status page says the
visit was missed and what happens next (planned again, or closed after the last try), in
the family's language; the organizers' queue flags requests with missed visits. And the
family's "Cancel" asks once more before anything changes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from deliveries import services as delivery_services
from deliveries.models import Driver, FailureReason, Stop, StopOutcome
from household_requests.models import HouseholdRequest, RequestStatus
from household_requests.status_links import status_path
from tests.conftest import page_client
from tests.deliveries.factories import (
    make_driver,
    on_its_day,
    plan,
    route_in_state,
    stocked_item,
    zone_named,
)
from tests.household_requests.factories import contact, submit
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

MISSED = "We missed you: our driver came but could not deliver."
MISSED_ES = "No le encontramos: nuestro conductor vino, pero no pudo entregar."
NEXT_VISIT = "We will plan another visit and show the new day here."
CLOSED = "Our driver came 2 times but could not deliver."


@dataclass
class Family:
    request: HouseholdRequest
    path: str  # the family's private status page
    driver: Driver


@pytest.fixture
def family(driver: User) -> Family:
    zone = zone_named()
    item = stocked_item()
    submitted = submit(items=[(item, 2)])
    plan()
    submitted.request.refresh_from_db()
    return Family(
        request=submitted.request,
        path=status_path(submitted.request.reference, submitted.status_secret),
        driver=make_driver(driver, zone),
    )


def _visit_and_miss(family: Family) -> None:
    """The driver goes on the route's day and records "could not deliver"."""
    stop = Stop.objects.get(request=family.request, outcome=StopOutcome.PENDING)
    route_in_state(stop.route, "in_progress", family.driver)
    delivery_services.stop_complete(
        stop_id=stop.pk,
        driver=family.driver,
        outcome=StopOutcome.FAILED,
        reason=FailureReason.NOBODY_HOME,
    )


def _page(path: str, language: str = "en") -> str:
    return Client(HTTP_ACCEPT_LANGUAGE=language).get(path).content.decode()


def test_it_tells_the_family_the_visit_was_missed_and_that_another_is_planned(family: Family):
    before = _page(family.path)
    planned_day = family.request.planned_for
    assert planned_day is not None

    _visit_and_miss(family)
    after = _page(family.path)

    # Positive control: before the visit the page said when we would come, and no miss.
    assert "Planned for" in before and MISSED not in before
    assert MISSED in after and NEXT_VISIT in after
    assert "We will try at most 1 more time." in after
    assert "Planned for" not in after  # the missed day is no longer promised


def test_it_says_when_the_next_visit_is_once_planned_again(family: Family):
    _visit_and_miss(family)
    plan()
    family.request.refresh_from_db()

    page = _page(family.path)

    assert family.request.status == RequestStatus.SCHEDULED
    assert MISSED in page and "We will come again on the day below." in page
    assert "Planned for" in page and NEXT_VISIT not in page


def test_it_tells_it_in_the_familys_language(family: Family):
    _visit_and_miss(family)

    page = _page(family.path, "es")

    assert MISSED_ES in page and MISSED not in page


@override_settings(MAX_DELIVERY_ATTEMPTS=2)
def test_it_says_the_request_is_closed_after_the_last_try(family: Family):
    _visit_and_miss(family)
    plan()
    stop = Stop.objects.get(request=family.request, outcome=StopOutcome.PENDING)
    on_its_day(stop.route)
    _visit_and_miss(family)

    page = _page(family.path)

    family.request.refresh_from_db()
    assert family.request.status == RequestStatus.CLOSED
    assert CLOSED in page and "please send a new request" in page
    assert MISSED not in page and "Cancel my request" not in page


def test_it_flags_requests_with_missed_visits_in_the_queue(family: Family, organizer: User):
    other = submit(contact=contact(phone="651-555-0177", address="9 Other St")).request
    _visit_and_miss(family)
    client = page_client(organizer)

    queue = client.get("/requests/").content.decode()
    only_missed = client.get("/requests/?missed=1").content.decode()
    csv = b"".join(client.get("/requests/export.csv").streaming_content).decode()  # type: ignore[attr-defined]

    row_of = {r: queue.split(r)[1].split("</tr>")[0] for r in (family.request.reference,)}
    assert "1 missed visit" in row_of[family.request.reference]
    assert queue.count("missed visit") == 1  # the other request has none
    assert other.reference in queue
    assert family.request.reference in only_missed and other.reference not in only_missed
    header, *rows = csv.strip().splitlines()
    assert "missed_visits" in header.split(",")
    column = header.split(",").index("missed_visits")
    assert sorted(row.split(",")[column] for row in rows) == ["0", "1"]


def test_it_keeps_the_queue_query_count_flat_with_missed_visits(family: Family, organizer: User):
    client = page_client(organizer)
    one = count_queries(lambda: client.get("/requests/"))
    _visit_and_miss(family)
    for n in range(5):
        submit(contact=contact(phone=f"651-555-01{n:02d}", address=f"{n} Flat St"))

    many = count_queries(lambda: client.get("/requests/"))

    assert many == one


def test_it_asks_before_cancelling_and_back_changes_nothing(family: Family):
    client = Client()
    cancel = family.path + "cancel/"

    asked = client.post(cancel)
    family.request.refresh_from_db()
    still_open = family.request.status
    keep_link = f'href="{family.path}"'
    done = client.post(cancel, {"confirm": "yes"}, follow=True)

    assert asked.status_code == 200
    body = asked.content.decode()
    assert f"Cancel request {family.request.reference}?" in body
    assert "Yes, cancel my request" in body and keep_link in body
    assert 'name="confirm" value="yes"' in body
    assert still_open == RequestStatus.SCHEDULED
    family.request.refresh_from_db()
    assert family.request.status == RequestStatus.CANCELLED
    assert "Your request is cancelled." in done.content.decode()


def test_it_asks_before_cancelling_in_the_familys_language(family: Family):
    asked = Client(HTTP_ACCEPT_LANGUAGE="es").post(family.path + "cancel/")

    assert "Sí, cancelar mi pedido" in asked.content.decode()
    family.request.refresh_from_db()
    assert family.request.status == RequestStatus.SCHEDULED


def test_it_does_not_ask_to_cancel_what_is_already_finished(family: Family):
    Client().post(family.path + "cancel/", {"confirm": "yes"})

    again = Client().post(family.path + "cancel/")

    assert again.status_code == 302 and again["Location"] == family.path
