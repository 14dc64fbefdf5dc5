"""The stock books after an operation: what `check_ledger` and the hourly audit prove."""

from __future__ import annotations

import io

from django.core.management import call_command

from household_requests import allocation, audit
from household_requests import services as request_services
from household_requests.models import HouseholdRequest
from inventory.models import Item
from tests.household_requests.factories import submit


def assert_books_balance() -> None:
    """Every lot agrees with its ledger and its allocations, and `check_ledger` says so."""
    assert [str(finding) for finding in audit.stock_findings()] == []
    out = io.StringIO()
    call_command("check_ledger", stdout=out, stderr=io.StringIO())


def allocated_request(item: Item, quantity: int) -> HouseholdRequest:
    """A family's request for `quantity` of `item`, matched to stock by the real allocator."""
    request = submit(items=[(item, quantity)]).request
    allocation.allocate_open_requests()
    return request


def delivered_request(item: Item, quantity: int) -> HouseholdRequest:
    """A request matched and handed over: its units left the shelves."""
    request = allocated_request(item, quantity)
    request_services.request_mark_delivered(request_id=request.pk)
    return request
