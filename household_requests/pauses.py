"""Zone pauses: when enforcement is reported in a zone, a dispatcher or an organizer pauses
it, and nothing there is revealed, claimed, started, planned or announced (issue 14).

Services write the pause and its record (`PauseEvent`); selectors read it, always from the
database (never a cache), inside the caller's transaction. `zone_paused` is the reveal's
read: a read that fails (a lock it cannot get within ZONE_PAUSE_READ_TIMEOUT_MS, a broken
table) counts as paused. `not_paused` is the same rule as a filter for the access Q
objects and the sweeps.

Pausing again only ever moves the end later; only organizers lift; only organizers pause
every zone at once, by name or by listing them all (a dispatcher's pause must leave at
least one zone unpaused). A pause "until lifted" still ends after ZONE_PAUSE_MAX_HOURS unless
renewed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from household_requests.models import (
    OPEN_STATUSES,
    HouseholdRequest,
    PauseAction,
    PauseEvent,
    PauseKind,
    PickupPointZone,
    RequestStatus,
    Zone,
    ZonePause,
    ZonePostalCode,
)
from household_requests.request_rules import normalize_postal_code
from mutualaid.errors import Kind, ServiceError
from mutualaid.jobs import announce
from mutualaid.roles import is_dispatcher, is_organizer
from mutualaid.schedule import Event
from mutualaid.timeutil import local_today, organization_tz

logger = logging.getLogger(__name__)

NOT_ALLOWED = _("Only dispatchers and organizers can pause zones.")
ONLY_ORGANIZERS_LIFT = _("Only organizers can lift a pause.")
ONLY_ORGANIZERS_ALL = _("Only organizers can pause every zone at once.")
NO_ZONES = _("Choose at least one zone.")
UNKNOWN_ZONES = _("No zone has these postal codes.")
UNKNOWN_ZONE_IDS = _("No zone has these numbers.")
BAD_UNTIL = _("Choose an end in the future.")
BAD_DURATION = _("Choose how long: an hour, until the end of the day, or until lifted.")
CANNOT_HOLD = _("This request is finished; there is nothing to hold.")


def _now() -> dt.datetime:
    return timezone.now()


def pause_end(
    kind: str, *, now: dt.datetime, minutes: int | None = None, until: dt.datetime | None = None
) -> dt.datetime:
    """When a pause of `kind` chosen at `now` ends; never later than ZONE_PAUSE_MAX_HOURS."""
    longest = now + dt.timedelta(hours=settings.ZONE_PAUSE_MAX_HOURS)
    if kind == PauseKind.HOUR:
        end = now + dt.timedelta(hours=1)
    elif kind == PauseKind.DAY:
        local = now.astimezone(organization_tz())
        midnight = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(), tzinfo=organization_tz()
        )
        end = midnight
    elif kind == PauseKind.LIFTED:
        end = longest
    elif kind == PauseKind.MINUTES and minutes is not None and minutes > 0:
        end = now + dt.timedelta(minutes=minutes)
    elif kind == PauseKind.UNTIL and until is not None:
        if until <= now:
            raise ServiceError(BAD_UNTIL, field="until")
        end = until
    else:
        raise ServiceError(BAD_DURATION, field="until")
    return min(end, longest)


# Selectors -------------------------------------------------------------------------------


def not_paused(via: str = "", *, now: dt.datetime | None = None) -> Q:
    """Rows (routes, stops via "route__", requests) whose zone is not paused now: read from
    the pause table inside the caller's query."""
    active = ZonePause.objects.filter(zone=OuterRef(via + "zone"), until__gt=now or _now())
    return ~Q(Exists(active))


def paused_zones(*, now: dt.datetime | None = None) -> list[ZonePause]:
    """Pauses in force, with their zones, soonest end first."""
    return list(
        ZonePause.objects.filter(until__gt=now or _now())
        .select_related("zone")
        .order_by("until", "zone__name")
    )


def paused_zone_ids(*, now: dt.datetime | None = None) -> set[int]:
    return set(ZonePause.objects.filter(until__gt=now or _now()).values_list("zone_id", flat=True))


def zone_paused(zone_id: int | None, *, now: dt.datetime | None = None) -> bool:
    """Whether `zone_id` is paused now, read from the database in the caller's transaction
    (a savepoint in it). On PostgreSQL the read waits at most ZONE_PAUSE_READ_TIMEOUT_MS
    for a lock; a read that fails counts as paused: the reveal then shows nothing."""
    if zone_id is None:
        return False
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true)",
                        [f"{settings.ZONE_PAUSE_READ_TIMEOUT_MS}ms"],
                    )
            paused = ZonePause.objects.filter(zone_id=zone_id, until__gt=now or _now()).exists()
            # Rolled back: nothing was written, and the lock timeout ends with the savepoint.
            transaction.set_rollback(True)
        return paused
    except DatabaseError:
        logger.warning("could not read the pause of zone %s; counting it as paused", zone_id)
        return True


