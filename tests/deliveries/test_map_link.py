"""The driver's map link: the address with its postal code (sealed with it) and the
network's state, as a link the phone opens (geo: on Android, Apple Maps on an iPhone, the
other one offered beside it); the server itself calls no map service."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from deliveries.map_links import map_links, map_query
from household_requests.contacts import Contact, unseal_contact
from household_requests.models import SealedContact
from tests.conftest import page_client
from tests.deliveries.factories import make_driver, planned_route, route_in_state
from tests.household_requests.factories import contact, make_zone, request_payload
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

ANDROID = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/120 Mobile"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile"
QUERY = "4417%20Zzyzx%20Leakcheck%20Avenue%2C%20Apt%209%2C%20MN%2055407"
GEO = f"geo:0,0?q={QUERY}"
APPLE = f"https://maps.apple.com/?q={QUERY}"


@pytest.fixture(autouse=True)
def _minnesota(settings: Any) -> None:
    settings.NETWORK_STATE = "MN"


def _route_page(driver: User, user_agent: str, family: Contact | None = None) -> str:
    route = planned_route([family or contact(postal_code="55407")])
    route_in_state(route, "in_progress", make_driver(driver))
    client = page_client(driver)
    return client.get(f"/drive/routes/{route.pk}/", HTTP_USER_AGENT=user_agent).content.decode()


def test_it_carries_the_postal_code_and_the_state_to_an_android_phone(driver: User):
    body = _route_page(driver, ANDROID)

    assert f'class="button big map" href="{GEO}"' in body
    assert f'href="{APPLE}">Map on iPhone</a>' in body  # if the phone is not what it says
    assert unquote(QUERY) == "4417 Zzyzx Leakcheck Avenue, Apt 9, MN 55407"


def test_it_opens_apple_maps_on_an_iphone_with_geo_beside_it(driver: User):
    body = _route_page(driver, IPHONE)

    assert f'class="button big map" href="{APPLE.replace("&", "&amp;")}"' in body
    assert f'href="{GEO}">Map on Android</a>' in body


def test_it_seals_the_postal_code_with_the_address(db: None):
    make_zone()
    rice = ItemFactory.create(name="Rice")

    APIClient().post(
        "/api/v1/public/requests/",
        request_payload(rice, postal_code=" 55407-1234 "),
        format="json",
    )

    sealed = SealedContact.objects.get()
    assert unseal_contact(sealed).postal_code == "55407"
    assert b"55407" not in bytes(sealed.sealed)  # sealed, not beside it in the clear


def test_it_takes_a_new_postal_code_with_new_details_on_the_status_page(db: None):
    make_zone()
    rice = ItemFactory.create(name="Rice")
    client = Client()
    sent = client.post(
        "/request/",
        {
            "postal_code": "55407",
            "name": "Ana",
            "phone": "612 555 0100",
            "address": "1 Lake St",
            "reach": "text",
            f"item_{rice.pk}": "1",
            "consent": "on",
        },
    )
    status_page = sent["Location"].split("?")[0]

    client.post(
        status_page,
        {
            "name": "Ana",
            "phone": "612 555 0100",
            "address": "9 River Rd",
            "postal_code": "55404",
            "reach": "text",
        },
    )

    opened = unseal_contact(SealedContact.objects.get())
    assert (opened.address, opened.postal_code) == ("9 River Rd", "55404")


def test_it_puts_a_multi_line_address_on_one_line_and_leaves_out_what_is_unknown():
    two_lines = Contact(name="A", phone="1", address="12 Lake St\nApt 3", postal_code="55407")
    no_code = Contact(name="A", phone="1", address="12 Lake St,")

    assert map_query(two_lines, "MN") == "12 Lake St, Apt 3, MN 55407"
    assert map_query(two_lines, "") == "12 Lake St, Apt 3, 55407"
    assert map_query(no_code, "") == "12 Lake St"


def test_it_offers_no_map_without_an_address_or_a_contact_shown():
    assert map_links(Contact(name="A", phone="1", address=" ", postal_code="55407"), IPHONE) is None
    assert map_links(None, ANDROID) is None


@pytest.fixture
def outside_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every connection the process opens to anything but this machine, refused and noted."""
    tried: list[Any] = []
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else ""
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not (
            host.startswith("127.") or host in ("::1", "localhost")
        ):
            tried.append(address)
            raise ConnectionRefusedError("no outside connection in this test")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield tried


def test_it_calls_no_map_service_to_build_the_page(driver: User, outside_connections: list[Any]):
    # Positive control: the guard does see a connection to the outside.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert outside_connections == [("192.0.2.1", 443)]
    outside_connections.clear()

    body = _route_page(driver, IPHONE)

    assert "maps.apple.com" in body
    assert outside_connections == []
