"""Inventory jobs."""

from __future__ import annotations

import logging

from inventory.selectors import ledger_mismatches
from mutualaid import schedule
from mutualaid.jobs import job

logger = logging.getLogger(__name__)


@job(schedule.LEDGER_AUDIT)
def ledger_audit() -> int:
    """Compare every lot with its ledger and log disagreements. Read-only, so idempotent."""
    mismatches = ledger_mismatches()
    for mismatch in mismatches:
        logger.error("stock ledger disagrees with lot: %s", mismatch)
    logger.info("ledger audit: %d lot(s) disagree", len(mismatches))
    return len(mismatches)
