"""Burning the status link (issue 14): after a confirm step the old link and reference stop
working at once and answer exactly as unknown ones (the same work); a new link and
reference are shown once, and the new link opens the same request."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from household_requests import services, status_links
from household_requests.models import HouseholdRequest, RequestStatus
from household_requests.services import SubmittedRequest
from household_requests.status_links import status_path
from mutualaid.errors import ServiceError
from tests.household_requests.factories import submit
from tests.household_requests.test_status_link_work import Calls, _work

pytestmark = pytest.mark.django_db

LINK = re.compile(r'class="status-link"><a href="http://testserver(/request/status/[^"]+)"')


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Calls, Calls]]:
    hashes = Calls(status_links.hash_secret)
    checks = Calls(status_links.secret_matches)
    monkeypatch.setattr(status_links, "hash_secret", hashes)
    monkeypatch.setattr(status_links, "secret_matches", checks)
    yield hashes, checks


@pytest.fixture
def submitted(db: None) -> SubmittedRequest:
    return submit()


def _burn(client: Client, old: str) -> tuple[str, str, str]:
    """Burn `old` through the status page's two steps: (confirm page, answer, new path)."""
    asked = client.post(f"{old}burn/")
    burned = client.post(f"{old}burn/", {"confirm": "yes"})
    assert (asked.status_code, burned.status_code) == (200, 200)
    match = LINK.search(burned.content.decode())
    assert match is not None
    return html.unescape(asked.content.decode()), html.unescape(burned.content.decode()), match[1]


def test_it_asks_before_burning_and_changes_nothing_until_yes(submitted: SubmittedRequest):
    old = status_path(submitted.request.reference, submitted.status_secret)
    client = Client()

    asked = client.post(f"{old}burn/")

    assert asked.status_code == 200
    assert "Yes, stop this link and make a new one" in asked.content.decode()
    assert client.get(old).status_code == 200  # still works


def test_it_stops_the_old_link_and_reference_and_shows_new_ones_once(
    submitted: SubmittedRequest,
):
    old_reference = submitted.request.reference
    old = status_path(old_reference, submitted.status_secret)
    client = Client()

    _asked, answer, new = _burn(client, old)
    request = HouseholdRequest.objects.get()

    assert request.reference != old_reference and request.reference in answer
    assert new.startswith(f"/request/status/{request.reference}/")
    assert client.get(new).status_code == 200
    assert request.reference in client.get(new).content.decode()
    # The old link, the old reference with the new secret, the new reference with the old
    # secret: none opens anything.
    new_secret = new.rstrip("/").rsplit("/", 1)[1]
    for path in (
        old,
        status_path(old_reference, new_secret),
        status_path(request.reference, submitted.status_secret),
    ):
        assert client.get(path).status_code == 404, path
    # Shown once: the new secret is stored only as its hash, and the status page never
    # shows the link again (only on the answer to the form, `?received=1`).
    assert request.status_secret_hash == services.hash_secret(new_secret)
    assert 'class="status-link"' not in client.get(new).content.decode()
    assert request.status == RequestStatus.SUBMITTED  # the request itself is untouched


def test_a_burned_link_answers_exactly_like_an_unknown_one(
    submitted: SubmittedRequest, counted: tuple[Calls, Calls]
):
    old = status_path(submitted.request.reference, submitted.status_secret)
    _burn(Client(), old)
    unknown = status_path("ZZZZ-ZZZZ", submitted.status_secret)

    burned_work = _work(old, *counted)
    unknown_work = _work(unknown, *counted)
    burned_page, unknown_page = Client().get(old), Client().get(unknown)

    assert burned_work == unknown_work
    assert burned_work[0] == 404
    assert burned_page.content == unknown_page.content


def test_a_burned_link_cannot_be_burned_again(submitted: SubmittedRequest):
    old = status_path(submitted.request.reference, submitted.status_secret)
    client = Client()
    _burn(client, old)
    reference = HouseholdRequest.objects.get().reference

    again = client.post(f"{old}burn/", {"confirm": "yes"})

    assert again.status_code == 404
    assert HouseholdRequest.objects.get().reference == reference


def test_the_service_burns_only_the_link_it_was_given(submitted: SubmittedRequest):
    first = services.request_relink(
        request_id=submitted.request.pk, status_secret=submitted.status_secret
    )

    with pytest.raises(ServiceError):
        services.request_relink(
            request_id=submitted.request.pk, status_secret=submitted.status_secret
        )

    assert HouseholdRequest.objects.get().reference == first.request.reference


def test_the_status_page_says_the_hotline_cancels_but_never_reissues(
    submitted: SubmittedRequest,
):
    page = Client().get(status_path(submitted.request.reference, submitted.status_secret))
    text = html.unescape(page.content.decode())

    assert "cancel your request by your name and postal code" in text
    assert "No one can send you a new link." in text
