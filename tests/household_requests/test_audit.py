"""`check_ledger` and the hourly ledger audit: each check finds a planted problem (a raw
UPDATE behind the services' back) and passes on honest data."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from household_requests import allocation, audit, services
from household_requests.models import Allocation, HouseholdRequest, RequestLine, RequestStatus
from household_requests.tasks import ledger_audit
from inventory.models import StockLot
from mutualaid.celery import app
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate, stocked_lot

pytestmark = pytest.mark.django_db


def _books() -> tuple[StockLot, HouseholdRequest, HouseholdRequest, HouseholdRequest]:
    """Stock reserved, handed over and released through the real services."""
    make_zone()
    rice = ItemFactory.create(max_per_household=10)
    donate((rice, 20))
    waiting, delivered, cancelled = (submit(items=[(rice, n)]).request for n in (2, 3, 4))
    allocation.allocate_open_requests()
    services.request_mark_delivered(request_id=delivered.pk)
    services.request_cancel(request_id=cancelled.pk)
    return StockLot.objects.get(), waiting, delivered, cancelled


def _command() -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), f"{err.getvalue()}{error}", error.returncode
    return out.getvalue(), err.getvalue(), 0


def _planted(expected: list[str], caplog: pytest.LogCaptureFixture) -> None:
    """The command exits 1 naming exactly these problems; the audit logs each as an error."""
    assert [str(f) for f in audit.stock_findings()] == expected
    _out, err, code = _command()
    assert code == 1
    assert f"{len(expected)} problem(s) in the stock books" in err
    for finding in expected:
        assert finding.split(": ", 1)[1] in err
    with caplog.at_level(logging.INFO, logger="household_requests.tasks"):
        assert ledger_audit() == len(expected)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"stock books disagree: {finding}" for finding in expected]


def test_it_passes_honest_books(caplog: pytest.LogCaptureFixture):
    lot, _waiting, _delivered, _cancelled = _books()
    assert (lot.on_hand, lot.reserved) == (17, 2)

    out, err, code = _command()
    with caplog.at_level(logging.INFO, logger="household_requests.tasks"):
        assert ledger_audit() == 0

    assert (code, err) == (0, "")
    assert (
        "ledger OK: 1 lots agree with 4 movements; 3 request lines agree with 2 allocations" in out
    )
    assert [r.levelname for r in caplog.records if r.name == "household_requests.tasks"] == ["INFO"]


def test_it_passes_no_stock_at_all():
    assert audit.stock_findings() == []
    assert ledger_audit() == 0


def test_it_finds_a_lot_that_disagrees_with_its_ledger(caplog: pytest.LogCaptureFixture):
    honest = stocked_lot(quantity=10)
    tampered = stocked_lot(quantity=10)
    # Valid for the constraints, invisible to the ledger: someone took two units by hand.
    StockLot.objects.filter(pk=tampered.pk).update(on_hand=F("on_hand") - 2)

    _planted(
        [
            f"lot vs ledger: lot {tampered.pk}: on hand 8 but ledger says 10; "
            "reserved 0 but ledger says 0"
        ],
        caplog,
    )
    assert honest.pk != tampered.pk


def test_it_finds_a_lot_whose_reservations_no_allocation_holds(caplog: pytest.LogCaptureFixture):
    lot, waiting, _delivered, _cancelled = _books()
    # The allocation is marked handed over, but the lot still counts its units reserved.
    Allocation.objects.filter(line__request=waiting).update(consumed_at=timezone.now())

    _planted([f"lot vs allocations: lot {lot.pk}: reserved 2 but live allocations hold 0"], caplog)


def test_it_finds_a_line_whose_allocated_disagrees(caplog: pytest.LogCaptureFixture):
    _lot, waiting, _delivered, _cancelled = _books()
    line = RequestLine.objects.get(request=waiting)
    RequestLine.objects.filter(pk=line.pk).update(allocated=F("allocated") - 1)

    _planted(
        [
            f"line vs allocations: line {line.pk} of request {waiting.pk}: allocated 1 "
            "but its allocations hold 2"
        ],
        caplog,
    )


def test_it_finds_a_finished_request_still_holding_stock(caplog: pytest.LogCaptureFixture):
    _lot, waiting, _delivered, _cancelled = _books()
    # What the cancel-during-allocation race left behind: cancelled, and still holding.
    HouseholdRequest.objects.filter(pk=waiting.pk).update(status=RequestStatus.CANCELLED)

    _planted(
        [
            f"finished request holds stock: request {waiting.pk} is cancelled "
            "but holds 2 reserved unit(s)"
        ],
        caplog,
    )


def test_it_changes_nothing_when_run_twice():
    lot = stocked_lot(quantity=5)
    StockLot.objects.filter(pk=lot.pk).update(on_hand=3)

    assert ledger_audit() == 1
    assert ledger_audit() == 1
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved, lot.movements.count()) == (3, 0, 1)


def test_it_is_registered_under_its_beat_name():
    assert app.conf.beat_schedule["ledger-audit"]["task"] == ledger_audit.name
    assert ledger_audit.name == "household_requests.tasks.ledger_audit"


def test_it_keeps_inventory_ignorant_of_requests():
    """Dependencies point one way: the checks that know requests live above inventory."""
    inventory = Path(settings.BASE_DIR) / "inventory"
    for source in inventory.rglob("*.py"):
        assert "household_requests" not in source.read_text(), source
