"""Key rotation, the emergency wipe, and forgetting by destroying keys (mutualaid/sealing.py).

The whole attack (a dump and the table's files, every key the server holds, separate
processes) is in test_crypto_shredding_postgres.py; these are the same promises in one
process, on any database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from household_requests import tasks
from household_requests.contacts import phone_index, unseal_contact
from household_requests.models import HouseholdRequest, SealedContact
from household_requests.retention import contacts_purge
from household_requests.services import request_cancel
from inventory.models import StockLot
from mutualaid import keystore, sealing
from tests.household_requests.factories import SECRET_NAME, SECRET_PHONE, submit
from tests.inventory.factories import stocked_lot

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _fresh_keys(tmp_path: Path):
    """Each test its own key store: what a test finds in KEY_DIR is what it made."""
    sealing.reset_key_cache()
    with override_settings(KEY_DIR=tmp_path / "keys"):
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


# Crypto-shredding ---------------------------------------------------------------------------

LAST_MONTH = dt.timedelta(days=40)


def _sealed_copy(request: HouseholdRequest) -> bytes:
    """What a dump taken now would hold of this request's contact."""
    return bytes(SealedContact.objects.get(request=request).sealed)


def test_it_keeps_the_keys_in_owner_only_files_apart_from_the_database():
    submit()

    names = keystore.names()
    assert names == sorted(
        [keystore.BLIND_INDEX_KEY_NAME, keystore.period_key_name(sealing.current_period())]
    )
    for name in names:
        assert (Path(settings.KEY_DIR) / name).stat().st_mode & 0o777 == 0o600


def test_it_opens_a_contact_only_with_both_the_key_dir_and_the_sealing_key(tmp_path: Path):
    with override_settings(SEALING_KEYS=[OLD]):
        sealing.reset_key_cache()
        copy = _sealed_copy(submit().request)
        assert "Leakcheck" in sealing.unseal(copy)  # both halves: it opens
    with override_settings(SEALING_KEYS=[NEW]):
        sealing.reset_key_cache()
        with pytest.raises(sealing.SealingError):
            sealing.unseal(copy)
    with override_settings(SEALING_KEYS=[OLD], KEY_DIR=tmp_path / "another-key-dir"):
        sealing.reset_key_cache()
        with pytest.raises(sealing.SealingError):
            sealing.unseal(copy)
    with pytest.raises(InvalidToken):  # the sealing key alone, as an attacker would try it
        Fernet(OLD.encode()).decrypt(copy.split(b":", 2)[2])


def test_it_wipes_the_keys_so_an_earlier_copy_no_longer_opens_or_matches():
    request = submit().request
    copy, index = _sealed_copy(request), SealedContact.objects.get(request=request).phone_index
    assert "Leakcheck" in sealing.unseal(copy)
    assert phone_index(SECRET_PHONE) == index

    call_command("emergency_wipe", "--yes-destroy-all-contacts", verbosity=0)

    with pytest.raises(sealing.SealingError):
        sealing.unseal(copy)
    assert phone_index(SECRET_PHONE) != index
    # The next family's contact seals and opens under the new keys.
    assert unseal_contact(SealedContact.objects.get(request=submit().request)).name == SECRET_NAME


