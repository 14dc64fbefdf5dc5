"""Sealing a contact while another connection destroys keys, on PostgreSQL.

A family's submission is stopped in the middle of its transaction, after its contact is
sealed and before it commits, in its own thread and connection; meanwhile the prune or
the emergency wipe runs in another. Whoever waits for whom, no contact is ever committed
under a key that was destroyed: it opens, or it was deleted by the wipe.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from household_requests.contacts import unseal_contact
from household_requests.models import SealedContact
from household_requests.retention import contacts_wipe_all, sealing_keys_prune
from mutualaid import keystore, sealing
from tests.household_requests.factories import SECRET_NAME, submit
from tests.locking import WAIT, InThread, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NEXT_WEEK = dt.timedelta(days=8)
LAST_MONTH = dt.timedelta(days=40)


class HeldSubmission:
    """A submission in its own connection, stopped after sealing, before its commit."""

    def __init__(self, *, clock_ahead_by: dt.timedelta = dt.timedelta(0)) -> None:
        self.sealed = threading.Event()
        self.let_go = threading.Event()
        self.clock_ahead_by = clock_ahead_by
        self.period = ""
        self.token = b""
        self.worker = InThread(self._submit)
        assert self.sealed.wait(WAIT), self.worker.join()

    def _submit(self) -> int:
        with transaction.atomic():
            # A web host whose clock runs ahead: only while it seals (the clock is global).
            with time_machine.travel(timezone.now() + self.clock_ahead_by, tick=False):
                request = submit().request
                self.period = sealing.current_period()
            self.token = bytes(SealedContact.objects.get(request=request).sealed)
            self.sealed.set()
            self.let_go.wait(WAIT)
        return request.pk

    def commit(self) -> int:
        self.let_go.set()
        result = self.worker.join()
        assert not isinstance(result, Exception), result
        return int(result)


def _waiting_for_the_sealing_turn() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return int(cursor.fetchone()[0])


def _race(held: HeldSubmission, destroy: Callable[[], Any]) -> Any:
    """Run `destroy` in another connection while `held` is sealed but not committed; let
    the submission commit once `destroy` waits for it (or is done: the fault)."""
    destroyer = InThread(destroy)
    wait_until(
        lambda: not destroyer.thread.is_alive() or _waiting_for_the_sealing_turn() >= 1,
        "the prune or the wipe finished or waits for the sealing",
    )
    held.commit()
    result = destroyer.join()
    assert not isinstance(result, Exception), result
    return result


def test_a_contact_sealed_in_a_later_period_survives_a_prune_in_another_connection():
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        unused_period = sealing.current_period()
        keystore.key(keystore.period_key_name(unused_period), create=True)
    held = HeldSubmission(clock_ahead_by=NEXT_WEEK)
    assert held.period != sealing.current_period()
    assert held.period in keystore.periods()

    removed = _race(held, sealing_keys_prune)

    assert removed == [unused_period]  # the positive control: this prune does prune
    assert held.period in keystore.periods()
    row = SealedContact.objects.get()
    assert sealing.period_of_sealed(row.sealed) == held.period
    sealing.reset_key_cache()
    assert unseal_contact(row).name == SECRET_NAME


def test_a_contact_sealed_while_the_wipe_runs_is_deleted_with_the_rest():
    submit()  # already committed
    held = HeldSubmission()
    assert "Leakcheck" in sealing.unseal(held.token)  # the positive control: it opens

    wipe = _race(held, contacts_wipe_all)

    # The wipe waited for the submission, and deleted it with the other: no contact is
    # left under the destroyed key.
    assert wipe.contacts == 2
    assert not SealedContact.objects.exists()
    with pytest.raises(sealing.SealingError):
        sealing.unseal(held.token)
    # The next family seals under the new keys, and opens.
    assert unseal_contact(SealedContact.objects.get(request=submit().request)).name == SECRET_NAME
