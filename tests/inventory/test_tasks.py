"""Inventory's events: the matching job enqueued after new stock commits. (The ledger audit
runs in household_requests: tests/household_requests/test_audit.py.)

Task functions are called directly; enqueueing is asserted with on-commit capture, never
with an eager Celery.
"""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks as Capture

from inventory import services
from inventory.models import StockLot
from mutualaid.celery import app
from mutualaid.errors import ServiceError
from tests.inventory.factories import ItemFactory, LocationFactory, donate, stocked_lot

pytestmark = pytest.mark.django_db

ALLOCATE = "household_requests.tasks.allocate_open_requests"


# Enqueueing after new stock --------------------------------------------------------------


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Task names handed to the broker (nothing is really sent)."""
    names: list[str] = []
    monkeypatch.setattr(app, "send_task", lambda name, *a, **kw: names.append(name))
    return names


def test_it_runs_matching_after_a_donation_commits(
    sent: list[str], django_capture_on_commit_callbacks: Capture
):
    item = ItemFactory.create()

    with django_capture_on_commit_callbacks() as callbacks:
        donate((item, 5))
        assert sent == []  # not before the commit

    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [ALLOCATE]


def test_it_enqueues_nothing_for_a_refused_donation(
    sent: list[str], django_capture_on_commit_callbacks: Capture
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ServiceError),
    ):
        services.donation_receive(location=LocationFactory.create(), lines=[])

    assert callbacks == []
    assert sent == []


def test_it_runs_matching_when_a_recount_finds_more_but_not_less(
    sent: list[str], django_capture_on_commit_callbacks: Capture
):
    lot = stocked_lot(quantity=5)

    with django_capture_on_commit_callbacks(execute=True) as fewer:
        services.lot_adjust(lot_id=lot.pk, delta=-2, reason="recount")
    with django_capture_on_commit_callbacks(execute=True) as more:
        services.lot_adjust(lot_id=lot.pk, delta=4, reason="found a box")

    assert (len(fewer), len(more)) == (0, 1)
    assert sent == [ALLOCATE]


def test_it_keeps_the_donation_when_the_broker_is_down(
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
    caplog: pytest.LogCaptureFixture,
):
    def broker_down(name: str, *args: object, **kwargs: object) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(app, "send_task", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        donation = donate((ItemFactory.create(), 5))

    assert StockLot.objects.filter(donation_line__donation=donation).count() == 1
    assert f"could not queue {ALLOCATE}" in caplog.text


def test_it_has_new_stock_run_the_matching_job():
    from mutualaid.schedule import JOBS_ON_EVENT, Event

    assert ALLOCATE in JOBS_ON_EVENT[Event.STOCK_ARRIVED]
