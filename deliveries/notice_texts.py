"""What each notice says, in the recipient's language. Drivers: area, day, window, stops,
load and the board's link, never a contact. Families: one neutral line, no item, no
address, no organisation unless the network sets NOTIFY_SENDER_NAME."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from deliveries.models import NoticeKind
from deliveries.notify import Message

ROUTE_OFFERED_SUBJECT = _("Route open: %(zone)s on %(day)s")
ROUTE_OFFERED = _(
    "A delivery route needs a driver: %(zone)s, %(day)s %(window)s, %(stops)d stop(s), "
    "about %(load)d unit(s). Claim it on the driver board: %(link)s"
)
ROUTE_REMINDER_SUBJECT = _("Today: your route in %(zone)s")
ROUTE_REMINDER = _(
    "Today is the day of your route %(zone)s, %(day)s %(window)s: %(stops)d stop(s), about "
    "%(load)d unit(s). Start it on the driver board when you set off: %(link)s"
)
CLAIM_ENDED_SUBJECT = _("Route back on the board: %(zone)s on %(day)s")
CLAIM_ENDED = _(
    "The route %(zone)s, %(day)s %(window)s (%(stops)d stop(s), about %(load)d unit(s)) is "
    "no longer yours: it was released or taken back. The driver board: %(link)s"
)
# The hold (deliveries.holds): the same words as the route page's; no zone, no family.
HOLD = _("Deliveries in this area are paused for safety. Do not go there now.")
FAMILY_SUBJECT = _("About your request")
ON_ITS_WAY = _("Your delivery is on its way today.")
READY_FOR_PICKUP = _("Your pickup is ready. Your private link says where and when.")
MISSED = _("We missed you today. Your private link says what happens next.")
FAMILY_TEXTS = {
    NoticeKind.ON_ITS_WAY: ON_ITS_WAY,
    NoticeKind.READY_FOR_PICKUP: READY_FOR_PICKUP,
    NoticeKind.MISSED: MISSED,
}


DRIVER_TEXTS = {
    NoticeKind.ROUTE_OFFERED: (ROUTE_OFFERED_SUBJECT, ROUTE_OFFERED),
    NoticeKind.ROUTE_REMINDER: (ROUTE_REMINDER_SUBJECT, ROUTE_REMINDER),
    NoticeKind.CLAIM_ENDED: (CLAIM_ENDED_SUBJECT, CLAIM_ENDED),
}


@dataclass(frozen=True)
class RouteFacts:
    zone: str
    day: str
    window: str
    stops: int
    load: int


def board_link() -> str:
    return settings.NOTIFY_SITE_URL.rstrip("/") + reverse("deliveries:board")


def driver_message(kind: str, facts: RouteFacts, language: str) -> Message:
    values = {
        "zone": facts.zone,
        "day": facts.day,
        "window": facts.window,
        "stops": facts.stops,
        "load": facts.load,
        "link": board_link(),
    }
    subject, body = DRIVER_TEXTS[NoticeKind(kind)]
    with translation.override(language):
        return Message(str(subject) % values, str(body) % values)


def family_message(kind: str, language: str) -> Message:
    with translation.override(language):
        body = str(FAMILY_TEXTS[NoticeKind(kind)])
        subject = str(FAMILY_SUBJECT)
    if settings.NOTIFY_SENDER_NAME:
        body = f"{settings.NOTIFY_SENDER_NAME}: {body}"
    return Message(subject, body)


def hold_message(language: str) -> Message:
    with translation.override(language):
        return Message(str(HOLD), str(HOLD))
