"""The OpenAPI schema and its docs page, served without any outside asset."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
def test_it_serves_the_docs_from_our_own_static_files(client: Client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    # Its start-up script is a file of its own (no inline script under the CSP).
    assert all(a.startswith(("/static/", "/api/docs/?script")) for a in assets), assets
    assert "//" not in "".join(asset.removeprefix("/") for asset in assets)


@pytest.mark.django_db
def test_it_describes_the_contract_paths(client: Client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in [
        "/api/v1/auth/token/",
        "/api/v1/donations/",
        "/api/v1/stock/",
        "/api/v1/requests/",
        "/api/v1/public/requests/",
        "/api/v1/public/needs/",
        "/api/v1/routes/",
        "/api/v1/routes/{id}/claim/",
        "/api/v1/stops/{id}/complete/",
        "/api/v1/matching/run/",
    ]:
        assert path in schema["paths"], path
