"""Hostile input answers 400 (or 404 for a path that names nothing), never 500.

Deeply nested JSON, NUL characters in bodies, paths and query strings, numbers past any
column and dates that do not exist, on the public API, the token endpoint, donations, the
queue and the exports. Under CI's services pass these run on PostgreSQL, which refuses a
NUL in any text and an integer past its column: the cases that were 500s there.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from mutualaid.bounds import MAX_PAGE_SIZE, NUL_REFUSED
from mutualaid.parsers import MAX_JSON_DEPTH, TOO_DEEP, nested_deeper_than
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.scenario import make_driver
from tests.household_requests.factories import make_zone, request_payload, submit
from tests.inventory.factories import ItemFactory, LocationFactory, donation_payload

pytestmark = pytest.mark.django_db

PUBLIC = "/api/v1/public/requests/"
TOKEN = "/api/v1/auth/token/"
DONATIONS = "/api/v1/donations/"
BODY_ENDPOINTS = [PUBLIC, TOKEN, DONATIONS]


def _client(organizer: User) -> APIClient:
    # Signed in for donations; the public endpoint and token login ignore it.
    client = api_client_for(organizer)
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a raise
    return client


def _post_raw(client: APIClient, path: str, body: str) -> Any:
    return client.post(path, body, content_type="application/json")


def test_it_measures_depth_without_counting_brackets_in_strings() -> None:
    text = '{"a": [1, {"b": "[[[{{{"}], "c": {}}'
    assert not nested_deeper_than(text, 3)
    assert nested_deeper_than(text, 2)
    assert nested_deeper_than(r'["\"[[[", [[]]]', 2)
    assert not nested_deeper_than(r'["\"[[[", [[]]]', 3)
    assert not nested_deeper_than("3", 0)
    assert nested_deeper_than("[" * 5, 4)  # never closed
    assert not nested_deeper_than('{"lines": [', 4)  # malformed, for json.loads to report
    assert nested_deeper_than("[]" * 1000 + "[[[]]]", 2)


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_refuses_deep_nesting_with_400(organizer: User, path: str) -> None:
    started = time.monotonic()
    response = _post_raw(_client(organizer), path, "[" * 100_000)
    assert response.status_code == 400
    assert response.json() == {"detail": str(TOO_DEEP)}
    assert time.monotonic() - started < 5  # about 0.1 s alone; CI runs tests side by side


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_refuses_a_large_deep_body_fast(organizer: User, path: str) -> None:
    body = '{"lines": ' + "[" * 1_200_000 + "]" * 1_200_000 + "}"  # 2.4 MB, under the limit
    started = time.monotonic()
    assert _post_raw(_client(organizer), path, body).status_code == 400
    assert time.monotonic() - started < 5  # about 0.1 s alone; CI runs tests side by side


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_answers_a_body_of_escaped_quotes_without_a_stuck_worker(
    organizer: User, path: str
) -> None:
    body = '"' + '\\"' * 100_000  # an unterminated string of escapes (a quadratic regex trap)
    started = time.monotonic()
    assert _post_raw(_client(organizer), path, body).status_code == 400
    assert time.monotonic() - started < 5  # a stuck worker takes minutes


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_refuses_a_body_over_the_upload_limit(organizer: User, path: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post_raw(_client(organizer), path, json.dumps({"note": "x" * 2000}))
    assert response.status_code == 400  # refused before it is parsed, never a 500


def test_it_refuses_nul_in_a_cookie_before_any_session_lookup(db: None) -> None:
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00xyz"

    response = client.get("/needed/")

    assert response.status_code == 400
    assert str(NUL_REFUSED) in response.content.decode()


def test_it_accepts_nesting_up_to_the_bound(organizer: User) -> None:
    body = json.dumps({"username": "olga", "password": PASSWORD, "x": [[[]]]})
    assert not nested_deeper_than(body, MAX_JSON_DEPTH)
    assert _post_raw(_client(organizer), TOKEN, body).status_code == 200
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    response = _post_raw(_client(organizer), TOKEN, nested)
    assert response.status_code == 400
    assert response.json() != {"detail": str(TOO_DEEP)}  # refused as a wrong shape instead


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_refuses_a_parse_error_with_400(organizer: User, path: str) -> None:
    for body in ['{"lines": [', "NaN", '{"a": 1e999999}', "\ufeff{}"]:
        assert _post_raw(_client(organizer), path, body).status_code == 400, body


def _with_nul(path: str, organizer: User) -> dict[str, Any]:
    if path == TOKEN:
        return {"username": "ol\x00ga", "password": PASSWORD}
    if path == DONATIONS:
        item = ItemFactory.create(perishable=False)
        return donation_payload(LocationFactory.create(), (item, 2), donor="Ann\x00")
    make_zone()
    return request_payload(ItemFactory.create(), postal_code="554\x0007")


@pytest.mark.parametrize("path", BODY_ENDPOINTS)
def test_it_refuses_nul_in_a_json_body(organizer: User, path: str) -> None:
    # Refused by the field that reads it, with its own message (the request rules' for
    # the public API): under PostgreSQL it never reaches a lookup.
    response = _client(organizer).post(path, _with_nul(path, organizer), format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json() or len(response.json()) == 1


def test_it_refuses_nul_in_form_bodies(organizer: User) -> None:
    client = _client(organizer)
    make_zone()
    form = {"postal_code": "554\x0007", "name": "A", "phone": "612-555-0100"}
    # The public API reads JSON only: a form body is refused whole, before any field.
    for response in [client.post(PUBLIC, form, format="multipart"), client.post(PUBLIC, form)]:
        assert response.status_code == 415
        assert list(response.json()) == ["detail"]


def test_it_refuses_nul_in_a_status_link(db: None) -> None:
    submitted = submit()
    reference, secret = submitted.request.reference, submitted.status_secret
    client = Client(raise_request_exception=False)
    for path in [
        f"/request/status/{reference}%00/{secret}/",
        f"/request/status/{reference}/{secret}%00/",
        f"/request/status/\x00{reference}/{secret}/",
    ]:
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.content.decode() == str(NUL_REFUSED)
    cancel = client.post(f"/request/status/{reference}%00/{secret}/cancel/")
    assert cancel.status_code == 400
    assert client.get(f"/request/status/{reference}/{secret}/").status_code == 200


@pytest.mark.parametrize(
    "query", ["status=%00", "zone=1%00", "%00=1", "older_than_days=%00", "limit=1\x00"]
)
def test_it_refuses_nul_in_a_query_string(organizer: User, query: str) -> None:
    response = _client(organizer).get(f"/api/v1/requests/?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": str(NUL_REFUSED)}
    page = page_client(organizer)
    page.raise_request_exception = False
    assert page.get(f"/requests/?{query}").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/requests/",
        "/api/v1/stock/",
        "/api/v1/routes/",
        "/api/v1/donations/",
        "/api/v1/items/",
        "/api/v1/zones/",
    ],
)
def test_it_bounds_pagination(organizer: User, path: str) -> None:
    client = _client(organizer)
    huge = "999999999999999999999"
    response = client.get(f"{path}?limit={huge}")
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_PAGE_SIZE
    response = client.get(f"{path}?offset={huge}&limit={huge}")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert client.get(f"{path}?limit=-5&offset=-5").status_code == 200


def test_it_caps_the_page_size(organizer: User) -> None:
    ItemFactory.create_batch(3)
    response = _client(organizer).get(f"/api/v1/items/?limit={MAX_PAGE_SIZE + 1}")
    assert f"limit={MAX_PAGE_SIZE}" in (response.json()["next"] or f"limit={MAX_PAGE_SIZE}")


@pytest.mark.parametrize("days", ["1e10", "99999999999", "-1", "NaN", "Infinity", "3651"])
def test_it_bounds_older_than_days_in_the_api(organizer: User, days: str) -> None:
    response = _client(organizer).get(f"/api/v1/requests/?older_than_days={days}")
    assert response.status_code == 400
    assert "older_than_days" in response.json()


@pytest.mark.parametrize("days", ["1e10", "99999999999", "²", "-1"])
def test_it_ignores_an_unusable_number_on_the_queue_page(organizer: User, days: str) -> None:
    page = page_client(organizer)
    page.raise_request_exception = False
    for path in ["/requests/", "/requests/export.csv"]:
        query = f"older_than_days={days}&zone={days}&urgency={days}"
        assert page.get(f"{path}?{query}").status_code == 200, path


@pytest.mark.parametrize(
    "query",
    [
        "date=9999-99-99",
        "date_from=0000-01-01",
        "date_to=99999-01-01",
        "zone=99999999999999999999",
        "zone=abc",
    ],
)
def test_it_refuses_impossible_route_filters(organizer: User, query: str) -> None:
    assert _client(organizer).get(f"/api/v1/routes/?{query}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "submitted_after=9999-99-99",
        "submitted_before=2026-02-30",
        "zone=99999999999999999999",
        "urgency=99999999999999999999",
    ],
)
def test_it_refuses_impossible_queue_filters(organizer: User, query: str) -> None:
    assert _client(organizer).get(f"/api/v1/requests/?{query}").status_code == 400


@pytest.mark.parametrize("since", ["9999-99-99", "2026-02-30", "yesterday", "99999-01-01"])
def test_it_refuses_an_impossible_since_in_the_donations_export(
    organizer: User, since: str
) -> None:
    page = page_client(organizer)
    page.raise_request_exception = False
    response = page.get(f"/inventory/donations.csv?since={since}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()  # says what a date must look like
    assert page.get("/inventory/donations.csv?since=2026-01-01").status_code == 200
    assert page.get("/inventory/donations.csv?since=").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/routes/abc/claim/"),
        ("post", "/api/v1/routes/99999999999999999999/claim/"),
        ("get", "/api/v1/routes/abc/"),
        ("post", "/api/v1/stops/abc/complete/"),
        ("post", "/api/v1/stops/99999999999999999999/complete/"),
        ("get", "/api/v1/requests/abc/"),
        ("get", "/api/v1/requests/99999999999999999999/"),
        ("post", "/api/v1/requests/99999999999999999999/close/"),
        ("get", "/api/v1/items/1e5/"),
        ("get", "/api/v1/zones/99999999999999999999/"),
        ("get", "/api/v1/donations/-1/"),
    ],
)
def test_it_answers_404_for_an_id_that_names_nothing(
    organizer: User, driver: User, method: str, path: str
) -> None:
    user = organizer
    if "/routes/" in path or "/stops/" in path:
        make_driver(driver)
        user = driver
    client = _client(user)
    assert getattr(client, method)(path, {}, format="json").status_code == 404
