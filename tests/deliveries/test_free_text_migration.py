"""The data migrations clear the free text already stored: a driver's note on a stop, an
organizer's close reason, dietary needs outside the list. Rows are written at the schema
before the change (the migrations' own historical models), then the migrations run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("deliveries", "0001_initial"), ("household_requests", "0001_initial")]
FREE_TEXT = "Maria at 4417 Zzyzx Leakcheck Avenue, 612-555-0199"


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def leaked(apps: object) -> int:
    """Stored values of requests and stops that hold the free text."""
    models = [
        apps.get_model("household_requests", "HouseholdRequest"),  # type: ignore[attr-defined]
        apps.get_model("deliveries", "Stop"),  # type: ignore[attr-defined]
    ]
    values = [
        str(value) for model in models for row in model.objects.values() for value in row.values()
    ]
    return sum("Leakcheck" in value for value in values)


def test_it_clears_free_text_stored_before_the_lists():
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    zone = old.get_model("household_requests", "Zone").objects.create(name="Phillips")
    requests = old.get_model("household_requests", "HouseholdRequest").objects

    def request(n: int, **fields: object) -> Any:
        return requests.create(
            reference=f"TEST-000{n}", status_secret_hash="x", zone=zone, **fields
        )

    closed = request(1, status="closed", close_reason=FREE_TEXT)
    failed_out = request(
        2, status="closed", close_reason="could not be delivered after repeated attempts"
    )
    dietary = request(3, dietary_needs=["halal", FREE_TEXT, "vegetarian"])
    open_one = request(4)
    route = old.get_model("deliveries", "Route").objects.create(
        zone=zone, service_date=dt.date(2026, 1, 5), window_start="10:00", window_end="14:00"
    )
    stops = old.get_model("deliveries", "Stop").objects
    failed_stop = stops.create(
        route=route, request=closed, sequence=1, outcome="failed", note=FREE_TEXT
    )
    delivered_stop = stops.create(
        route=route, request=dietary, sequence=2, outcome="delivered", note=FREE_TEXT
    )
    quiet_stop = stops.create(route=route, request=open_one, sequence=3, outcome="failed")
    assert leaked(old) == 4  # the search finds the text where it is stored

    executor = _migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    requests = new.get_model("household_requests", "HouseholdRequest").objects
    stops = new.get_model("deliveries", "Stop").objects

    assert requests.get(pk=closed.pk).close_reason == "other"
    assert requests.get(pk=failed_out.pk).close_reason == "delivery_failed"
    assert requests.get(pk=dietary.pk).dietary_needs == ["halal", "vegetarian"]
    assert requests.get(pk=open_one.pk).close_reason == ""
    assert [
        stops.get(pk=stop.pk).failure_reason for stop in (failed_stop, delivered_stop, quiet_stop)
    ] == ["other", "", ""]
    assert leaked(new) == 0
