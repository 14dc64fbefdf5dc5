"""Redis is not on the families' critical path (issue 9).

A real gunicorn serves the test database with REDIS_URL pointing at Redis that is not
there: a port nothing listens on (refused at once), or a listener that accepts and never
answers. In both, the request form, the public API, a family's cancel, both logins, the
hotline, a driver's "could not deliver", matching/run and the status page answer within 5 s with
success, and what they did is in the database. Nothing in this process is patched: the
fault is the server's real connection. About 15 s of CI (two server starts).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from deliveries import services as delivery_services
from deliveries.models import StopOutcome
from household_requests.models import Channel, HouseholdRequest, RequestStatus
from tests.conftest import PASSWORD
from tests.deliveries.factories import on_its_day
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import as_form, request_payload
from tests.integration.conftest import database_url_for
from tests.integration.helpers import WebServer as Server
from tests.integration.helpers import wait_for, web_server
from tests.redis_faults import refused_port, silent_listener

pytestmark = pytest.mark.postgres  # the server needs the test database; Redis is the fault

ANSWER_SECONDS = 5.0


@pytest.fixture
def dead_redis() -> Iterator[int]:
    with refused_port() as port:
        yield port


@pytest.fixture
def silent_redis() -> Iterator[int]:
    with silent_listener() as port:
        yield port


def _serve(redis_port: int, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    request.getfixturevalue("django_db_setup")
    database_name = str(connection.settings_dict["NAME"])
    assert database_name.startswith("test_"), database_name
    with web_server(
        database_url=database_url_for(settings.DATABASE_URL, database_name),
        test_run=settings.TEST_RUN,
        log_path=tmp_path / "gunicorn.log",
        cwd=settings.BASE_DIR,
        env={"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"},
        threads=4,
    ) as server:
        # Imports and URL resolution happen on the first request; Redis is not touched.
        wait_for(lambda: _reachable(server.url), timeout=30, message=lambda: server.log_tail())
        yield server


def _reachable(url: str) -> bool:
    try:
        return requests.get(url + "/", timeout=10).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(params=["dead", "silent"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    redis_port = request.getfixturevalue(f"{request.param}_redis")
    yield from _serve(redis_port, tmp_path, request)


def _timed(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """One request that must answer within ANSWER_SECONDS (the client gives up later)."""
    started = time.monotonic()
    response = session.request(method, url, timeout=30, allow_redirects=False, **kwargs)
    took = time.monotonic() - started
    assert took < ANSWER_SECONDS, f"{method} {url.split('?')[0]} took {took:.1f}s"
    return response


def _csrf(session: requests.Session, url: str) -> str:
    page = _timed(session, "GET", url)
    assert page.status_code == 200, page.status_code
    return str(session.cookies["csrftoken"])


def test_it_serves_families_drivers_and_organizers_while_redis_is_unreachable(
    transactional_db: None, server: Server, organizer: User, driver: User
):
    world = routed_request()
    delivery_services.route_claim(route_id=world.route.pk, driver=make_driver(driver, world.zone))
    on_its_day(world.route)  # so that a stop's outcome may start it
    family = requests.Session()

    # The request form: saved, and the family lands on its status page.
    token = _csrf(family, f"{server.url}/request/")
    form = as_form(request_payload(world.item, 1), csrfmiddlewaretoken=token)
    sent = _timed(family, "POST", f"{server.url}/request/", data=form)
    assert sent.status_code in (302, 303), sent.status_code
    status_path = sent.headers["Location"].split("?")[0]
    reference = status_path.rstrip("/").split("/")[-2]
    assert HouseholdRequest.objects.filter(reference=reference).exists()
    assert _timed(family, "GET", server.url + status_path).status_code == 200

    # The family cancels: committed, so answered as done.
    cancel = _timed(
        family,
        "POST",
        f"{server.url}{status_path}cancel/",
        data={"csrfmiddlewaretoken": family.cookies["csrftoken"], "confirm": "yes"},
    )
    assert cancel.status_code == 302, cancel.status_code
    cancelled = HouseholdRequest.objects.get(reference=reference)
    assert cancelled.status == RequestStatus.CANCELLED

    # The public API.
    api = _timed(
        requests.Session(),
        "POST",
        f"{server.url}/api/v1/public/requests/",
        json=request_payload(world.item, 1),
    )
    assert api.status_code == 201, api.status_code
    assert HouseholdRequest.objects.filter(reference=api.json()["reference"]).exists()

    # Logins: a token, and the login page.
    def token_for(username: str) -> str:
        body = {"username": username, "password": PASSWORD}
        answer = _timed(requests.Session(), "POST", f"{server.url}/api/v1/auth/token/", json=body)
        assert answer.status_code == 200, answer.status_code
        return str(answer.json()["token"])

    organizer_token = token_for("olga")
    browser = requests.Session()
    login = _timed(
        browser,
        "POST",
        f"{server.url}/accounts/login/",
        data={
            "username": "olga",
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(browser, f"{server.url}/accounts/login/"),
        },
    )
    assert login.status_code == 302, login.status_code
    assert "sessionid" in browser.cookies

    # A volunteer takes a call on the hotline: saved, the reference shown.
    hotline_url = f"{server.url}/requests/hotline/"
    call = as_form(request_payload(world.item, 1), csrfmiddlewaretoken=_csrf(browser, hotline_url))
    taken = _timed(browser, "POST", hotline_url, data=call)
    assert taken.status_code == 200, taken.status_code
    assert HouseholdRequest.objects.filter(channel=Channel.HOTLINE).count() == 1

    # A driver could not deliver: committed, stock released, answered as done.
    outcome = _timed(
        requests.Session(),
        "POST",
        f"{server.url}/api/v1/stops/{world.stop.pk}/complete/",
        json={"outcome": "failed", "reason": "nobody_home"},
        headers={"Authorization": f"Token {token_for('dario')}"},
    )
    assert outcome.status_code == 200, outcome.status_code
    world.stop.refresh_from_db()
    assert world.stop.outcome == StopOutcome.FAILED

    # An organizer asks for matching now: accepted; the sweep will run it.
    matching = _timed(
        requests.Session(),
        "POST",
        f"{server.url}/api/v1/matching/run/",
        headers={"Authorization": f"Token {organizer_token}"},
    )
    assert matching.status_code == 202, matching.status_code

    # The server did meet the fault, and counted the limits in its process.
    assert "cache unreachable" in server.log()
    assert " ERROR " not in server.log()
