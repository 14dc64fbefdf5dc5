"""Enqueueing the allocator: after commit, once per burst of requests."""

from __future__ import annotations

from typing import Any

import pytest

from household_requests import tasks
from mutualaid import schedule
from mutualaid.celery import app as celery_app
from tests.household_requests.factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Options of the allocation runs handed to the broker (nothing is really sent)."""
    calls: list[dict[str, Any]] = []

    def send_task(name: str, **kwargs: Any) -> None:
        assert name == schedule.ALLOCATE
        calls.append(kwargs)

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return calls


def test_it_queues_one_allocation_for_a_burst_of_requests(
    queued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    with django_capture_on_commit_callbacks(execute=True):
        submit()

    # No countdown: a job never waits in a worker, where the visibility timeout runs.
    assert queued == [{}]


def test_it_queues_again_once_the_queued_run_has_started(
    queued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):
        submit()
    tasks.allocate_open_requests.apply()  # the queued run starts (and sees that request)
    with django_capture_on_commit_callbacks(execute=True):
        submit()  # committed after the run began: a new run must see it

    assert queued == [{}, {}]


def test_it_queues_nothing_until_the_request_is_committed(
    queued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()

    assert queued == [] and len(callbacks) == 1


def test_it_retries_a_job_after_a_transient_database_error(monkeypatch: pytest.MonkeyPatch):
    from django.db import OperationalError

    from household_requests import allocation

    calls: list[int] = []
    real = allocation.allocate_open_requests

    def flaky() -> allocation.AllocationRun:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    monkeypatch.setattr(allocation, "allocate_open_requests", flaky)

    # apply() runs the task here; the job tries again itself after a 1 s pause.
    result = tasks.allocate_open_requests.apply()

    assert result.successful()
    assert len(calls) == 2
