"""Household request jobs: allocate, expire stock, purge contacts. Thin: each calls a service.

Every task takes ids or nothing, is idempotent, and retries with backoff on transient
database errors.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from household_requests import allocation, retention
from mutualaid.jobs import job

logger = logging.getLogger(__name__)

PLAN_ROUTES_TASK = "deliveries.tasks.plan_routes"


@job("household_requests.tasks.allocate_open_requests")
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


ALLOCATION_QUEUED_KEY = "jobs:allocation-queued"


def _queue_allocation_once() -> None:
    # A burst of new requests (or a flood of the form) queues one allocation, not one
    # each: the first queues it a moment ahead, the rest find it already queued. Every
    # request committed before the job starts is seen by it.
    delay = settings.ALLOCATION_DEBOUNCE_SECONDS
    if delay == 0 or cache.add(ALLOCATION_QUEUED_KEY, 1, timeout=delay):
        allocate_open_requests.apply_async(countdown=delay)


def enqueue_allocation() -> None:
    """Run the allocator soon after the current transaction commits."""
    transaction.on_commit(_queue_allocation_once)
