"""Key rotation and the emergency wipe."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings

from household_requests.contacts import unseal_contact
from household_requests.models import HouseholdRequest, SealedContact
from inventory.models import StockLot
from mutualaid import sealing
from tests.household_requests.factories import SECRET_NAME, submit
from tests.inventory.factories import stocked_lot

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_keys():
    sealing.reset_key_cache()
    yield
    sealing.reset_key_cache()


def test_it_rotates_so_the_old_key_can_be_dropped():
    with override_settings(SEALING_KEYS=[OLD]):
        sealing.reset_key_cache()
        request = submit().request
    with override_settings(SEALING_KEYS=[NEW, OLD]):
        call_command("rotate_sealing_key", verbosity=0)
    with override_settings(SEALING_KEYS=[NEW]):
        sealing.reset_key_cache()
        contact = unseal_contact(SealedContact.objects.get(request=request))
    assert contact.name == SECRET_NAME
    with override_settings(SEALING_KEYS=[OLD]):
        sealing.reset_key_cache()
        with pytest.raises(sealing.SealingError):
            unseal_contact(SealedContact.objects.get(request=request))


def test_it_does_not_depend_on_the_django_secret_key():
    with override_settings(SEALING_KEYS=[OLD], SECRET_KEY="one-secret-" * 6):
        sealing.reset_key_cache()
        request = submit().request
    with override_settings(SEALING_KEYS=[OLD], SECRET_KEY="another-secret-" * 6):
        sealing.reset_key_cache()
        assert unseal_contact(SealedContact.objects.get(request=request)).name == SECRET_NAME


def test_it_wipes_every_contact_and_leaves_inventory_alone():
    lot = stocked_lot(quantity=5)
    submit()
    submit()

    call_command("emergency_wipe", "--yes-destroy-all-contacts", verbosity=0)

    assert SealedContact.objects.count() == 0
    assert HouseholdRequest.objects.count() == 2
    assert not HouseholdRequest.objects.filter(contact_purged_at__isnull=True).exists()
    assert StockLot.objects.get(pk=lot.pk).on_hand == 5


def test_it_refuses_to_wipe_without_confirmation():
    submit()

    with pytest.raises(CommandError):
        call_command("emergency_wipe", verbosity=0)

    assert SealedContact.objects.count() == 1
