"""The hold: drivers on a claimed or started route in a zone that was just paused are told
at once, and their route page shows it ("Hold: do not go to <zone> now; take the load back
to <pantry>") without loading a contact.

The notice carries nothing about a family: only that there is a hold, the zone's name and
where to take the load. It is sent by `holds_send` (the SEND_HOLDS job, queued when a zone
is paused and swept every minute), through the notifier (`notify_hold`); a driver without a
notice channel still sees the hold on the route page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from deliveries import notices
from deliveries.models import ACTIVE_ROUTE_STATUSES, Route
from household_requests import pauses

logger = logging.getLogger(__name__)

HOLD = _("Hold: do not go to %(zone)s now; take the load back to %(pantry)s.")
HOLD_NO_PANTRY = _("Hold: do not go to %(zone)s now; take the load back to the pantry.")


@dataclass(frozen=True)
class Hold:
    zone: str
    pantry: str

    def text(self) -> str:
        if self.pantry:
            return str(HOLD) % {"zone": self.zone, "pantry": self.pantry}
        return str(HOLD_NO_PANTRY) % {"zone": self.zone}


def hold_for(route: Route) -> Hold | None:
    """The hold on `route` now, if its zone is paused (or its pause cannot be read). Reads
    the route's zone and pantry names only, never a stop or a contact."""
    if route.status not in ACTIVE_ROUTE_STATUSES or not pauses.zone_paused(route.zone_id):
        return None
    return Hold(zone=route.zone.name, pantry=route.pantry.name if route.pantry else "")


def notify_hold(route: Route) -> bool:
    """The hold notice: one content-free notice to the route's driver through the notifier,
    sent at once and exempt from daily caps (deliveries.notices.hold_notice_send)."""
    return notices.hold_notice_send(route=route)


def holds_send() -> int:
    """Send the hold to the drivers of claimed and started routes in zones paused since the
    last run, then mark those pauses told. Idempotent; a send that fails is logged and the
    pause is still marked (the route page shows the hold within a minute anyway)."""
    zone_ids = pauses.pauses_waiting_for_holds()
    if not zone_ids:
        return 0
    routes = list(
        Route.objects.filter(
            zone_id__in=zone_ids, status__in=ACTIVE_ROUTE_STATUSES, driver__isnull=False
        )
        .select_related("zone", "pantry", "driver__user")
        .order_by("pk")
    )
    sent = 0
    for route in routes:
        try:
            sent += notify_hold(route)
        except Exception:
            logger.exception("could not send the hold for route %s", route.pk)
    pauses.pause_holds_mark_sent(zone_ids=zone_ids)
    return sent