def pickup_point_paused(location_id: int | None, *, now: dt.datetime | None = None) -> bool:
    """A pickup point in a paused zone shows as paused to families (the desk still hands
    over to whoever comes)."""
    if location_id is None:
        return False
    zone_id = (
        PickupPointZone.objects.filter(location_id=location_id)
        .values_list("zone_id", flat=True)
        .first()
    )
    return zone_paused(zone_id, now=now)


def pause_record(*, limit: int = 200) -> list[PauseEvent]:
    """The record, newest first, for organizers."""
    return list(PauseEvent.objects.select_related("by").prefetch_related("zones")[:limit])


def zones_for_postal_codes(codes: Iterable[str]) -> list[int]:
    return zones_for_postal_codes_matched(codes)[0]


def zones_for_postal_codes_matched(codes: Iterable[str]) -> tuple[list[int], list[str]]:
    """The zones of these postal codes, and the codes (as given) that are in no zone."""
    given = [str(code) for code in codes]
    normal = {code: normalize_postal_code(code) for code in given if code.strip()}
    found = dict(
        ZonePostalCode.objects.filter(code__in=set(normal.values())).values_list("code", "zone_id")
    )
    unmatched = [code for code in given if normal.get(code) not in found]
    return sorted(set(found.values())), unmatched


