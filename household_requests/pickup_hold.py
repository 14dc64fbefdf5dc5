"""How long a pickup's items stay set aside, and what happens when nobody comes.

Items are held PICKUP_HOLD_DAYS from when they were first set aside, to the end of that
day in the network's time zone (the family's page says "by <day>"). A pickup not
collected by then is treated as a missed visit, the way a failed delivery is
(`services.request_mark_failed`): its stock goes back to the shelves and the request goes
back to the queue, to be matched again with a new date, so a family kept away one week
(illness, fear of going out) is not dropped; a second miss (MAX_DELIVERY_ATTEMPTS) closes
it, so the stock of a family that never comes does not churn forever. Either way the
family's status page says so.

While the pickup point's zone is paused (issue 14) the clock stops: nothing is released
then, and the last day moves later by the time the point was paused since the items were
set aside (`paused_since`, from the pause record and the pause in force), so a family
whose last day fell in a pause gets those days back after it, and a pause never causes a
miss.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from household_requests import services
from household_requests.models import (
    CloseReason,
    Fulfilment,
    HouseholdRequest,
    PauseAction,
    PauseEvent,
    PickupPointZone,
    RequestStatus,
    ZonePause,
)
from mutualaid.timeutil import organization_tz


def _set_aside_since() -> Min:
    """When the oldest unconsumed allocation of a request was made."""
    return Min(
        "lines__allocations__created_at",
        filter=Q(lines__allocations__consumed_at__isnull=True),
    )


def _pause_spans(zone_id: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """When `zone_id` was paused: from the record (pause, extend, lift) and the pause in
    force, merged."""
    through = PauseEvent.zones.through
    rows = (
        through.objects.filter(zone_id=zone_id)
        .order_by("pauseevent__at", "pauseevent_id")
        .values_list("pauseevent__action", "pauseevent__at", "pauseevent__until")
    )
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    current: list[dt.datetime] | None = None
    for action, at, until in rows:
        if action == PauseAction.LIFT:
            if current is not None:
                spans.append((current[0], min(current[1], at)))
                current = None
        elif current is not None and current[1] > at:
            current[1] = max(current[1], until or at)
        else:
            if current is not None:
                spans.append((current[0], current[1]))
            current = [at, until or at]
    if current is not None:
        spans.append((current[0], current[1]))
    spans += list(ZonePause.objects.filter(zone_id=zone_id).values_list("created_at", "until"))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def paused_since(
    zone_id: int | None, since: dt.datetime, *, now: dt.datetime | None = None
) -> dt.timedelta:
    """How long `zone_id` was paused between `since` and `now`: the time the pickup clock
    stood still."""
    if zone_id is None:
        return dt.timedelta()
    now = now or timezone.now()
    total = dt.timedelta()
    for start, end in _pause_spans(zone_id):
        overlap = min(end, now) - max(start, since)
        if overlap > dt.timedelta():
            total += overlap
    return total


def _point_zone(location_id: int | None) -> int | None:
    if location_id is None:
        return None
    return (
        PickupPointZone.objects.filter(location_id=location_id)
        .values_list("zone_id", flat=True)
        .first()
    )


def hold_until(set_aside_at: dt.datetime, paused: dt.timedelta = dt.timedelta()) -> dt.date:
    """The last day (in the network's time zone) to pick up what was set aside then, moved
    later by the time the pickup point was `paused` since."""
    last = set_aside_at + paused + dt.timedelta(days=settings.PICKUP_HOLD_DAYS)
    return last.astimezone(organization_tz()).date()


def hold_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Items set aside before this (plus the time their point was paused since) are past
    their last day: the family was told "by <day>", so the whole of that day is theirs."""
    today = (now or timezone.now()).astimezone(organization_tz()).date()
    start_of_today = dt.datetime.combine(today, dt.time.min, tzinfo=organization_tz())
    return start_of_today - dt.timedelta(days=settings.PICKUP_HOLD_DAYS)


def _overdue(cutoff: dt.datetime, *, now: dt.datetime, only: int | None = None) -> list[int]:
    # While a pickup point's zone is paused (issue 14) the clock stops: nothing is released,
    # and afterwards the time it was paused is added back (`paused_since`).
    paused_points = PickupPointZone.objects.filter(
        zone_id__in=ZonePause.objects.filter(until__gt=timezone.now()).values("zone_id")
    ).values("location_id")
    requests = HouseholdRequest.objects.filter(
        fulfilment=Fulfilment.PICKUP, status=RequestStatus.MATCHED
    ).exclude(pickup_location_id__in=paused_points)
    if only is not None:
        requests = requests.filter(pk=only)
    candidates = (
        requests.annotate(set_aside_at=_set_aside_since())
        .filter(set_aside_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "set_aside_at", "pickup_location_id")
    )
    zones: dict[int | None, int | None] = {}
    overdue = []
    for pk, set_aside_at, location_id in candidates:
        if location_id not in zones:
            zones[location_id] = _point_zone(location_id)
        if set_aside_at + paused_since(zones[location_id], set_aside_at, now=now) < cutoff:
            overdue.append(pk)
    return overdue


@transaction.atomic
def _release_one(request_id: int, cutoff: dt.datetime, now: dt.datetime) -> bool:
    # The request row first (the lock order in household_requests.allocation), then the
    # same question again under the lock: a hand-over or a cancel that came first wins.
    HouseholdRequest.objects.select_for_update().filter(pk=request_id).first()
    if not _overdue(cutoff, now=now, only=request_id):
        return False
    services.request_mark_failed(request_id=request_id, max_attempts=settings.MAX_DELIVERY_ATTEMPTS)
    return True


def pickups_release_uncollected(*, now: dt.datetime | None = None) -> int:
    """Pickups set aside longer than PICKUP_HOLD_DAYS ago and not handed over: their stock
    goes back and the request returns to the queue (closed after MAX_DELIVERY_ATTEMPTS
    misses). Returns how many. Idempotent: a released pickup holds nothing set aside, so
    running again finds nothing. One short transaction per request."""
    now = now or timezone.now()
    cutoff = hold_cutoff(now)
    return sum(_release_one(pk, cutoff, now) for pk in _overdue(cutoff, now=now))


@dataclass(frozen=True)
class PickupNotice:
    """What a pickup family's status page says about the pickup."""

    ready: bool  # items set aside, waiting at the pickup point
    hold_until: dt.date | None  # last day to pick up
    picked_up: bool
    missed: bool  # a hold ran out before anyone came
    closed_after_missing: bool


def pickup_notice(request: HouseholdRequest) -> PickupNotice:
    """For the family's own status page: the last day, moved later by any pause of the
    pickup point since the items were set aside."""
    missed = request.delivery_attempts > 0
    if request.status == RequestStatus.DELIVERED:
        return PickupNotice(False, None, True, missed, False)
    if request.status == RequestStatus.CLOSED:
        closed = request.close_reason == CloseReason.DELIVERY_FAILED
        return PickupNotice(False, None, False, missed, closed)
    last_day = None
    if request.status == RequestStatus.MATCHED:
        since = HouseholdRequest.objects.filter(pk=request.pk).aggregate(since=_set_aside_since())[
            "since"
        ]
        if since is not None:
            zone_id = _point_zone(request.pickup_location_id)
            last_day = hold_until(since, paused_since(zone_id, since))
    return PickupNotice(last_day is not None, last_day, False, missed, False)
