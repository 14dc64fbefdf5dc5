"""The organizers' request queue: pages, CSV, hotline intake and /api/v1/requests/."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from household_requests import services
from household_requests.models import (
    Channel,
    CloseReason,
    HouseholdRequest,
    RequestStatus,
    Urgency,
)
from mutualaid.errors import ServiceError
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    as_form,
    request_payload,
    submit,
)
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES)


def page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _pages(pk: int) -> list[str]:
    return [
        "/requests/",
        "/requests/export.csv",
        "/requests/hotline/",
        f"/requests/{pk}/",
    ]


def test_it_shows_organizer_pages_to_organizers_only(
    organizer: User, driver: User, member_without_role: User
):
    pk = submit().request.pk

    for url in _pages(pk):
        assert page_client(organizer).get(url).status_code == 200, url
        assert page_client(driver).get(url).status_code == 403, url
        assert page_client(member_without_role).get(url).status_code == 403, url
        anonymous = page_client(None).get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
    assert page_client(organizer).get("/requests/424242/").status_code == 404


def test_it_never_shows_contacts_in_queue_pages_or_csv(organizer: User):
    pk = submit().request.pk
    client = page_client(organizer)

    for url in _pages(pk):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        text = body.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)


def test_it_exports_the_queue_as_csv(organizer: User):
    submitted = submit()

    response = page_client(organizer).get("/requests/export.csv?status=")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]

    assert response["Content-Type"] == "text/csv"
    lines = text.strip().splitlines()
    assert lines[0].startswith("reference,status,zone")
    assert lines[1].startswith(f"{submitted.request.reference},submitted,Phillips")


def test_it_filters_the_queue_page(organizer: User):
    urgent = submit().request
    calm = submit().request
    client = page_client(organizer)
    client.post(f"/requests/{urgent.pk}/", {"action": "urgency", "urgency": Urgency.URGENT})

    body = client.get("/requests/?urgency=1").content.decode()

    assert urgent.reference in body and calm.reference not in body


def test_it_closes_a_request_with_a_reason_from_the_list(organizer: User):
    request = submit().request
    client = page_client(organizer)
    form = client.get(f"/requests/{request.pk}/").content.decode()
    assert '<select name="reason"' in form and 'value="moved_away"' in form
    assert 'value="delivery_failed"' not in form  # set by the deliveries, not chosen

    typed = client.post(f"/requests/{request.pk}/", {"action": "close", "reason": "Moved away"})
    request.refresh_from_db()
    assert typed.status_code == 200 and request.status == RequestStatus.SUBMITTED

    client.post(f"/requests/{request.pk}/", {"action": "close", "reason": "moved_away"})

    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    assert request.close_reason == CloseReason.MOVED_AWAY
    assert "moved out of the area" in client.get(f"/requests/{request.pk}/").content.decode()


def test_it_takes_a_hotline_request_without_showing_it_back(organizer: User):
    from tests.household_requests.factories import make_zone

    make_zone()
    item = ItemFactory.create()
    client = page_client(organizer)

    response = client.post(
        "/requests/hotline/", as_form(request_payload(item, 1, postal_code="55404"))
    )

    request = HouseholdRequest.objects.get()
    assert request.channel == Channel.HOTLINE and request.entered_by == organizer
    for secret in SECRETS:
        assert secret not in response.content.decode()
    detail = client.get(f"/requests/{request.pk}/").content.decode()
    for secret in SECRETS:
        assert secret not in detail


# API ---------------------------------------------------------------------------------


def test_it_serves_the_queue_api_to_organizers_only(
    organizer_api: APIClient, driver_api: APIClient, anonymous_api: APIClient
):
    pk = submit().request.pk

    assert organizer_api.get("/api/v1/requests/").status_code == 200
    assert organizer_api.get(f"/api/v1/requests/{pk}/").status_code == 200
    assert organizer_api.get("/api/v1/requests/424242/").status_code == 404
    assert driver_api.get("/api/v1/requests/").status_code == 403
    assert driver_api.get(f"/api/v1/requests/{pk}/").status_code == 403
    assert anonymous_api.get("/api/v1/requests/").status_code == 401
    assert driver_api.post(f"/api/v1/requests/{pk}/urgency/", {"urgency": 2}).status_code == 403
    assert anonymous_api.post(f"/api/v1/requests/{pk}/close/", {"reason": "x"}).status_code == 401


def test_it_answers_the_queue_without_contact_fields(organizer_api: APIClient):
    submit()

    response = organizer_api.get("/api/v1/requests/")

    row = response.json()["results"][0]
    assert not {"name", "phone", "address", "notes", "contact"} & row.keys()
    for secret in SECRETS:
        assert secret not in response.content.decode()


def test_it_filters_the_queue_api(organizer_api: APIClient):
    first = submit().request
    second = submit(postal_code="55407").request
    organizer_api.post(f"/api/v1/requests/{second.pk}/urgency/", {"urgency": 2}, format="json")
    organizer_api.post(
        f"/api/v1/requests/{first.pk}/close/", {"reason": "duplicate"}, format="json"
    )

    def refs(query: str) -> list[str]:
        return [
            r["reference"]
            for r in organizer_api.get(f"/api/v1/requests/?{query}").json()["results"]
        ]

    assert refs("urgency=2") == [second.reference]
    assert refs("status=closed") == [first.reference]
    assert refs("open=true") == [second.reference]
    assert refs("older_than_days=1") == []
    assert organizer_api.get("/api/v1/requests/?status=bogus").status_code == 400


@pytest.mark.parametrize("reason", ["", "Maria moved to 612-555-0177", "delivery_failed"])
def test_it_refuses_closing_without_a_reason_from_the_list(organizer_api: APIClient, reason: str):
    pk = submit().request.pk

    response = organizer_api.post(
        f"/api/v1/requests/{pk}/close/", {"reason": reason}, format="json"
    )

    assert response.status_code == 400 and "reason" in response.json()
    assert HouseholdRequest.objects.get(pk=pk).status == RequestStatus.SUBMITTED
    with pytest.raises(ServiceError) as refused:
        services.request_close_unfulfilled(request_id=pk, reason=reason)
    assert refused.value.field == "reason"


def test_it_closes_through_the_api_with_a_reason_from_the_list(organizer_api: APIClient):
    pk = submit().request.pk

    response = organizer_api.post(
        f"/api/v1/requests/{pk}/close/", {"reason": "not_reachable"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["close_reason"]) == (
        "closed",
        "not_reachable",
    )


def test_it_serves_zones_to_members_and_lets_organizers_write(
    organizer_api: APIClient, driver_api: APIClient, anonymous_api: APIClient
):
    created = organizer_api.post(
        "/api/v1/zones/", {"name": "Frogtown", "postal_codes": ["55103", "55104"]}, format="json"
    )

    assert created.status_code == 201, created.json()
    zone_id = created.json()["id"]
    assert driver_api.get(f"/api/v1/zones/{zone_id}/").json()["postal_codes"] == ["55103", "55104"]
    assert (
        driver_api.post(
            "/api/v1/zones/", {"name": "X", "postal_codes": []}, format="json"
        ).status_code
        == 403
    )
    assert anonymous_api.get("/api/v1/zones/").status_code == 401


def test_it_limits_how_many_requests_one_hotline_volunteer_enters(organizer: User):
    from django.test import override_settings

    from tests.household_requests.factories import make_zone

    make_zone()
    item = ItemFactory.create()
    client = page_client(organizer)
    data = as_form(request_payload(item, 1))

    with override_settings(HOTLINE_RATE_LIMIT=2):
        codes = [client.post("/requests/hotline/", data).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert HouseholdRequest.objects.count() == 2


def test_it_pages_the_queue_and_keeps_the_filters(organizer: User):
    from household_requests.views import QUEUE_PAGE
    from tests.household_requests.factories import contact

    item = ItemFactory.create()
    for n in range(QUEUE_PAGE + 3):
        family = contact(phone=f"612-555-{n:04d}", address=f"{n} Elm Street")
        submit(items=[(item, 1)], contact=family)
    in_order = list(HouseholdRequest.objects.order_by("-urgency", "submitted_at", "id"))
    client = page_client(organizer)

    first = client.get("/requests/", {"status": "open"})
    second = client.get("/requests/", {"status": "open", "page": "2"})
    beyond = client.get("/requests/", {"status": "open", "page": "99"})

    assert first.context["requests"] == in_order[:QUEUE_PAGE]
    assert second.context["requests"] == in_order[QUEUE_PAGE:]
    assert 'href="?status=open&amp;page=2">Next page' in first.content.decode()
    assert 'href="?status=open&amp;page=1">Previous page' in second.content.decode()
    assert "Next page" not in second.content.decode()
    assert beyond.context["requests"] == second.context["requests"]  # past the end: the last


def test_it_lists_twenty_requests_unless_asked_for_more(organizer: User):
    from tests.household_requests.factories import contact

    item = ItemFactory.create()
    for n in range(23):
        family = contact(phone=f"612-555-{n:04d}", address=f"{n} Elm Street")
        submit(items=[(item, 1)], contact=family)
    api = APIClient()
    api.force_authenticate(organizer)

    default = api.get("/api/v1/requests/").json()
    more = api.get("/api/v1/requests/", {"limit": 50}).json()

    assert (default["count"], len(default["results"])) == (23, 20)
    assert "limit=20" in default["next"] and "offset=20" in default["next"]
    assert len(more["results"]) == 23 and more["next"] is None
