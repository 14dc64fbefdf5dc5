"""The one way to declare a background job and the one way to queue one.

A job is declared by name (`mutualaid.schedule`). Jobs are queued by announcing an event:
after the current transaction commits, each job the event triggers is queued unless a run
of it is already queued and not yet started, so a burst of events runs a job once, and
every change committed before a run starts is seen by it.

No job message ever waits inside a worker: no countdown, no ETA, and a transient database
error is retried inside the run (back-off by sleeping, within the time limits). So a
message is held unacknowledged only while its job runs, at most the hard time limit, which
ends before the broker's visibility timeout hands it out again (mutualaid/celery.py).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connections, transaction

from mutualaid.schedule import JOBS_ON_EVENT, Event

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Pauses between tries after a transient database error: 15 s in all, well inside the
# soft time limit, so a short database restart costs a run nothing.
RETRY_PAUSES = (1, 2, 4, 8)


def _queued_key(name: str) -> str:
    return f"jobs:queued:{name}"


def job(name: str) -> Callable[[Callable[..., Any]], Any]:
    """Declare the job `name`: it marks itself started (so the next event queues a new run)
    and retries itself after a transient database error."""

    def declare(run: Callable[..., Any]) -> Any:
        @functools.wraps(run)
        def run_job(*args: Any, **kwargs: Any) -> Any:
            _mark_started(name)
            for pause in (*RETRY_PAUSES, None):
                try:
                    return run(*args, **kwargs)
                except TRANSIENT_ERRORS:
                    if pause is None:
                        raise
                    logger.warning("%s: database error, trying again in %d s", name, pause)
                    _drop_broken_connections()
                    time.sleep(pause)
            raise AssertionError("unreachable")

        return shared_task(name=name)(run_job)

    return declare


def _drop_broken_connections() -> None:
    """Close connections that failed, so the next try opens a fresh one (one inside a
    transaction, as a test's, is left to its owner)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def announce(event: Event) -> None:
    """After the current transaction commits (at once outside one), queue the jobs that
    `event` triggers. Never fails the caller: a job that cannot be queued is left to its
    sweep."""
    for task_name in JOBS_ON_EVENT[event]:
        transaction.on_commit(partial(_queue_once, task_name))


def _queue_once(task_name: str) -> None:
    """Queue the named job unless a run is queued and not yet started. The mark lapses
    after the visibility timeout, so a lost message holds up nothing longer than that."""
    from mutualaid.celery import app

    key = _queued_key(task_name)
    try:
        if not cache.add(key, 1, timeout=settings.JOB_VISIBILITY_TIMEOUT):
            return
    except Exception:  # a cache outage: queue without the mark
        logger.warning("job mark unavailable; queueing %s", task_name, exc_info=True)
    try:
        app.send_task(task_name)
    except Exception:  # a broker outage: the sweep runs the job
        logger.warning("could not queue %s; its sweep will run it", task_name, exc_info=True)
        _mark_started(task_name)


def _mark_started(task_name: str) -> None:
    try:
        cache.delete(_queued_key(task_name))
    except Exception:  # a cache outage: the mark lapses by itself
        logger.warning("could not clear the queued mark of %s", task_name, exc_info=True)
