"""What inventory tells the rest of the system, without knowing who listens.

Inventory sits at the bottom of the dependency chain, so it cannot import the matching
jobs. It sends the job by name after commit; a network without the matching app simply
has no consumer for it.
"""

from __future__ import annotations

import logging

from django.db import transaction

from mutualaid.jobs import send_soon_once

logger = logging.getLogger(__name__)

_listeners_registered: set[str] = set()


def register_stock_listener(task_name: str) -> None:
    """Called by an app whose job should run when new stock arrives."""
    _listeners_registered.add(task_name)


def _send() -> None:
    for task_name in sorted(_listeners_registered):
        try:
            send_soon_once(task_name)
        except Exception:  # The sweep will pick the change up; never fail the donation.
            logger.exception("could not enqueue %s", task_name)


def stock_changed_on_commit() -> None:
    if _listeners_registered:
        transaction.on_commit(_send)
