"""A dispatcher reaches only the zone-pause pages and endpoints (issue 14). Every URL in the
URLconf is walked, GET and POST: the dispatcher is refused, or answered exactly as an
anonymous visitor is (the public pages), except on the pause pages and their own account.
Only organizers lift and read the record."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from deliveries.models import Driver
from household_requests import pauses
from household_requests.models import PauseKind, ZonePause
from mutualaid.members import member_add
from mutualaid.roles import is_dispatcher, is_member, is_organizer
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db

# Where a dispatcher may get an answer an anonymous visitor does not.
DISPATCHER_PAGES = {
    "household_requests:zone_pause",
    "api-zones-pause",
    "api-zones-paused",
    # Their own account: the landing redirect, their password, logging out.
    "home",
    "password_change",
    "password_change_done",
    "logout",
    "api-logout",
    "api-logout-all",
    "api-token",
    # The API root lists endpoint names to any signed-in user; the schema, public, says more.
    "api-root",
}
REFUSED = {401, 403, 404, 405, 429}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
SAMPLES = {
    "year": "2026",
    "month": "01",
    "language": "es",
    "format": "json",
    "app_label": "auth",
    "model_name": "user",
}


@pytest.fixture
def dispatcher(db: None) -> User:
    # A dispatcher's pause must leave a zone unpaused: here, one that nothing else uses.
    make_zone("Elsewhere", ("55999",))
    return member_add(username="dina", role="dispatcher", password=PASSWORD)


def _patterns(
    resolvers: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(regex of the full path, name) for every URL in the URLconf."""
    for entry in resolvers:
        regex = entry.pattern.regex.pattern.lstrip("^").rstrip("$").replace(r"\Z", "")
        if isinstance(entry, URLResolver):
            inner = namespace + (entry.namespace + ":" if entry.namespace else "")
            yield from _patterns(entry.url_patterns, prefix + regex, inner)
        elif isinstance(entry, URLPattern):
            name = namespace + entry.name if entry.name else ""
            yield prefix + regex, name


def _sample_path(regex: str, pk: int) -> str | None:
    """A concrete path for `regex`: numbers become `pk`, other parts a sample."""

    def group(match: re.Match[str]) -> str:
        name, body = match.group(1), match.group(2)
        if name in SAMPLES:
            return SAMPLES[name]
        if name in ("pk", "object_id") or "0-9" in body or r"\d" in body:
            return str(pk)
        return "x"

    path = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, regex)
    path = path.replace(r"\.", ".").replace("/?", "/").replace("\\", "")
    if re.search(r"[()\[\]*+?|]", path):
        return None  # an alternation or a pattern with no sample: counted below
    return "/" + path


def _answer(client: Client, method: str, path: str) -> tuple[int, str]:
    response = getattr(client, method)(path)
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return response.status_code, location.split("?")[0]


def _refused(answer: tuple[int, str]) -> bool:
    status, location = answer
    return status in REFUSED or (status == 302 and location.startswith(LOGIN_PATHS))


def test_it_walks_every_url_and_lets_a_dispatcher_reach_only_the_pause_pages(
    dispatcher: User, driver: User
):
    world = routed_request()
    make_driver(driver, world.zone)
    walked, skipped, reached = 0, [], set()
    for regex, name in _patterns(get_resolver().url_patterns):
        path = _sample_path(regex, world.route.pk)
        if path is None:
            skipped.append(name or regex)
            continue
        walked += 1
        for method in ("get", "post"):
            theirs = _answer(page_client(dispatcher), method, path)
            anyone = _answer(Client(), method, path)
            if name in DISPATCHER_PAGES:
                if not _refused(theirs):
                    reached.add(name)
                continue
            assert _refused(theirs) or theirs == anyone, (method, path, theirs, anyone)

    # The walk went everywhere: only the admin's catch-all alternations have no sample.
    assert walked > 60
    assert all(name.startswith("admin") or "admin" in name for name in skipped), skipped
    # Positive control: the same walk finds the pages a dispatcher does reach.
    assert {"household_requests:zone_pause", "api-zones-paused"} <= reached


