"""Races on PostgreSQL: many drivers claim one route; two allocators share scarce stock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.models import Sum

from deliveries.models import Route, RouteStatus
from household_requests import allocation
from household_requests.models import Allocation, RequestLine
from inventory.models import StockLot
from inventory.selectors import ledger_mismatches
from mutualaid.members import member_add
from tests.conftest import api_client_for
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_it_lets_exactly_one_of_twenty_simultaneous_claims_win():
    assert connection.vendor == "postgresql"
    world = routed_request()
    users = [
        member_add(username=f"driver{i}", role="driver", password="x-long-enough-1")
        for i in range(20)
    ]
    for user in users:
        make_driver(user, world.zone)
    url = f"/api/v1/routes/{world.route.pk}/claim/"

    def claim(user: User) -> Callable[[], int]:
        return lambda: api_client_for(user).post(url).status_code

    codes = run_together([claim(user) for user in users])

    assert sorted(codes) == [200] + [409] * 19, codes
    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.CLAIMED
    winner = users[codes.index(200)]
    assert route.driver is not None and route.driver.user == winner


def test_it_never_reserves_a_unit_twice_when_two_allocators_run_at_once():
    make_zone()
    rice = ItemFactory.create(max_per_household=10)
    for _ in range(3):
        donate((rice, 4))
    for _ in range(10):
        submit(items=[(rice, 3)])

    results = run_together([allocation.allocate_open_requests, allocation.allocate_open_requests])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.units_reserved for r in results) == 12
    for lot in StockLot.objects.all():
        assert lot.reserved <= lot.on_hand
    reserved = StockLot.objects.aggregate(n=Sum("reserved"))["n"]
    assert reserved == 12
    assert Allocation.objects.aggregate(n=Sum("quantity"))["n"] == 12
    assert RequestLine.objects.aggregate(n=Sum("allocated"))["n"] == 12
    assert ledger_mismatches() == []
