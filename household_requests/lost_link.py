"""The hotline's cancel by name and postal code (issue 14): a family that lost both its
status link and its reference asks the hotline to cancel; an organizer types the name and
postal code (and, to tell two families apart, the phone).

Organizers only. The open requests of that postal code's zone (or, for a code outside
every zone, the open pickups outside the zones) are the candidates, at most
MAX_CANDIDATES of them; each one's contact is opened in memory and its name and sealed
postal code compared. Exactly one match is cancelled through `services.request_cancel`,
and the organizer learns only its reference; otherwise nothing changes and nothing is
said about which it was. No link is ever re-issued. Nothing typed or opened is returned,
logged or stored: the record (`LostLinkCancel`) keeps who, when, the outcome and, for a
cancel, the reference. Each organizer may try LOST_LINK_TRIES_PER_HOUR times an hour.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from household_requests import services
from household_requests.contacts import normalize_phone, phone_index, unseal_contact
from household_requests.models import (
    OPEN_STATUSES,
    LostLinkCancel,
    LostLinkOutcome,
    SealedContact,
)
from household_requests.request_check import zone_for_postal_code
from household_requests.request_rules import normalize_postal_code
from mutualaid import ratelimit, sealing
from mutualaid.errors import Kind, ServiceError
from mutualaid.roles import is_organizer

logger = logging.getLogger(__name__)

# Contacts opened per call, at most: more candidates than this and none is opened (the
# organizer is asked for the phone, which narrows them by its blind index first).
MAX_CANDIDATES = 200
LOST_LINK_TRIES_PER_HOUR = 10
WINDOW = 3600

NOT_ALLOWED = _("Only organizers may cancel a request by name.")
TOO_MANY_TRIES = _("Too many tries this hour. Wait before trying again.")
NAME_AND_CODE_REQUIRED = _("Type the name and the postal code the family gave.")
NO_SINGLE_MATCH = _("No single request matched: ask for the phone number too.")


@dataclass(frozen=True)
class LostLinkResult:
    """What the organizer is told: the outcome, and the reference only when cancelled."""

    outcome: LostLinkOutcome
    reference: str = ""


def normalize_name(name: str) -> str:
    """Casefolded, accents stripped, spaces collapsed: "  José  MARÍA " is "jose maria"."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip()


def _record(user: User, outcome: LostLinkOutcome, reference: str = "") -> LostLinkResult:
    LostLinkCancel.objects.create(by=user, outcome=outcome, reference=reference)
    logger.info("cancel by name: %s by user %s", outcome.value, user.pk)
    return LostLinkResult(outcome=outcome, reference=reference)


def _candidates(postal_code: str, phone: str) -> list[SealedContact]:
    """The sealed contacts of the open requests that could be this family's, at most one
    more than MAX_CANDIDATES (to tell that there were too many)."""
    zone = zone_for_postal_code(postal_code)
    where = Q(request__status__in=OPEN_STATUSES, request__contact_purged_at__isnull=True)
    where &= Q(request__zone=zone) if zone is not None else Q(request__zone__isnull=True)
    if phone:
        where &= Q(phone_index=phone_index(phone))
    rows = SealedContact.objects.filter(where).select_related("request")
    return list(rows.order_by("request_id")[: MAX_CANDIDATES + 1])


def _matches(row: SealedContact, name: str, postal_code: str) -> bool:
    """Whether this sealed contact is of `name` in `postal_code`. Opened in memory only; a
    contact that cannot be opened (its key destroyed) matches nothing. A contact sealed
    before postal codes were sealed with it matches on its zone alone."""
    try:
        contact = unseal_contact(row)
    except sealing.SealingError:
        return False
    if normalize_name(contact.name) != name:
        return False
    sealed_code = normalize_postal_code(contact.postal_code)
    return sealed_code == postal_code or (not sealed_code and row.request.zone_id is not None)


def request_cancel_by_name(
    *, name: str, postal_code: str, user: User, phone: str = ""
) -> LostLinkResult:
    """Cancel the one open request of a family by name and postal code (and phone, if
    given). REFUSED for anyone but an organizer, or past the hourly tries; INVALID for a
    blank name or postal code (not counted). Returns the outcome: CANCELLED with the
    reference, or NO_MATCH / SEVERAL, with nothing changed."""
    if not is_organizer(user):
        raise ServiceError(NOT_ALLOWED, kind=Kind.REFUSED)
    wanted_name = normalize_name(name)
    wanted_code = normalize_postal_code(postal_code)
    wanted_phone = normalize_phone(phone)
    if not wanted_name or not wanted_code:
        raise ServiceError(NAME_AND_CODE_REQUIRED)
    allowed = ratelimit.hit(
        scope="lost-link-cancel",
        ident=str(user.pk),
        limit=LOST_LINK_TRIES_PER_HOUR,
        window=WINDOW,
    )
    if not allowed:
        _record(user, LostLinkOutcome.LIMITED)
        raise ServiceError(TOO_MANY_TRIES, kind=Kind.REFUSED)
    rows = _candidates(wanted_code, wanted_phone)
    if len(rows) > MAX_CANDIDATES:
        return _record(user, LostLinkOutcome.SEVERAL)
    matched = [row.request_id for row in rows if _matches(row, wanted_name, wanted_code)]
    if not matched:
        return _record(user, LostLinkOutcome.NO_MATCH)
    if len(matched) > 1:
        return _record(user, LostLinkOutcome.SEVERAL)
    try:
        cancelled = services.request_cancel(request_id=matched[0])
    except ServiceError:  # finished meanwhile (delivered, closed): no open request matched
        return _record(user, LostLinkOutcome.NO_MATCH)
    return _record(user, LostLinkOutcome.CANCELLED, cancelled.reference)


def recent_record(limit: int = 50) -> list[LostLinkCancel]:
    """The latest tries, newest first, for the organizers' page."""
    return list(LostLinkCancel.objects.select_related("by")[:limit])