def zone_ids_known(zone_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """Of these zone ids, the ones that are zones, and the ones that are not."""
    wanted = list(dict.fromkeys(zone_ids))
    known = set(Zone.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return sorted(known), [pk for pk in wanted if pk not in known]


# Services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PauseResult:
    zone_ids: list[int]
    until: dt.datetime


def _may_pause(user: AbstractBaseUser | AnonymousUser) -> bool:
    return is_dispatcher(user) or is_organizer(user)


@transaction.atomic
def zones_pause(
    *,
    user: User,
    zone_ids: Iterable[int] = (),
    every_zone: bool = False,
    kind: str,
    minutes: int | None = None,
    until: dt.datetime | None = None,
) -> PauseResult:
    """Pause zones now. Pausing a paused zone only moves its end later (never earlier), so
    pausing twice is harmless. Locks the zones' pause rows (zone pk order). Logs one
    PauseEvent per call that changed anything, and after commit sends the hold notice to
    the drivers of the zones' claimed and started routes."""
    if not _may_pause(user):
        raise ServiceError(NOT_ALLOWED, kind=Kind.REFUSED)
    if every_zone and not is_organizer(user):
        raise ServiceError(ONLY_ORGANIZERS_ALL, kind=Kind.REFUSED)
    now = _now()
    end = pause_end(kind, now=now, minutes=minutes, until=until)
    zones = Zone.objects.all() if every_zone else Zone.objects.filter(pk__in=list(zone_ids))
    wanted = list(zones.order_by("pk").values_list("pk", flat=True))
    if not wanted:
        raise ServiceError(NO_ZONES, field="zones")
    # Lock the zones in pk order, so two pauses of the same zones take turns; a dispatcher's
    # locks every zone, so two dispatchers pausing halves cannot together pause them all.
    organizer = is_organizer(user)
    locked = Zone.objects.select_for_update().order_by("pk")
    everything = list(
        (locked if not organizer else locked.filter(pk__in=wanted)).values_list("pk", flat=True)
    )
    if not organizer and not set(everything) - set(wanted) - paused_zone_ids(now=now):
        # Listing every zone is pausing them all: organizers only (a stolen dispatcher
        # token must not stop the whole network).
        raise ServiceError(ONLY_ORGANIZERS_ALL, kind=Kind.REFUSED, field="zones")
    current = {
        pause.zone_id: pause
        for pause in ZonePause.objects.select_for_update().filter(zone_id__in=wanted)
    }
    paused, extended = [], []
    for zone_id in wanted:
        pause = current.get(zone_id)
        if pause is None:
            ZonePause.objects.create(
                zone_id=zone_id, until=end, kind=kind, created_by=user, created_at=now
            )
            paused.append(zone_id)
        elif pause.until <= now:
            # An old pause that ended: this is a new one, and its drivers hear again.
            pause.until, pause.kind, pause.created_by = end, kind, user
            pause.created_at, pause.holds_sent_at = now, None
            pause.save()
            paused.append(zone_id)
        elif pause.until < end:
            pause.until, pause.kind = end, kind
            pause.save(update_fields=["until", "kind"])
            extended.append(zone_id)
    for action, changed in ((PauseAction.PAUSE, paused), (PauseAction.EXTEND, extended)):
        if changed:
            event = PauseEvent.objects.create(action=action, until=end, by=user, at=now)
            event.zones.set(changed)
    if paused:
        announce(Event.ZONES_PAUSED)
    logger.info("zones %s paused, %s extended, until %s", paused, extended, end.isoformat())
    return PauseResult(zone_ids=wanted, until=end)


@transaction.atomic
def zones_lift(*, user: User, zone_ids: Iterable[int]) -> list[int]:
    """Organizers lift pauses now. Routes come back if their day and window allow; past ones
    are retired and planned again by the sweep. Idempotent."""
    if not is_organizer(user):
        raise ServiceError(ONLY_ORGANIZERS_LIFT, kind=Kind.REFUSED)
    now = _now()
    lifted = sorted(
        ZonePause.objects.filter(zone_id__in=list(zone_ids), until__gt=now).values_list(
            "zone_id", flat=True
        )
    )
    ZonePause.objects.filter(zone_id__in=list(zone_ids)).delete()
    if lifted:
        event = PauseEvent.objects.create(action=PauseAction.LIFT, until=None, by=user, at=now)
        event.zones.set(lifted)
        # Routes and families come back: plan and offer again.
        announce(Event.ZONES_LIFTED)
    return lifted


def held_today(via: str = "") -> Q:
    """Requests whose family said "not today" today: not shown to a driver, not planned."""
    return Q(**{via + "held_on__gte": local_today()})


def request_paused(request: HouseholdRequest) -> bool:
    """What the family's status page says: their zone, or their pickup point's, is paused.
    One query, outside any transaction (the page reveals nothing, so it needs no lock
    timeout); a read that fails still says paused."""
    if request.status not in OPEN_STATUSES:
        return False
    pauses = ZonePause.objects.filter(until__gt=_now())
    if request.pickup_location_id is not None:
        zones = PickupPointZone.objects.filter(location_id=request.pickup_location_id)
        pauses = pauses.filter(zone_id__in=zones.values("zone_id"))
    elif request.zone_id is not None:
        pauses = pauses.filter(zone_id=request.zone_id)
    else:
        return False
    try:
        return pauses.exists()
    except DatabaseError:
        logger.warning("could not read the pause of request %s; saying paused", request.pk)
        return True


@transaction.atomic
def request_hold_today(*, request_id: int) -> HouseholdRequest:
    """The family says "not today, it isn't safe": no driver sees their stop today and it is
    not planned for today; the request is kept with its reservations, and it is planned
    again from tomorrow. Never an attempt. Locks the request. Idempotent."""
    request = HouseholdRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in OPEN_STATUSES:
        raise ServiceError(CANNOT_HOLD, kind=Kind.CONFLICT)
    request.held_on = local_today()
    fields = ["held_on", "updated_at"]
    if request.status in (RequestStatus.SCHEDULED, RequestStatus.OUT_FOR_DELIVERY):
        request.status, request.planned_for = RequestStatus.MATCHED, None
        fields += ["status", "planned_for"]
    request.updated_at = _now()
    request.save(update_fields=fields)
    # Its waiting stop is held by the deliveries sweep (the reveal already skips it).
    announce(Event.FAMILY_HELD)
    return request


@transaction.atomic
def pause_holds_mark_sent(*, zone_ids: list[int]) -> int:
    """Mark the hold notice of these zones' current pauses sent. Idempotent."""
    return ZonePause.objects.filter(
        zone_id__in=zone_ids, holds_sent_at__isnull=True, until__gt=_now()
    ).update(holds_sent_at=_now())


def pauses_waiting_for_holds() -> list[int]:
    """Zones paused now whose drivers have not been sent the hold yet."""
    return list(
        ZonePause.objects.filter(until__gt=_now(), holds_sent_at__isnull=True)
        .order_by("zone_id")
        .values_list("zone_id", flat=True)
    )


@transaction.atomic
def pause_record_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the record older than ZONE_PAUSE_RECORD_DAYS, and pauses long over.
    Idempotent."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.ZONE_PAUSE_RECORD_DAYS)
    deleted, _rows = PauseEvent.objects.filter(at__lt=cutoff).delete()
    ZonePause.objects.filter(until__lt=cutoff).delete()
    return deleted
