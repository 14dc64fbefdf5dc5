"""Household request jobs: allocate, expire stock, purge and re-seal contacts, audit the
stock books.
Thin: each calls a service.

Every task takes ids or nothing, is idempotent, and retries with backoff on transient
database errors.
"""

from __future__ import annotations

import logging

from household_requests import allocation, audit, pauses, pickup_hold, retention
from mutualaid import schedule
from mutualaid.jobs import announce, job
from mutualaid.schedule import Event

logger = logging.getLogger(__name__)


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


@job(schedule.RESEAL_CONTACTS)
def reseal_contacts() -> int:
    """Re-seal live contacts of closed sealing periods under the current one, then destroy
    the keys no live contact uses. Idempotent."""
    return retention.contacts_reseal_past_periods()


@job(schedule.LEDGER_AUDIT)
def ledger_audit() -> int:
    """Run `check_ledger`'s checks (household_requests.audit) and log each problem as an
    error; returns how many. Read-only, so idempotent."""
    findings = audit.stock_findings()
    for finding in findings:
        logger.error("stock books disagree: %s", finding)
    logger.info("ledger audit: %d problem(s)", len(findings))
    return len(findings)


@job(schedule.RELEASE_UNCOLLECTED_PICKUPS)
def release_uncollected_pickups() -> int:
    """Give back the stock of pickups not collected within PICKUP_HOLD_DAYS (the request
    returns to the queue, or closes after repeated misses). Idempotent. The release itself
    announces the freed stock, so matching runs again."""
    return pickup_hold.pickups_release_uncollected()


@job(schedule.PURGE_PAUSE_RECORD)
def purge_pause_record() -> int:
    """The record of zone pauses older than ZONE_PAUSE_RECORD_DAYS is deleted. Idempotent."""
    return pauses.pause_record_purge()
