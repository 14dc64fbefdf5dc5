"""Household request jobs: allocate, expire stock, purge contacts. Thin: each calls a service.

Every task takes ids or nothing, is idempotent, and retries with backoff on transient
database errors.
"""

from __future__ import annotations

from household_requests import allocation, retention
from mutualaid import schedule
from mutualaid.jobs import announce, job
from mutualaid.schedule import Event


@job(schedule.ALLOCATE)
def allocate_open_requests() -> int:
    """Match open request lines to stock, then ask for route planning. Idempotent."""
    run = allocation.allocate_open_requests()
    if run.lines_touched:
        announce(Event.REQUESTS_MATCHED)
    return run.units_reserved


@job(schedule.EXPIRE_STOCK)
def expire_stock() -> int:
    """Spoil lots past their date, releasing and re-allocating their reservations."""
    spoiled = retention.stock_expire()
    if spoiled:
        announce(Event.STOCK_RELEASED)
    return spoiled


@job(schedule.PURGE_CONTACTS)
def purge_contacts() -> int:
    """Destroy sealed contacts of finished requests past the retention period."""
    return retention.contacts_purge()
