"""The pickup desk: a desk volunteer (or an organizer) looks a pickup up by reference code,
sees what is set aside (never the family's contact), hands it over; the desk role sees
nothing else; the family's QR code carries a desk link, never the status secret."""

from __future__ import annotations

import sys
from html import escape
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from deliveries.dashboard import dashboard
from household_requests import allocation, desk, services
from household_requests.models import RequestStatus
from household_requests.status_links import status_path
from household_requests.templatetags.pickup import qr_svg
from inventory.models import StockLot, StockMovement
from mutualaid.errors import Kind, ServiceError
from mutualaid.roles import is_desk, is_member
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.household_requests.factories import (
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    contact,
    submit,
)
from tests.household_requests.pickups import (
    PLACE_ADDRESS,
    PLACE_HOURS,
    PLACE_NAME,
    Pickup,
    desk_volunteer,
    pickup,
)
from tests.inventory.factories import ItemFactory, donate
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

DESK = "/desk/"
HAND_OVER = "/desk/hand-over/"


@pytest.fixture
def desk_user() -> User:
    return desk_volunteer()


def _lot(p: Pickup) -> StockLot:
    return StockLot.objects.get(pk=p.lot.pk)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# Handing over ---------------------------------------------------------------------------


def test_it_hands_a_pickup_over_at_the_desk(desk_user: User, client: Client):
    p = pickup(stock=5, asked=3)
    assert (_lot(p).on_hand, _lot(p).reserved) == (5, 3)
    fed_before = dashboard().people_fed_last_30_days
    desk_page = page_client(desk_user)

    # Typed as a volunteer would: lower case, a space for the dash.
    looked_up = desk_page.get(DESK, {"reference": p.reference.lower().replace("-", " ")})
    page = looked_up.content.decode()
    assert looked_up.status_code == 200
    assert "Rice, 5 lb bag" in page and ">3 each<" in page and PLACE_NAME in page
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_NOTES, p.submitted.status_secret):
        assert secret not in page
    assert 'action="/desk/hand-over/"' in page

    handed = desk_page.post(HAND_OVER, {"reference": p.reference}, follow=True)

    assert gettext("Handed over: request %(reference)s is picked up.") % {
        "reference": p.reference
    } in _messages(handed)
    request = p.request
    assert request.status == RequestStatus.DELIVERED and request.finished_at is not None
    # The stock left the shelves through the ledger, in the desk volunteer's name.
    assert (_lot(p).on_hand, _lot(p).reserved) == (2, 0)
    movement = StockMovement.objects.get(lot=p.lot, kind=StockMovement.Kind.DISTRIBUTED)
    assert (movement.on_hand_delta, movement.actor) == (-3, desk_user)
    # Two adults and a child are counted in people fed (none were before).
    assert fed_before == 0
    assert dashboard().people_fed_last_30_days == 3
    # The family's page says picked up.
    status = client.get(p.status_path).content.decode()
    assert gettext("Picked up") in status
    assert gettext("Picked up. Thank you, and take care.") in status


def test_organizers_can_use_the_desk_too(organizer: User):
    p = pickup()
    detail = page_client(organizer).get(f"/requests/{p.request.pk}/").content.decode()
    assert f'href="/desk/?reference={p.reference}"' in detail

    page_client(organizer).post(HAND_OVER, {"reference": p.reference})

    assert p.request.status == RequestStatus.DELIVERED


def test_the_purge_clock_starts_when_a_pickup_is_handed_over(desk_user: User):
    p = pickup()
    before = timezone.now()

    desk.request_hand_over(reference=p.reference, user=desk_user)

    request = p.request
    assert request.finished_at is not None and request.finished_at >= before
    assert request.contact_purged_at is None  # the purge job destroys it after retention


def test_the_desk_page_makes_the_same_queries_however_many_items(desk_user: User):
    few = pickup(stock=5, asked=3)
    beans = ItemFactory.create(name="Beans", max_per_household=9)
    oil = ItemFactory.create(name="Oil", max_per_household=9)
    donate((beans, 5), (oil, 5), location=few.place)
    many = submit(
        items=[(few.rice, 1), (beans, 2), (oil, 2)],
        fulfilment="pickup",
        pickup_location=few.place,
        contact=contact(address=""),
    )
    allocation.allocate_open_requests()
    pages = page_client(desk_user)

    def look_up(reference: str) -> int:
        return count_queries(lambda: pages.get(DESK, {"reference": reference}))

    assert look_up(many.request.reference) == look_up(few.reference)
    assert "Beans" in pages.get(DESK, {"reference": many.request.reference}).content.decode()


# Refusals -------------------------------------------------------------------------------


def _refusal(reference: str, user: User) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        desk.request_hand_over(reference=reference, user=user)
    return caught.value


def test_it_refuses_an_unknown_reference(desk_user: User):
    error = _refusal("ZZZZ-ZZZZ", desk_user)
    assert (str(error), error.kind) == (str(desk.UNKNOWN_REFERENCE), Kind.INVALID)

    page = page_client(desk_user).get(DESK, {"reference": "ZZZZ-ZZZZ"}).content.decode()
    assert str(desk.UNKNOWN_REFERENCE) in page
    assert "hand-over" not in page


def test_it_refuses_a_delivery(desk_user: User):
    delivery = submit()

    error = _refusal(delivery.request.reference, desk_user)

    assert (str(error), error.kind) == (str(desk.NOT_A_PICKUP), Kind.CONFLICT)


