"""seed_demo: a believable network, loaded once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from deliveries.models import Driver
from household_requests.models import HouseholdRequest, SealedContact, Zone
from inventory.models import Category, Donation, Item, Location, StockLot
from inventory.selectors import ledger_mismatches

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = [Category, Item, Location, Donation, StockLot, Zone, HouseholdRequest, User, Driver]
    return {model.__name__: model._default_manager.count() for model in models}


def test_it_loads_a_believable_network_once(capsys: pytest.CaptureFixture[str]):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")

    assert _counts() == first
    assert first["Category"] == 8 and 35 <= first["Item"] <= 45
    assert first["Location"] == 2 and first["Zone"] == 4
    assert first["Donation"] >= 14  # a week of donations, two or more a day
    assert first["User"] == 5 and first["Driver"] == 2  # and a desk volunteer, a dispatcher
    assert Driver.objects.filter(vetted=True).count() == 2
    assert SealedContact.objects.count() == first["HouseholdRequest"] == 6
    assert ledger_mismatches() == []
    printed = capsys.readouterr().out
    assert "organizer / demo-organizer-2026" in printed
    assert "desk / demo-desk-2026" in printed
    assert "dispatcher / demo-dispatcher-2026" in printed
    assert "already loaded" in printed
