"""A status link's lookup: an unknown reference and a wrong secret do the same work
(asserted by what runs, not by timing), and lookups are limited per network address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from household_requests import status_links
from household_requests.models import RequestStatus
from household_requests.services import SubmittedRequest
from household_requests.status_links import status_path
from tests.household_requests.factories import submit

pytestmark = pytest.mark.django_db

SLOW_DOWN_ES = "Vuelva a abrir su enlace privado dentro de una hora"


class Calls:
    """Wraps a function and counts its calls; the real function still runs."""

    def __init__(self, real: Callable[..., Any]):
        self.real = real
        self.args: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> Any:
        self.args.append(args)
        return self.real(*args)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Calls, Calls]]:
    """(calls of the secret's hash, calls of the comparison) made by status lookups."""
    hashes = Calls(status_links.hash_secret)
    checks = Calls(status_links.secret_matches)
    monkeypatch.setattr(status_links, "hash_secret", hashes)
    monkeypatch.setattr(status_links, "secret_matches", checks)
    yield hashes, checks


@pytest.fixture
def submitted(db: None) -> SubmittedRequest:
    return submit()


def _work(path: str, hashes: Calls, checks: Calls) -> tuple[int, list[str], int, int]:
    """(status, the queries' SQL with the reference blanked, hashes made, comparisons)."""
    hashes.args.clear()
    checks.args.clear()
    reference = path.split("/")[3]
    with CaptureQueriesContext(connection) as captured:
        status = Client().get(path).status_code
    sql = [q["sql"].replace(reference, "?") for q in captured.captured_queries]
    return status, sql, len(hashes.args), len(checks.args)


def test_unknown_reference_and_wrong_secret_do_the_same_work(
    submitted: SubmittedRequest, counted: tuple[Calls, Calls]
):
    hashes, checks = counted
    reference, secret = submitted.request.reference, submitted.status_secret

    unknown = _work(status_path("ZZZZZZZZ", secret), hashes, checks)
    unknown_compared_with = checks.args[0][0]
    wrong = _work(status_path(reference, "x" + secret[1:]), hashes, checks)
    wrong_compared_with = checks.args[0][0]

    assert unknown[0] == wrong[0] == 404
    assert unknown[1] == wrong[1] and len(wrong[1]) == 1  # the same one query
    assert unknown[2:] == wrong[2:] == (1, 1)  # one hash, one comparison, in both
    # An unknown reference is compared too (with the dummy hash inside secret_matches).
    assert unknown_compared_with is None and wrong_compared_with is not None

    # Positive control: the same measurement sees a different path when there is one:
    # the right secret reads the request (more queries), after the same one hash.
    right = _work(status_path(reference, secret), hashes, checks)
    assert right[0] == 200 and len(right[1]) > len(wrong[1]) and right[2] == 1


def test_the_comparison_is_the_one_hash_and_refuses_without_a_row():
    secret = "a-secret"
    stored = status_links.hash_secret(secret)

    assert status_links.secret_matches(stored, secret)
    assert not status_links.secret_matches(stored, "another")
    # No row: refused even for the secret whose hash the dummy would be, whatever it is.
    assert not status_links.secret_matches(None, secret)


@override_settings(STATUS_RATE_LIMIT=3)
def test_it_limits_failed_status_lookups_per_address(submitted: SubmittedRequest):
    own = status_path(submitted.request.reference, submitted.status_secret)
    wrong_secret = status_path(submitted.request.reference, "guess")
    guesses = [status_path("ZZZZZZZ" + c, "guess") for c in "AB"] + [wrong_secret]
    client = Client(HTTP_ACCEPT_LANGUAGE="es")

    assert [client.get(path).status_code for path in guesses] == [404, 404, 404]
    refused = client.get(status_path("ZZZZZZZD", "guess"))
    refused_cancel = client.post(wrong_secret + "cancel/")

    assert refused.status_code == 429 and refused_cancel.status_code == 429
    assert SLOW_DOWN_ES in refused.content.decode()  # in the reader's language
    # Past the limit an unknown reference and a wrong secret still look the same.
    assert client.get(wrong_secret).status_code == 429
    # The family's own link still opens from that address: other sites cannot make its
    # browser (or its neighbours' on a shared connection) shut it out with wrong links.
    assert client.get(own).status_code == 200
    assert client.post(own + "cancel/", {"confirm": "yes"}).status_code == 302
    submitted.request.refresh_from_db()
    assert submitted.request.status == RequestStatus.CANCELLED
    # Another address is counted on its own.
    assert Client(REMOTE_ADDR="192.0.2.9").get(wrong_secret).status_code == 404


def test_a_family_checking_its_own_link_is_never_limited(submitted: SubmittedRequest):
    own = status_path(submitted.request.reference, submitted.status_secret)
    client = Client()

    # Every few minutes for an hour, reloading each time: far below the default limit.
    assert {client.get(own).status_code for _ in range(24)} == {200}