def test_it_lets_a_dispatcher_pause_through_the_page(dispatcher: User):
    world = routed_request()
    client = page_client(dispatcher)

    page = client.get("/zones/pause/")
    answer = client.post("/zones/pause/", {"zones": [world.zone.pk], "duration": "hour"})

    assert page.status_code == 200 and world.zone.name in page.content.decode()
    assert answer.status_code == 302
    assert pauses.paused_zone_ids() == {world.zone.pk}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("dispatcher", 403), ("driver", 403), ("anonymous", 302), ("organizer", 302)],
)
def test_it_lets_only_organizers_lift(
    request: pytest.FixtureRequest, dispatcher: User, persona: str, expected: int
):
    world = routed_request()
    pauses.zones_pause(user=dispatcher, zone_ids=[world.zone.pk], kind=PauseKind.HOUR)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)

    answer = page_client(user).post("/zones/pause/lift/", {"zones": [world.zone.pk]})

    assert answer.status_code == expected
    assert ZonePause.objects.exists() == (persona != "organizer")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("dispatcher", 403), ("driver", 403), ("organizer", 200)],
)
def test_it_shows_the_record_to_organizers_only(
    request: pytest.FixtureRequest, persona: str, expected: int
):
    answer = page_client(request.getfixturevalue(persona)).get("/zones/pause/record/")

    assert answer.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("dispatcher", 200), ("organizer", 200), ("driver", 403), ("anonymous", 401)],
)
def test_it_answers_the_pause_api_by_role(
    request: pytest.FixtureRequest, persona: str, expected: int
):
    world = routed_request()
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = api_client_for(user)

    paused = client.post(
        "/api/v1/zones/pause/", {"zones": [world.zone.pk], "minutes": 30}, format="json"
    )
    again = client.post(
        "/api/v1/zones/pause/", {"postal_codes": ["55407"], "minutes": 30}, format="json"
    )
    listed = client.get("/api/v1/zones/paused/")

    assert (paused.status_code, again.status_code, listed.status_code) == (expected,) * 3
    if expected == 200:
        assert [row["zone"] for row in listed.json()] == [world.zone.pk]
        assert ZonePause.objects.count() == 1  # pausing twice is harmless
    else:
        assert not ZonePause.objects.exists()


def test_it_refuses_a_pause_without_zones_or_an_end(dispatcher: User):
    client = api_client_for(dispatcher)

    no_end = client.post("/api/v1/zones/pause/", {"zones": [1]}, format="json")
    unknown = client.post(
        "/api/v1/zones/pause/", {"postal_codes": ["00000"], "minutes": 5}, format="json"
    )

    assert (no_end.status_code, unknown.status_code) == (400, 400)
    assert not ZonePause.objects.exists()


def test_it_sends_a_dispatcher_home_to_the_pause_page(dispatcher: User):
    answer = page_client(dispatcher).get("/home/")

    assert (answer.status_code, answer["Location"]) == (302, "/zones/pause/")


def test_it_answers_a_knox_token_for_a_dispatcher(dispatcher: User):
    login = Client().post(
        "/api/v1/auth/token/",
        {"username": "dina", "password": PASSWORD},
        content_type="application/json",
    )
    token = login.json()["token"]

    answer = Client().get("/api/v1/zones/paused/", HTTP_AUTHORIZATION=f"Token {token}")
    refused = Client().get("/api/v1/routes/", HTTP_AUTHORIZATION=f"Token {token}")

    assert (answer.status_code, refused.status_code) == (200, 403)


def test_it_adds_a_dispatcher_from_the_command_line(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("plum-ladder-quietly-42\n"))
    out = io.StringIO()

    call_command("add_member", "hana", "--role", "dispatcher", "--password-stdin", stdout=out)

    user = User.objects.get(username="hana")
    assert out.getvalue().strip() == "hana is now a member with role dispatcher."
    assert is_dispatcher(user) and not is_member(user) and not is_organizer(user)
    assert not Driver.objects.filter(user=user).exists()


def test_it_invites_a_dispatcher_from_the_web(organizer: User):
    answer = page_client(organizer).post(
        "/volunteers/invite/", {"username": "hotline-ana", "role": "dispatcher"}
    )

    assert answer.status_code == 200
    assert is_dispatcher(User.objects.get(username="hotline-ana"))


def test_the_pause_api_reports_what_matched_no_zone(dispatcher: User):
    world = routed_request()
    client = api_client_for(dispatcher)
    unknown_id = world.zone.pk + 1000

    by_code = client.post(
        "/api/v1/zones/pause/", {"postal_codes": ["55407", "00000"], "minutes": 30}, format="json"
    )
    by_id = client.post(
        "/api/v1/zones/pause/", {"zones": [world.zone.pk, unknown_id], "minutes": 30}, format="json"
    )
    no_id = client.post(
        "/api/v1/zones/pause/", {"zones": [unknown_id], "minutes": 30}, format="json"
    )
    no_code = client.post(
        "/api/v1/zones/pause/", {"postal_codes": ["00000"], "minutes": 30}, format="json"
    )

    assert by_code.status_code == 200
    assert by_code.json()["unmatched"] == {"postal_codes": ["00000"]}
    assert [row["zone"] for row in by_code.json()["paused"]] == [world.zone.pk]
    assert (by_id.status_code, by_id.json()["unmatched"]) == (200, {"zones": [unknown_id]})
    assert (no_id.status_code, no_code.status_code) == (400, 400)
    assert "No zone has these numbers." in no_id.content.decode()
    assert list(ZonePause.objects.values_list("zone_id", flat=True)) == [world.zone.pk]
