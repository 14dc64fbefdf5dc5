"""The one way we declare a background job: by name, retried with backoff when the
database hiccups (a restart, a failover, a dropped connection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def job(name: str) -> Callable[[Callable[..., Any]], Any]:
    return shared_task(
        name=name,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=True,
        retry_backoff_max=300,
        max_retries=5,
    )


def send_soon_once(task_name: str) -> None:
    """Queue the named job a moment ahead, unless a run is already queued for then.

    A burst of events (new requests, a flood of the form, a morning's donations) queues one
    run, not one each: the first queues it JOB_DEBOUNCE_SECONDS ahead and the rest find it
    queued. Call after commit: every change committed before the run starts is seen by it.
    """
    from mutualaid.celery import app

    delay = settings.JOB_DEBOUNCE_SECONDS
    if delay == 0 or cache.add(f"jobs:queued:{task_name}", 1, timeout=delay):
        app.send_task(task_name, countdown=delay)
