"""The one place where a family's contact is unsealed for someone other than the family.

Exactly one person sees it: the driver assigned to the stop's route, once that driver has
started the route on its day (deliveries.access.revealing_to; a claim alone shows nothing),
for stops still waiting for delivery.
Every reveal is written to the reveal log before the details are returned.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from deliveries import access
from deliveries.models import ContactReveal, Route, Stop, StopOutcome
from household_requests.contacts import Contact, unseal_contact
from household_requests.models import OPEN_STATUSES, SealedContact


def may_see_contacts(route: Route, user: User) -> bool:
    """`user` drives `route` and the route, as it stands now, reveals to them
    (deliveries.access.revealing_to)."""
    driver = route.driver
    if driver is None or driver.user_id != user.pk:
        return False
    return Route.objects.filter(access.revealing_to(driver), pk=route.pk).exists()


@transaction.atomic
def contacts_reveal(
    *, route: Route, stops: list[Stop], user: User, channel: str
) -> dict[int, Contact]:
    """Unseal the contacts of `stops` (of `route`) for `user`, or nothing if not allowed.

    Logs one ContactReveal per stop shown. Returns {stop id: Contact}.
    """
    if not may_see_contacts(route, user):
        return {}
    waiting = [
        stop
        for stop in stops
        if stop.route_id == route.pk
        and stop.outcome == StopOutcome.PENDING
        and stop.request.status in OPEN_STATUSES
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
        stop.pk: unseal_contact(sealed[stop.request_id])
        for stop in waiting
        if stop.request_id in sealed
    }
    ContactReveal.objects.bulk_create(
        ContactReveal(user=user, stop_id=stop_id, channel=channel) for stop_id in shown
    )
    return shown
