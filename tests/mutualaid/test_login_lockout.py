"""Password guessing (issue 10): the login page, the admin login and the token endpoint share
one lockout per (username, address), answered in the caller's language, lifted after the
cool-off; and no network address (nor an unkeyed hash of one) is stored in the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from mutualaid.lockout import address_pseudonym
from tests.conftest import PASSWORD
from tests.mutualaid.stored import as_an_attacker_reads_it

pytestmark = pytest.mark.django_db

USERNAME = "root"
ADDRESS = "198.51.100.23"
OTHER_ADDRESS = "198.51.100.77"
WRONG = "not-the-password"
SPANISH = "Demasiadas contraseñas incorrectas"

Answer = Any  # a test client response, HTML or JSON
Login = Callable[..., Answer]


@pytest.fixture
def member() -> User:
    """Someone who can use all three logins: staff for the admin, a member for the rest."""
    return User.objects.create_superuser(USERNAME, password=PASSWORD)


def web_login(password: str, **caller: str) -> Answer:
    return _browser(**caller).post(
        "/accounts/login/", {"username": caller.get("username", USERNAME), "password": password}
    )


def admin_login(password: str, **caller: str) -> Answer:
    return _browser(**caller).post(
        "/admin/login/",
        {"username": caller.get("username", USERNAME), "password": password, "next": "/admin/"},
    )


def token_login(password: str, **caller: str) -> Answer:
    client = APIClient(**_meta(**caller))
    body = {"username": caller.get("username", USERNAME), "password": password}
    return client.post("/api/v1/auth/token/", body, format="json")


def _meta(
    address: str = ADDRESS, language: str = "en", forwarded: str = "", username: str = ""
) -> dict[str, Any]:
    meta: dict[str, Any] = {"REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": language}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


def _browser(**caller: str) -> Client:
    return Client(**_meta(**caller))


LOGINS: dict[str, Login] = {"login page": web_login, "admin": admin_login, "token": token_login}
SIGNED_IN = {web_login: 302, admin_login: 302, token_login: 200}
REFUSED = {web_login: 200, admin_login: 200, token_login: 400}


def signed_in(login: Login, **caller: str) -> bool:
    response = login(PASSWORD, **caller)
    assert response.status_code in {SIGNED_IN[login], 429}, response.content
    return response.status_code == SIGNED_IN[login]


def lock_out(**caller: str) -> None:
    """The failure limit, spread over the three logins in turn."""
    logins = list(LOGINS.values())
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        login = logins[attempt % len(logins)]
        answer = login(WRONG, **caller)
        last = attempt == settings.LOGIN_FAILURE_LIMIT - 1
        assert answer.status_code == (429 if last else REFUSED[login]), (attempt, login)


def locked_message(response: Answer) -> str:
    if response["Content-Type"].startswith("application/json"):
        return str(response.json()["detail"])
    return response.content.decode()


def test_it_shares_one_lockout_between_the_three_logins(member: User):
    assert all(signed_in(login) for login in LOGINS.values())  # the right password works

    lock_out()

    for name, login in LOGINS.items():
        refused = login(PASSWORD)
        assert refused.status_code == 429, name
        assert "Too many wrong passwords" in locked_message(refused), name
        assert int(refused["Retry-After"]) == settings.LOGIN_COOLOFF_MINUTES * 60
    assert token_login(PASSWORD).json().keys() == {"detail"}


@pytest.mark.parametrize("name", list(LOGINS))
def test_it_tells_a_spanish_speaker_in_spanish(member: User, name: str):
    lock_out()

    refused = LOGINS[name](PASSWORD, language="es")

    assert refused.status_code == 429
    assert SPANISH in locked_message(refused)
    assert "Too many" not in locked_message(refused)


def test_it_lets_the_member_in_again_after_the_cool_off(member: User):
    locked_at = timezone.now()
    lock_out()
    cool_off = dt.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    almost = locked_at + cool_off - dt.timedelta(minutes=1)

    with time_machine.travel(almost, tick=False):
        assert not any(signed_in(login) for login in LOGINS.values())
    # A refused try counts as a guess: the cool-off runs again from the last one.
    with time_machine.travel(almost + cool_off + dt.timedelta(minutes=1), tick=False):
        assert all(signed_in(login) for login in LOGINS.values())


def test_it_keys_the_lockout_on_the_username_and_the_address(member: User):
    User.objects.create_user("colleague", password=PASSWORD)
    lock_out()

    # Not a lock on the account for everyone (a guesser could shut out every driver on a
    # delivery day), nor on the address for every account.
    assert signed_in(web_login, address=OTHER_ADDRESS)
    assert signed_in(token_login, address=OTHER_ADDRESS)
    assert signed_in(web_login, username="colleague")
    assert not signed_in(web_login)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_takes_the_address_behind_the_proxy_where_the_rate_limit_does(member: User):
    proxy = "10.0.0.2"
    lock_out(address=proxy, forwarded=ADDRESS)

    # Another family behind the same proxy is not locked out; a forged entry on the left of
    # X-Forwarded-For does not free the guesser.
    assert signed_in(web_login, address=proxy, forwarded=OTHER_ADDRESS)
    assert not signed_in(token_login, address=proxy, forwarded=f"{OTHER_ADDRESS}, {ADDRESS}")


@pytest.mark.django_db(transaction=True)
def test_it_stores_no_network_address(member: User):
    lock_out()
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert all(signed_in(login) for login in LOGINS.values())
    lock_out(address=OTHER_ADDRESS)
    stored = as_an_attacker_reads_it()

    # Axes did record the guesses, under the keyed pseudonym.
    pseudonym = str(AccessAttempt.objects.get().ip_address)
    request = Client(REMOTE_ADDR=OTHER_ADDRESS).get("/").wsgi_request
    assert pseudonym == address_pseudonym(request) and pseudonym in stored
    for address in (ADDRESS, OTHER_ADDRESS):
        assert address not in stored
        for unkeyed in (hashlib.sha256, hashlib.md5, hashlib.sha1):
            assert unkeyed(address.encode()).hexdigest() not in stored

    # Positive control: an address stored the way axes would store it without the pseudonym
    # is found by the same scan.
    AccessAttempt.objects.create(
        username="control", ip_address=ADDRESS, user_agent="", failures_since_start=1
    )
    assert ADDRESS in as_an_attacker_reads_it()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_no_password_typed_into_the_username_box():
    """A name no member has (often a password typed in the wrong box) is stored hashed;
    a member's own name is stored as it is, so the lockout still names whom it holds."""
    member = User.objects.create_user("amina", password=PASSWORD)
    typed = "Secret-Passw0rd-In-The-Wrong-Box"
    for _ in range(2):
        Client().post("/accounts/login/", {"username": typed, "password": "x"})
        Client().post("/accounts/login/", {"username": member.username, "password": "x"})

    stored = as_an_attacker_reads_it()

    assert typed not in stored
    assert AccessAttempt.objects.filter(username=member.username).exists()
    # Positive control: the member's name, typed the same way, is found by the same scan.
    assert member.username in stored
