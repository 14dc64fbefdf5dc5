"""No usable credential at rest (issue 10): what a dump or the admin shows cannot log in.

API tokens are kept as knox digests and expire; sessions are kept under a hash of their key
(mutualaid/sessions.py). The dump test takes every credential-shaped string from the stored
data and tries each as a token and as a session cookie, after showing that the live token
and the live session cookie do log in through the very same probes.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from mutualaid.sessions import stored_key
from tests.conftest import PASSWORD
from tests.deliveries.scenario import make_driver, routed_request
from tests.mutualaid.stored import as_an_attacker_reads_it, every_stored_value

TOKEN_LOGIN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logoutall/"
PROBE = "/api/v1/items/"  # any member reads it: 200 signed in, 401 not

# Runs of the characters tokens and keys are written in (hex, base64, url-safe base64).
_RUN = re.compile(r"[A-Za-z0-9+/=_-]{15,}")
_ALNUM = re.compile(r"[A-Za-z0-9]{15,}")
# Hex runs up to the length of a SHA-512 digest: where a key could hide inside a hash-shaped
# value (longer hex runs are sealed bytes, whose windows would be millions of random tries).
_HEX = re.compile(r"(?<![0-9a-f])[0-9a-f]{33,128}(?![0-9a-f])")
# The lengths of a live credential: a session key (32) and a knox token (64).
_WINDOWS = (32, 64)


def credential_shaped(text: str) -> set[str]:
    """Every string in `text` that could be a token or a session key: each run of token
    characters, its alphanumeric pieces, and every 32- and 64-character window of a longer
    hash-sized hex run (a key stored as the prefix or inside of something longer)."""
    found: set[str] = set()
    for run in _RUN.findall(text):
        found.update({run, run.strip("="), *_ALNUM.findall(run)})
    for run in _HEX.findall(text):
        for width in _WINDOWS:
            found.update(run[i : i + width] for i in range(len(run) - width + 1))
    return {s for s in found if 15 <= len(s) <= 256}


def logs_in_with_token(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(PROBE).status_code == 200


def logs_in_with_cookie(session_key: str) -> bool:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client.get(PROBE).status_code == 200


def token_login(username: str) -> str:
    response = APIClient().post(
        TOKEN_LOGIN, {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def page_login(username: str) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def session_cookie(browser: Client) -> str:
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


# The dump ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_working_login_in_the_database(organizer: User, driver: User):
    world = routed_request()
    make_driver(driver, world.zone)
    token = token_login("dario")
    token_login("olga")
    browser = page_login("dario")
    page_login("olga")
    session_key = session_cookie(browser)

    # Positive control: the live token claims and reads a route, the live cookie opens the
    # driver's route page, and both pass the probe used on the dump below.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post(f"/api/v1/routes/{world.route.pk}/claim/").status_code == 200
    assert api.get(f"/api/v1/routes/{world.route.pk}/").status_code == 200
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert replay.get(f"/drive/routes/{world.route.pk}/").status_code == 200
    assert logs_in_with_token(token) and logs_in_with_cookie(session_key)

    stored = as_an_attacker_reads_it()
    candidates = credential_shaped(stored)

    # The extraction finds what is stored for these logins (knox's digest, the session's
    # hashed key), and the live values themselves are nowhere in it.
    digests = list(AuthToken.objects.values_list("digest", flat=True))
    hashed_keys = list(Session.objects.values_list("session_key", flat=True))
    assert len(digests) == 2 and len(hashed_keys) == 2
    assert set(digests + hashed_keys) <= candidates
    assert stored_key(session_key) in hashed_keys
    assert token not in stored and session_key not in stored

    token_logins = [s for s in candidates if logs_in_with_token(s)]
    cookie_logins = [s for s in candidates if logs_in_with_cookie(s)]
    print(
        f"credential-shaped strings tried: {len(candidates)} as a token and "
        f"{len(candidates)} as a session cookie; logged in: {len(token_logins)} and "
        f"{len(cookie_logins)}"
    )
    assert len(candidates) > 50
    assert token_logins == [] and cookie_logins == []
    # Still live: the tries neither broke nor revoked anything.
    assert logs_in_with_token(token) and logs_in_with_cookie(session_key)


# Tokens -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_stores_a_digest_and_never_the_token(organizer: User):
    token = token_login("olga")

    stored = AuthToken.objects.get(user=organizer)

    assert token not in every_stored_value()
    assert stored.digest != token and len(stored.digest) == 128
    assert not logs_in_with_token(stored.digest)


@pytest.mark.django_db
def test_it_expires_a_token_after_its_time_to_live(organizer: User):
    ttl = dt.timedelta(hours=settings.TOKEN_TTL_HOURS)
    issued = timezone.now()
    token = token_login("olga")
    assert logs_in_with_token(token)

    with time_machine.travel(issued + ttl - dt.timedelta(minutes=1), tick=False):
        assert logs_in_with_token(token)
    with time_machine.travel(issued + ttl + dt.timedelta(minutes=1), tick=False):
        assert not logs_in_with_token(token)

    assert not AuthToken.objects.filter(user=organizer).exists()  # forgotten, not just refused


@pytest.mark.django_db
def test_it_tells_the_client_when_its_token_expires(organizer: User):
    before = timezone.now()
    answer = APIClient().post(
        TOKEN_LOGIN, {"username": "olga", "password": PASSWORD}, format="json"
    )

    expiry = dt.datetime.fromisoformat(answer.json()["expiry"])
    ttl = dt.timedelta(hours=settings.TOKEN_TTL_HOURS)
    assert before + ttl <= expiry <= timezone.now() + ttl


@pytest.mark.django_db
def test_it_revokes_a_token_at_logout(organizer: User):
    token, other = token_login("olga"), token_login("olga")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.post(LOGOUT).status_code == 204

    assert not logs_in_with_token(token)
    assert logs_in_with_token(other)  # another device stays signed in


@pytest.mark.django_db
def test_it_revokes_every_token_of_a_member_at_logout_everywhere(organizer: User, driver: User):
    tokens = [token_login("olga") for _ in range(3)]
    drivers_token = token_login("dario")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")

    assert client.post(LOGOUT_ALL).status_code == 204

    assert not any(logs_in_with_token(token) for token in tokens)
    assert logs_in_with_token(drivers_token)


@pytest.mark.django_db
def test_it_asks_for_a_token_to_log_out(organizer: User):
    assert APIClient().post(LOGOUT).status_code == 401
    assert APIClient().post(LOGOUT_ALL).status_code == 401


@pytest.mark.django_db
def test_it_lets_a_client_with_a_stale_token_log_in_again(organizer: User):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token expired-or-revoked")

    response = client.post(TOKEN_LOGIN, {"username": "olga", "password": PASSWORD}, format="json")

    assert response.status_code == 200


@pytest.mark.django_db
def test_it_never_shows_a_token_in_the_admin(organizer: User):
    token = token_login("olga")
    admin = User.objects.create_superuser("root", password=PASSWORD)
    browser = Client()
    browser.force_login(admin)
    stored = AuthToken.objects.get(user=organizer)

    listing = browser.get("/admin/knox/authtoken/")
    detail = browser.get(f"/admin/knox/authtoken/{stored.pk}/change/")

    assert listing.status_code == 200 and detail.status_code == 200
    assert b"olga" in listing.content  # the page does list the token's row
    for page in (listing, detail):
        assert token.encode() not in page.content
        assert token[:15].encode() not in page.content  # not even knox's lookup prefix


# Sessions ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_stores_a_session_under_a_hash_of_its_key(organizer: User):
    session_key = session_cookie(page_login("olga"))

    stored = list(Session.objects.values_list("session_key", flat=True))

    assert stored == [stored_key(session_key)]
    assert session_key not in every_stored_value()
    assert logs_in_with_cookie(session_key)
    assert not logs_in_with_cookie(stored[0])


@pytest.mark.django_db
def test_it_ends_the_session_at_logout_so_its_cookie_cannot_be_replayed(organizer: User):
    browser = page_login("olga")
    session_key = session_cookie(browser)
    assert logs_in_with_cookie(session_key)

    assert browser.post("/accounts/logout/").status_code == 302

    assert not logs_in_with_cookie(session_key)
    assert not Session.objects.filter(session_key=stored_key(session_key)).exists()


@pytest.mark.django_db
def test_it_gives_a_new_session_key_at_login(organizer: User):
    browser = Client()
    planted = browser.session  # an anonymous session, as a planted cookie would be
    planted["visited"] = True
    planted.save()
    before = planted.session_key
    assert before and session_cookie(browser) == before
    browser.post("/accounts/login/", {"username": "olga", "password": PASSWORD})

    assert session_cookie(browser) != before
    assert not logs_in_with_cookie(before)
