"""Zones change one way: through `zone_save`, from the API and from the admin alike."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from household_requests.models import Zone
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db


def codes(zone_name: str) -> list[str]:
    return list(Zone.objects.get(name=zone_name).postal_codes.values_list("code", flat=True))


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw-root-12345"))
    return client


def test_it_normalizes_and_moves_postal_codes_added_in_the_admin(admin_client: Client):
    make_zone("Powderhorn", ("55406", "55408"))

    response = admin_client.post(
        "/admin/household_requests/zone/add/",
        {"name": "Phillips", "active": "on", "postal_codes": " 55407-1234, 55404\n55406 55404"},
    )

    assert response.status_code == 302, response.content.decode()
    assert codes("Phillips") == ["55404", "55406", "55407"]
    assert codes("Powderhorn") == ["55408"]


def test_it_saves_a_zone_changed_in_the_admin_with_its_codes(admin_client: Client):
    zone = make_zone("Phillips", ("55407", "55404"))
    page = admin_client.get(f"/admin/household_requests/zone/{zone.pk}/change/")
    assert "55404, 55407" in page.content.decode()

    response = admin_client.post(
        f"/admin/household_requests/zone/{zone.pk}/change/",
        {"name": "Phillips West", "postal_codes": "55404"},
    )

    assert response.status_code == 302, response.content.decode()
    zone.refresh_from_db()
    assert (zone.name, zone.active) == ("Phillips West", False)
    assert codes("Phillips West") == ["55404"]


def test_it_refuses_a_code_longer_than_any_postal_code(admin_client: Client):
    response = admin_client.post(
        "/admin/household_requests/zone/add/", {"name": "Far", "postal_codes": "5" * 11}
    )

    assert response.status_code == 200
    assert not Zone.objects.filter(name="Far").exists()


def test_it_normalizes_postal_codes_sent_to_the_api(organizer_api: APIClient):
    response = organizer_api.post(
        "/api/v1/zones/",
        {"name": "Frogtown", "postal_codes": ["55103-0001", " 55104"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["postal_codes"] == ["55103", "55104"]


def test_it_turns_a_zone_off_and_on_through_the_api(organizer_api: APIClient):
    created = organizer_api.post(
        "/api/v1/zones/",
        {"name": "Frogtown", "postal_codes": ["55103"], "active": False},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["active"] is False
    assert Zone.objects.get(name="Frogtown").active is False

    changed = organizer_api.patch(
        f"/api/v1/zones/{created.json()['id']}/", {"active": True}, format="json"
    )

    assert changed.status_code == 200, changed.json()
    assert changed.json() == {**created.json(), "active": True}
    assert Zone.objects.get(name="Frogtown").active is True
