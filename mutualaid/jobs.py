"""The one way we declare a background job: by name, retried with backoff when the
database hiccups (a restart, a failover, a dropped connection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
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
