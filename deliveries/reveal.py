"""The one place where a family's contact is unsealed for someone other than the family.

Exactly one person sees it: the driver assigned to the stop's route, once that driver has
started the route on its day (deliveries.access.revealing_to; a claim alone shows nothing),
for stops still waiting for delivery, in a zone not paused.
Every reveal is written to the reveal log before the details are returned.

The pause is read here from the database, inside this transaction, never from a cache;
a read that fails (a lock not had within ZONE_PAUSE_READ_TIMEOUT_MS) counts as paused,
and then nothing shows (household_requests.pauses.zone_paused).
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from deliveries import access
from deliveries.models import ContactReveal, Route, Stop, StopOutcome
from household_requests.contacts import Contact, unseal_contact
from household_requests.door_word import unseal_word
from household_requests.models import OPEN_STATUSES, SealedContact
from mutualaid.timeutil import local_today


def _drives(route: Route, user: User) -> bool:
    driver = route.driver
    return driver is not None and driver.user_id == user.pk


def may_see_contacts(route: Route, user: User) -> bool:
    """`user` drives `route` and the route, as it stands now, reveals to them
    (deliveries.access.revealing_to)."""
    driver = route.driver
    if driver is None or not _drives(route, user):
        return False
    return Route.objects.filter(access.revealing_to(driver), pk=route.pk).exists()


@transaction.atomic
def contacts_reveal(
    *, route: Route, stops: list[Stop], user: User, channel: str
) -> dict[int, Contact]:
    """Unseal the contacts of `stops` (of `route`) for `user`, or nothing if not allowed.

    Logs one ContactReveal per stop shown. Returns {stop id: Contact}.
    """
    # Before the access query, with its own short lock timeout: a pause table that cannot be
    # read (locked, broken) shows nothing rather than waiting; `revealing_to` asks again.
    if not _drives(route, user) or access.paused_now(route):
        return {}
    if not may_see_contacts(route, user):
        return {}
    waiting = [
        stop
        for stop in stops
        if stop.route_id == route.pk
        and stop.outcome == StopOutcome.PENDING
        and stop.request.status in OPEN_STATUSES
        # The family said "not today, it isn't safe": their stop shows nothing today.
        and not (stop.request.held_on and stop.request.held_on >= local_today())
    ]
    if settings.REVEAL_NEXT_STOP_ONLY:
        waiting = sorted(waiting, key=lambda stop: stop.sequence)[:1]
    if not waiting:
        return {}
    sealed = {
        row.request_id: row
        for row in SealedContact.objects.filter(request_id__in=[s.request_id for s in waiting])
    }
    shown = {
        # The door word rides with the contact: only this function opens it for a driver.
        stop.pk: dataclasses.replace(
            unseal_contact(sealed[stop.request_id]),
            door_word=unseal_word(sealed[stop.request_id].sealed_word),
        )
        for stop in waiting
        if stop.request_id in sealed
    }
    ContactReveal.objects.bulk_create(
        ContactReveal(user=user, stop_id=stop_id, channel=channel) for stop_id in shown
    )
    return shown
