"""The one way to declare a background job and the one way to queue one.

A job is declared by name (`mutualaid.schedule`), retried with backoff when the database
hiccups. Jobs are queued by announcing an event: after the current transaction commits,
each job the event triggers is queued once for a short while (debounced), so a burst of
events runs a job once, and every change committed before the run is seen by it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction

from mutualaid.schedule import JOBS_ON_EVENT, Event

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def job(name: str) -> Callable[[Callable[..., Any]], Any]:
    # Back-off 1, 2, 4, 8, 10 s (with jitter), at most JOB_MAX_COUNTDOWN: a retry waiting
    # in a worker is never handed out again by the visibility timeout (mutualaid/celery.py).
    return shared_task(
        name=name,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=True,
        retry_backoff_max=settings.JOB_MAX_COUNTDOWN,
        max_retries=5,
    )


def announce(event: Event) -> None:
    """After the current transaction commits (at once outside one), queue the jobs that
    `event` triggers. Never fails the caller: a job that cannot be queued is left to its
    sweep."""
    for task_name in JOBS_ON_EVENT[event]:
        transaction.on_commit(partial(_queue_soon_once, task_name))


def _queue_soon_once(task_name: str) -> None:
    """Queue the named job a moment ahead, unless a run is already queued for then: the
    first event queues it JOB_DEBOUNCE_SECONDS ahead and the rest find it queued."""
    from mutualaid.celery import app

    delay = settings.JOB_DEBOUNCE_SECONDS
    try:
        if delay == 0 or cache.add(f"jobs:queued:{task_name}", 1, timeout=delay):
            app.send_task(task_name, countdown=delay)
    except Exception:  # a broker or cache outage: the sweep runs the job
        logger.warning("could not queue %s; its sweep will run it", task_name, exc_info=True)
