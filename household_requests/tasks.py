"""Household request jobs: allocate, expire stock, purge contacts. Thin: each calls a service.

Every task takes ids or nothing, is idempotent, and retries with backoff on transient
database errors.
"""

from __future__ import annotations

import logging

from django.db import transaction

from household_requests import allocation, retention
from mutualaid.jobs import job, send_soon_once

logger = logging.getLogger(__name__)

PLAN_ROUTES_TASK = "deliveries.tasks.plan_routes"


ALLOCATE_TASK = "household_requests.tasks.allocate_open_requests"


@job(ALLOCATE_TASK)
def allocate_open_requests() -> int:
    """Match open request lines to stock, then ask for route planning. Idempotent."""
    run = allocation.allocate_open_requests()
    if run.lines_touched:
        from mutualaid.celery import app

        transaction.on_commit(lambda: app.send_task(PLAN_ROUTES_TASK))
    return run.units_reserved


@job("household_requests.tasks.expire_stock")
def expire_stock() -> int:
    """Spoil lots past their date, releasing and re-allocating their reservations."""
    spoiled = retention.stock_expire()
    if spoiled:
        transaction.on_commit(lambda: allocate_open_requests.delay())
    return spoiled


@job("household_requests.tasks.purge_contacts")
def purge_contacts() -> int:
    """Destroy sealed contacts of finished requests past the retention period."""
    return retention.contacts_purge()


def enqueue_allocation() -> None:
    """Run the allocator soon after the current transaction commits."""
    transaction.on_commit(lambda: send_soon_once(ALLOCATE_TASK))