def test_it_refuses_a_pickup_with_nothing_set_aside_yet(desk_user: User):
    p = pickup(stock=0)
    page = page_client(desk_user).get(DESK, {"reference": p.reference}).content.decode()
    assert escape(str(desk.NOTHING_SET_ASIDE)) in page and 'action="/desk/hand-over/"' not in page

    error = _refusal(p.reference, desk_user)

    assert str(error) == str(desk.NOTHING_SET_ASIDE)
    assert p.request.status == RequestStatus.SUBMITTED


def test_it_refuses_a_second_hand_over_and_changes_nothing(desk_user: User):
    p = pickup(stock=5, asked=3)
    desk.request_hand_over(reference=p.reference, user=desk_user)
    ledger = StockMovement.objects.count()

    error = _refusal(p.reference, desk_user)
    shown = page_client(desk_user).post(HAND_OVER, {"reference": p.reference}, follow=True)

    assert str(error) == str(desk.ALREADY_PICKED_UP)
    assert str(desk.ALREADY_PICKED_UP) in _messages(shown)
    assert (_lot(p).on_hand, _lot(p).reserved) == (2, 0)
    assert StockMovement.objects.count() == ledger


def test_it_refuses_a_cancelled_pickup(desk_user: User):
    p = pickup(stock=5, asked=3)
    services.request_cancel(request_id=p.request.pk)

    error = _refusal(p.reference, desk_user)

    assert str(error) == str(desk.WAS_CANCELLED)
    assert (_lot(p).on_hand, _lot(p).reserved) == (5, 0)


# Who may use the desk, and the desk role sees nothing else ---------------------------------


def test_it_shows_the_desk_to_desk_volunteers_and_organizers_only(
    desk_user: User, organizer: User, driver: User, member_without_role: User
):
    p = pickup()
    for allowed in (desk_user, organizer):
        assert page_client(allowed).get(DESK).status_code == 200
    for outsider in (driver, member_without_role):
        assert page_client(outsider).get(DESK).status_code == 403
        assert page_client(outsider).post(HAND_OVER, {"reference": p.reference}).status_code == 403
    anonymous = page_client(None).get(DESK, {"reference": p.reference})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert page_client(None).post(HAND_OVER, {"reference": p.reference}).status_code == 302
    assert page_client(desk_user).get(HAND_OVER).status_code == 405
    assert p.request.status == RequestStatus.MATCHED  # no outsider handed anything over


ORGANIZER_PAGES = [
    "/dashboard/",
    "/requests/",
    "/requests/export.csv",
    "/requests/hotline/",
    "/inventory/",
    "/inventory/catalogue/",
    "/inventory/donations/new/",
    "/deliveries/routes/",
    "/deliveries/drivers/",
    "/deliveries/reveals/",
    "/drive/",
]
MEMBER_API = [
    "/api/v1/requests/",
    "/api/v1/items/",
    "/api/v1/locations/",
    "/api/v1/zones/",
    "/api/v1/stock/",
    "/api/v1/donations/",
    "/api/v1/routes/",
]


def test_a_desk_volunteer_sees_nothing_else(desk_user: User, organizer: User):
    pickup()
    assert is_desk(desk_user) and not is_member(desk_user)
    pages, api = page_client(desk_user), api_client_for(desk_user)
    # Positive control: the same pages and endpoints answer an organizer.
    for url in ORGANIZER_PAGES[:-1]:
        assert page_client(organizer).get(url).status_code == 200, url
    for url in MEMBER_API:
        assert api_client_for(organizer).get(url).status_code == 200, url

    for url in ORGANIZER_PAGES:
        assert pages.get(url).status_code in (403, 404), url
    for url in MEMBER_API:
        assert api.get(url).status_code in (403, 404), url
    # Signed in, a desk volunteer lands on the desk.
    assert pages.get("/home/")["Location"] == "/desk/"


def test_add_member_gives_the_desk_role(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "stdin", StringIO(PASSWORD + "\n"))
    out = StringIO()
    call_command("add_member", "dina", "--role", "desk", "--password-stdin", stdout=out)

    user = User.objects.get(username="dina")
    assert "role desk" in out.getvalue()
    assert is_desk(user) and not is_member(user)


# The family's page: where, until when, and the desk's QR code -------------------------------


def test_the_status_page_says_where_and_until_when_with_a_qr_code_to_the_desk(client: Client):
    waiting = pickup(stock=0)
    before = client.get(waiting.status_path).content.decode()
    assert gettext("This page will say when your items are ready to pick up.") in before
    assert "<svg" not in before

    p = pickup(stock=5)
    page = client.get(p.status_path).content.decode()

    assert PLACE_NAME in page and PLACE_ADDRESS in page and PLACE_HOURS in page
    assert "Your items are ready. Please pick them up by" in page
    link = f"http://testserver/desk/?reference={p.reference}"
    assert qr_svg(link) in page  # the code on the page encodes exactly the desk link


def test_the_desk_link_and_its_qr_code_hold_no_status_secret(client: Client):
    p = pickup(stock=5)
    secret = p.submitted.status_secret
    link = f"http://testserver{desk.desk_path(p.reference)}"
    page = client.get(p.status_path).content.decode()
    assert qr_svg(link) in page

    # Positive control: the same check finds the secret in the family's own status link,
    # and a QR code of that link is not the one on the page.
    family_link = f"http://testserver{status_path(p.reference, secret)}"
    assert secret in family_link and qr_svg(family_link) not in page

    assert secret not in link and p.reference in link
    desk_page = page_client(desk_volunteer()).get(link).content.decode()
    assert secret not in desk_page and p.reference in desk_page
