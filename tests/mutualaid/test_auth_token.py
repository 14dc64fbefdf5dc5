"""Signing in: API tokens at /api/v1/auth/token/, and the login and logout pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

URL = "/api/v1/auth/token/"
ITEMS = "/api/v1/items/"


@pytest.fixture(autouse=True)
def caller() -> Iterator[APIClient]:
    """A client at its own network address, so its login throttle is its own.

    The throttle counts in the shared cache (Redis under CI), keyed by address.
    """
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    key = f"throttle_auth_token_{address}"  # DRF ScopedRateThrottle's key for this caller
    cache.delete(key)
    yield APIClient(REMOTE_ADDR=address)
    cache.delete(key)


TokenFor = Callable[[str], str]


@pytest.fixture
def token_for(caller: APIClient) -> TokenFor:
    def token(username: str) -> str:
        response = caller.post(URL, {"username": username, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.json()
        body = response.json()
        assert sorted(body) == ["expiry", "token"]
        return body["token"]

    return token


def _client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_it_gives_a_token_that_opens_the_api(organizer: User, token_for: TokenFor):
    token = token_for("olga")

    response = _client_with(token).get(ITEMS)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_it_gives_a_new_token_on_each_login_and_both_work(organizer: User, token_for: TokenFor):
    first, second = token_for("olga"), token_for("olga")

    assert first != second
    assert _client_with(first).get(ITEMS).status_code == 200
    assert _client_with(second).get(ITEMS).status_code == 200


def test_it_keeps_roles_behind_a_token(driver: User, organizer: User, token_for: TokenFor):
    driver_api = _client_with(token_for("dario"))

    assert driver_api.get(ITEMS).status_code == 200
    assert driver_api.post(ITEMS, {"name": "Rice"}, format="json").status_code == 403
    assert driver_api.get("/api/v1/stock/").status_code == 403
    assert _client_with(token_for("olga")).get("/api/v1/stock/").status_code == 200


def test_it_refuses_a_token_to_a_member_without_a_role_for_members_only_data(
    member_without_role: User, token_for: TokenFor
):
    assert _client_with(token_for("nobody")).get(ITEMS).status_code == 403


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "olga", "password": "wrong-horse-battery-staple"},
        {"username": "nobody-here", "password": PASSWORD},
        {"username": "olga"},
        {"username": "olga", "password": ""},
    ],
    ids=["wrong password", "unknown user", "no password", "blank password"],
)
def test_it_refuses_bad_credentials(
    caller: APIClient, organizer: User, credentials: dict[str, str]
):
    response = caller.post(URL, credentials, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()


def test_it_refuses_a_deactivated_member(caller: APIClient, organizer: User):
    organizer.is_active = False
    organizer.save()

    response = caller.post(URL, {"username": "olga", "password": PASSWORD}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("header", ["Token not-a-real-token", "Bearer abc", "Token"])
def test_it_refuses_a_bad_token_header(db: None, header: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(ITEMS).status_code == 401


def test_it_slows_down_password_guessing(caller: APIClient, organizer: User):
    for attempt in range(20):
        # A new username each time: the lockout (per username and address) stays out of it.
        wrong = {"username": f"olga-{attempt}", "password": "guess"}
        # Claiming to be someone else in X-Forwarded-For must not buy fresh attempts.
        forwarded = f"203.0.113.{attempt}"
        response = caller.post(URL, wrong, format="json", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 400

    response = caller.post(
        URL,
        {"username": "olga", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert response.status_code == 429
    assert "token" not in response.json()


def test_no_other_site_can_make_a_browser_spend_its_wrong_password_allowance(
    caller: APIClient, organizer: User
):
    """A page on another site posting wrong passwords through a volunteer's browser (a form,
    or JSON with its Origin) is refused before any password is tried, so it cannot lock
    the volunteer out."""
    wrong = {"username": "olga", "password": "guess"}
    for _ in range(10):
        form = caller.post(URL, wrong, HTTP_ORIGIN="https://evil.example")
        assert form.status_code in (403, 415), form.status_code
        foreign = caller.post(URL, wrong, format="json", HTTP_ORIGIN="https://evil.example")
        assert foreign.status_code == 403, foreign.status_code

    signed_in = caller.post(URL, {"username": "olga", "password": PASSWORD}, format="json")

    assert signed_in.status_code == 200, signed_in.json()
    # Positive control: the same wrong password sent as a partner program would is counted.
    tried = [caller.post(URL, wrong, format="json").status_code for _ in range(5)]
    assert tried == [400, 400, 400, 400, 429]  # the fifth wrong password locks the pair
    locked = caller.post(URL, {"username": "olga", "password": PASSWORD}, format="json")
    assert locked.status_code == 429


# Pages -----------------------------------------------------------------------------------


def test_it_shows_the_login_page(client: Client, db: None):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_logs_an_organizer_in_and_out(client: Client, organizer: User):
    response = client.post("/accounts/login/", {"username": "olga", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/home/"
    assert client.get("/home/").headers["Location"] == "/dashboard/"
    assert client.get("/inventory/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    after = client.get("/inventory/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/accounts/login/")


def test_it_keeps_someone_out_with_a_wrong_password(client: Client, organizer: User):
    response = client.post("/accounts/login/", {"username": "olga", "password": "nope"})

    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert client.get("/home/").status_code == 302


def test_it_signs_a_driver_in_but_keeps_them_out_of_the_stock_pages(client: Client, driver: User):
    client.post("/accounts/login/", {"username": "dario", "password": PASSWORD})

    home = client.get("/home/")
    assert home.status_code in {200, 302}
    assert not home.headers.get("Location", "").startswith("/accounts/login/")
    assert client.get("/inventory/").status_code == 403


def test_it_lets_a_session_use_the_api(client: Client, organizer: User):
    client.post("/accounts/login/", {"username": "olga", "password": PASSWORD})

    assert client.get(ITEMS).status_code == 200


def test_it_does_not_log_out_on_a_plain_link(client: Client, organizer: User):
    client.post("/accounts/login/", {"username": "olga", "password": PASSWORD})

    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/inventory/").status_code == 200
