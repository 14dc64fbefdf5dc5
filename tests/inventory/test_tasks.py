"""Inventory jobs: the ledger audit, and the matching job enqueued after new stock commits.

Task functions are called directly; enqueueing is asserted with on-commit capture, never
with an eager Celery.
"""

from __future__ import annotations

import logging

import pytest
from django.db.models import F
from pytest_django import DjangoCaptureOnCommitCallbacks as Capture

from inventory import services
from inventory.models import StockLot, StockMovement
from inventory.tasks import ledger_audit
from mutualaid.celery import app
from mutualaid.errors import ServiceError
from tests.inventory.factories import ItemFactory, LocationFactory, donate, reserve, stocked_lot

pytestmark = pytest.mark.django_db

ALLOCATE = "household_requests.tasks.allocate_open_requests"


# ledger_audit ----------------------------------------------------------------------------


def test_it_finds_nothing_wrong_with_an_honest_ledger(caplog: pytest.LogCaptureFixture):
    lot = stocked_lot(quantity=10)
    reserve(lot, 4)
    services.lots_change(kind=StockMovement.Kind.DISTRIBUTED, quantities={lot.pk: 3})
    services.lots_spoil(lot_ids=[lot.pk])

    with caplog.at_level(logging.INFO, logger="inventory.tasks"):
        assert ledger_audit() == 0

    assert [r.levelname for r in caplog.records if r.name == "inventory.tasks"] == ["INFO"]


def test_it_finds_nothing_wrong_with_no_stock_at_all():
    assert ledger_audit() == 0


def test_it_counts_and_logs_each_lot_that_disagrees(caplog: pytest.LogCaptureFixture):
    honest = stocked_lot(quantity=5)
    short = stocked_lot(quantity=5)
    over_promised = stocked_lot(quantity=5)
    # Changes the constraints allow but the ledger never heard of.
    StockLot.objects.filter(pk=short.pk).update(on_hand=F("on_hand") - 1)
    StockLot.objects.filter(pk=over_promised.pk).update(reserved=2)

    with caplog.at_level(logging.INFO, logger="inventory.tasks"):
        assert ledger_audit() == 2

    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 2
    assert f"lot_id={short.pk}," in errors[0]
    assert f"lot_id={over_promised.pk}," in errors[1]
    assert not any(f"lot_id={honest.pk}," in message for message in errors)


def test_it_changes_nothing_when_run_twice():
    lot = stocked_lot(quantity=5)
    StockLot.objects.filter(pk=lot.pk).update(on_hand=3)

    assert ledger_audit() == 1
    assert ledger_audit() == 1
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved, lot.movements.count()) == (3, 0, 1)


def test_it_is_registered_under_its_beat_name():
    assert app.conf.beat_schedule["ledger-audit"]["task"] == ledger_audit.name
    assert ledger_audit.name == "inventory.tasks.ledger_audit"


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