def test_it_moves_a_long_open_contact_out_of_a_closed_period_and_destroys_its_key(
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        request = submit().request
        old_period = sealing.current_period()
    copy = _sealed_copy(request)
    assert old_period != sealing.current_period()
    assert old_period in keystore.periods()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reseal_contacts() == 1

    resealed = SealedContact.objects.get(request=request)
    assert sealing.period_of_sealed(resealed.sealed) == sealing.current_period()
    assert unseal_contact(resealed).name == SECRET_NAME
    assert old_period not in keystore.periods()
    with pytest.raises(sealing.SealingError):
        sealing.unseal(copy)


def test_it_destroys_the_key_of_purged_contacts_and_keeps_the_live_ones(
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        finished = submit().request
        request_cancel(request_id=finished.pk)
    live = submit().request
    copy = _sealed_copy(finished)
    assert "Leakcheck" in sealing.unseal(copy)

    with django_capture_on_commit_callbacks(execute=True):
        assert contacts_purge() == 1

    with pytest.raises(sealing.SealingError):
        sealing.unseal(copy)
    assert unseal_contact(SealedContact.objects.get(request=live)).name == SECRET_NAME


def test_it_indexes_contacts_again_when_it_reseals_them_so_duplicates_still_match(
    django_capture_on_commit_callbacks,
):
    with override_settings(BLIND_INDEX_KEY="a" * 32):
        sealing.reset_key_cache()
        first = submit().request
    with override_settings(BLIND_INDEX_KEY="b" * 32), django_capture_on_commit_callbacks():
        sealing.reset_key_cache()
        call_command("rotate_sealing_key", verbosity=0)
        second = submit().request

    assert HouseholdRequest.objects.get(pk=second.pk).possible_duplicate is True
    assert HouseholdRequest.objects.get(pk=first.pk).possible_duplicate is False


def test_it_says_loudly_that_a_wipe_used_the_wrong_key_dir_and_still_deletes(tmp_path: Path):
    request = submit().request
    copy = _sealed_copy(request)

    with override_settings(KEY_DIR=tmp_path / "empty-key-dir"):  # what start-up mkdir made
        sealing.reset_key_cache()
        with pytest.raises(CommandError, match="1 of the deleted contact") as refused:
            call_command("emergency_wipe", "--yes-destroy-all-contacts", verbosity=0)

    assert "IS NOT THE ONE THIS SITE SEALS WITH" in str(refused.value)
    assert str(refused.value).splitlines()[-1].startswith("Now restart web, worker and beat")
    assert not SealedContact.objects.exists()  # the emergency was not blocked
    # What it warns about: the site's keys survived, and open an earlier copy.
    sealing.reset_key_cache()
    assert "Leakcheck" in sealing.unseal(copy)


def test_it_counts_the_period_keys_it_replaced_and_ends_with_the_restart(capsys):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        submit()
    submit()

    call_command("emergency_wipe", "--yes-destroy-all-contacts")

    lines = capsys.readouterr().out.strip().splitlines()
    assert "destroyed 2 sealed contact(s); replaced 2 period key file(s)" in lines[0]
    assert lines[-1].startswith("Now restart web, worker and beat on every host")


def test_it_reseals_the_others_and_still_prunes_when_one_contact_does_not_open(
    django_capture_on_commit_callbacks, caplog
):
    # One contact whose key is lost (a real fault: its period's file is gone).
    with time_machine.travel(timezone.now() - 2 * LAST_MONTH, tick=False):
        broken = submit().request
        lost_period = sealing.current_period()
    (Path(settings.KEY_DIR) / keystore.period_key_name(lost_period)).unlink()
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        fine = submit().request
        old_period = sealing.current_period()
    assert old_period in keystore.periods()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reseal_contacts() == 1

    resealed = SealedContact.objects.get(request=fine)
    assert sealing.period_of_sealed(resealed.sealed) == sealing.current_period()
    assert unseal_contact(resealed).name == SECRET_NAME
    assert sealing.period_of_sealed(_sealed_copy(broken)) == lost_period  # left as it was
    assert old_period not in keystore.periods()  # the prune still ran
    assert "1 sealed contact(s) do not open" in caplog.text
    assert "Leakcheck" not in caplog.text


def test_it_never_prunes_a_period_that_has_not_begun_here(django_capture_on_commit_callbacks):
    """A web host whose clock runs ahead seals in next week's (or month's) period."""
    with time_machine.travel(timezone.now() + LAST_MONTH, tick=False):
        ahead = submit().request
        later_period = sealing.current_period()
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        submit()
        old_period = sealing.current_period()
    SealedContact.objects.filter(request=ahead).delete()  # nobody uses it (yet)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reseal_contacts() == 1

    assert later_period in keystore.periods()
    assert old_period not in keystore.periods()  # the positive control: it does prune


# Upgrading from contacts sealed with SEALING_KEYS alone -------------------------------------

RESEAL_MIGRATION = "household_requests.migrations.0004_reseal_contacts_sealed_before_period_keys"


def _as_sealed_before_period_keys(request: HouseholdRequest, sealing_key: str) -> bytes:
    """Turn a stored contact into what the code before period keys wrote: a bare Fernet
    token under SEALING_KEYS, and a phone index under BLIND_INDEX_KEY alone."""
    row = SealedContact.objects.get(request=request)
    plaintext = sealing.unseal(bytes(row.sealed)).encode()
    legacy = Fernet(sealing_key.encode()).encrypt(plaintext)
    old_index = hmac.new(
        settings.BLIND_INDEX_KEY.encode(), b"phone:6125550199", hashlib.sha256
    ).hexdigest()
    SealedContact.objects.filter(pk=row.pk).update(sealed=legacy, phone_index=old_index)
    return legacy


def _migrate_legacy_contacts() -> None:
    importlib.import_module(RESEAL_MIGRATION).reseal_legacy_contacts(django_apps, None)


def test_its_migration_reseals_contacts_from_before_period_keys():
    with override_settings(SEALING_KEYS=[OLD], BLIND_INDEX_KEY="o" * 32):
        sealing.reset_key_cache()
        request = submit().request
        legacy = _as_sealed_before_period_keys(request, OLD)
        with pytest.raises(sealing.SealingError):  # the app opens no bare token
            sealing.unseal(legacy)

        _migrate_legacy_contacts()

        row = SealedContact.objects.get(request=request)
        assert sealing.period_of_sealed(row.sealed) == sealing.current_period()
        assert unseal_contact(row).name == SECRET_NAME
        assert row.phone_index == phone_index(SECRET_PHONE)
        assert submit().request.possible_duplicate is True


def test_its_migration_stops_rather_than_lose_contacts_it_cannot_open():
    with override_settings(SEALING_KEYS=[OLD]):
        sealing.reset_key_cache()
        request = submit().request
        legacy = _as_sealed_before_period_keys(request, OLD)
    with override_settings(SEALING_KEYS=[NEW]):
        sealing.reset_key_cache()
        with pytest.raises(RuntimeError, match="1 sealed contact"):
            _migrate_legacy_contacts()
    assert _sealed_copy(request) == legacy
