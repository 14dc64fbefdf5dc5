"""Notices to drivers and families: queued with the action, sent by the worker.

- Queued inside the action's transaction (one `NoticeSent` row per event and recipient,
  its unique `key` making a repeat a no-op), and the send job announced after commit
  (`mutualaid.jobs.announce`). Nothing here can fail the action: queueing writes rows in
  its transaction, and sending happens later, elsewhere.
- Pickups and the driver's reminder on the route's day are read from state instead
  (`pickup_notices_queue`, `reminders_queue`, run by the send job): household_requests
  sets aside and releases, and knows nothing of notices; a day begins without an action.
- Sent by `notices_send` (the job, and its sweep every minute): each due row is taken
  with SKIP LOCKED and its next try pushed back before the provider is called, so two
  workers never send one row, and a send that fails or times out is tried again later
  with back-off, up to NOTIFY_MAX_ATTEMPTS (no countdown: mutualaid/jobs.py).
- Limited per recipient per day (NOTIFY_PER_RECIPIENT_PER_DAY) and per network per day
  (NOTIFY_PER_DAY); a notice over a limit is recorded as not sent.
- The number is opened just before the send (a driver's by `deliveries.driver_numbers`,
  a family's by `household_requests.notice_contacts`), handed to the backend, and never
  logged or stored; the row records who, which notice, which channel, when and how it went.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from deliveries import driver_numbers, notice_texts
from deliveries.models import (
    Driver,
    NoticeChannel,
    NoticeKind,
    NoticeOutcome,
    NoticeSent,
    Route,
    RouteStatus,
    StopOutcome,
)
from deliveries.notify import Message, SendFailed, backend_for, enabled_channels
from household_requests.models import OPEN_STATUSES, HouseholdRequest, RequestStatus
from household_requests.notice_contacts import phone_for_notice
from household_requests.pauses import zone_paused
from household_requests.request_rules import Fulfilment
from mutualaid.jobs import announce
from mutualaid.schedule import Event
from mutualaid.sealing import SealingError
from mutualaid.timeutil import local_today, organization_tz

logger = logging.getLogger(__name__)

BATCH = 100
# A family that did not ask for automatic texts (or whose contact is gone): nothing is sent,
# and the row says so, so that the event is not queued for it again. The rows that were
# sent say as much about who asked; neither holds a number.
NOT_ASKED = "not asked"
# Channels that need a phone number; email needs the volunteer's address.
PHONE_CHANNELS = (NoticeChannel.SIGNAL, NoticeChannel.SMS)


def driver_channel(driver: Driver) -> str:
    """The channel a driver's notices go by, '' for none: their choice, else the network's
    default, if that channel is enabled."""
    channel = driver.notice_channel or settings.NOTIFY_DRIVER_DEFAULT
    return channel if channel in enabled_channels() else ""


def family_channel() -> str:
    """The channel of families' texts, '' for none: only to the phone they gave (Signal or
    SMS; the console in development), and only if that channel is enabled."""
    channel = settings.NOTIFY_FAMILY_CHANNEL
    texts = (NoticeChannel.CONSOLE, *PHONE_CHANNELS)
    return channel if channel in texts and channel in enabled_channels() else ""


@dataclass(frozen=True)
class DriverNotice:
    kind: NoticeKind
    driver: Driver
    route_id: int
    event: str  # what happened, unique with the driver: "route 12", "claim 12 at <time>"


def notices_to_drivers(notices: Iterable[DriverNotice]) -> int:
    """Queue notices to drivers (in the caller's transaction); the send job runs after
    commit. A driver without a channel gets none. Idempotent per event and driver."""
    return _queue(_driver_rows(notices))


def _driver_rows(notices: Iterable[DriverNotice]) -> list[NoticeSent]:
    return [
        NoticeSent(
            key=f"{n.kind}:{n.event}:driver {n.driver.pk}",
            kind=n.kind,
            channel=channel,
            driver_id=n.driver.pk,
            route_id=n.route_id,
        )
        for n in notices
        if (channel := driver_channel(n.driver))
    ]


def notices_to_families(kind: NoticeKind, request_ids: Iterable[int], *, event: str) -> int:
    """Queue a notice to each family (in the caller's transaction). Whether a family asked
    for automatic texts is sealed with its contact: the worker finds out, and a family that
    did not ask gets nothing (its row says "not asked"). Idempotent per event and request."""
    channel = family_channel()
    if not channel:
        return 0
    rows = [
        NoticeSent(
            key=f"{kind}:{event}:request {request_id}",
            kind=kind,
            channel=channel,
            request_id=request_id,
        )
        for request_id in request_ids
    ]
    return _queue(rows)


def _queue(rows: list[NoticeSent], *, announcing: bool = True) -> int:
    """Store the notices not queued before; announce the send job if there are any."""
    known = set(
        NoticeSent.objects.filter(key__in=[row.key for row in rows]).values_list("key", flat=True)
    )
    rows = [row for row in rows if row.key not in known]
    if not rows:
        return 0
    NoticeSent.objects.bulk_create(rows, ignore_conflicts=True)
    if announcing:
        announce(Event.NOTICES_QUEUED)
    return len(rows)


def hold_notice_send(*, route: Route) -> bool:
    """The hold for a route's driver (deliveries.holds, in its job): queued and sent at
    once, exempt from the daily limits; a send that fails waits for the sweep like any
    other. One per call: each pause is its own event. Returns whether it was sent."""
    if route.driver is None or not (channel := driver_channel(route.driver)):
        return False
    now = timezone.now()
    notice = NoticeSent.objects.create(
        key=f"{NoticeKind.HOLD}:route {route.pk} at {now:%Y%m%d%H%M%S%f}:driver {route.driver.pk}",
        kind=NoticeKind.HOLD,
        channel=channel,
        driver=route.driver,
        route=route,
        queued_at=now,
        next_try_at=now,
    )
    sent = notice_send(notice_id=notice.pk, now=now)
    if sent:
        logger.info("hold sent for route %s (notice %s)", route.pk, notice.pk)
    else:
        logger.warning("hold for route %s not sent yet (notice %s)", route.pk, notice.pk)
    return sent


def pickup_notices_queue(*, now: dt.datetime | None = None) -> int:
    """Queue "ready for pickup" for each pickup whose items are set aside, once per time
    they were set aside, and "we missed you" for each pickup whose hold ran out (once per
    miss: `delivery_attempts` counts them). Read from the requests' state, because
    household_requests (which sets aside and releases) knows nothing of notices; run by the
    send job before it sends, so nothing is announced. Idempotent."""
    channel = family_channel()
    if not channel:
        return 0
    now = now or timezone.now()
    pickups = HouseholdRequest.objects.filter(
        fulfilment=Fulfilment.PICKUP, contact_purged_at__isnull=True
    )
    set_aside = Min(
        "lines__allocations__created_at",
        filter=Q(lines__allocations__consumed_at__isnull=True),
    )
    ready = (
        pickups.filter(status=RequestStatus.MATCHED)
        .annotate(set_aside_at=set_aside)
        .filter(set_aside_at__isnull=False)
        .values_list("pk", "set_aside_at")
    )
    missed = pickups.filter(delivery_attempts__gt=0).filter(
        Q(status__in=OPEN_STATUSES) | Q(finished_at__gte=now - dt.timedelta(days=1))
    )
    rows = [
        NoticeSent(
            key=f"{NoticeKind.READY_FOR_PICKUP}:set aside {at:%Y%m%d%H%M%S}:request {pk}",
            kind=NoticeKind.READY_FOR_PICKUP,
            channel=channel,
            request_id=pk,
        )
        for pk, at in ready
    ] + [
        NoticeSent(
            key=f"{NoticeKind.MISSED}:pickup miss {attempts}:request {pk}",
            kind=NoticeKind.MISSED,
            channel=channel,
            request_id=pk,
        )
        for pk, attempts in missed.values_list("pk", "delivery_attempts")
    ]
    return _queue(rows, announcing=False)


def reminders_queue() -> int:
    """Queue the day's reminder to the driver of each route claimed for today and not yet
    started, once per route, driver and day. Run by the send job. Idempotent."""
    today = local_today()
    routes = Route.objects.filter(
        status=RouteStatus.CLAIMED, service_date=today, driver__isnull=False
    ).select_related("driver")
    drivers = [
        DriverNotice(
            kind=NoticeKind.ROUTE_REMINDER,
            driver=route.driver,
            route_id=route.pk,
            event=f"route {route.pk} on {today.isoformat()}",
        )
        for route in routes
        if route.driver is not None
    ]
    return _queue(_driver_rows(drivers), announcing=False)


def notices_send(*, now: dt.datetime | None = None) -> int:
    """Send every due notice. Idempotent: a row is sent at most once after it succeeds,
    and a failed one waits its back-off. Returns how many were sent."""
    now = now or timezone.now()
    pickup_notices_queue(now=now)
    reminders_queue()
    due = list(
        NoticeSent.objects.filter(outcome=NoticeOutcome.PENDING, next_try_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(notice_send(notice_id=pk, now=now) for pk in due)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


def notice_send(*, notice_id: int, now: dt.datetime) -> bool:
    """Try one notice once. Takes the row (SKIP LOCKED) and pushes its next try back before
    the provider is called, so a crash or a slow provider never sends it twice at once."""
    with transaction.atomic():
        notice = (
            NoticeSent.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, outcome=NoticeOutcome.PENDING, next_try_at__lte=now)
            .first()
        )
        if notice is None:
            return False
        notice.attempts += 1
        notice.next_try_at = now + _backoff(notice.attempts)
        notice.save(update_fields=["attempts", "next_try_at"])
    try:
        delivery = _prepare(notice)
    except _NotSent as refusal:
        _finish(notice, NoticeOutcome.SKIPPED, refusal.reason)
        return False
    address, message = delivery
    try:
        backend_for(notice.channel).send(address, message)
    except Exception as failure:
        # Our reason only: a provider's message or a traceback may echo the number.
        reason = {SendFailed: getattr(failure, "reason", "error"), KeyError: "channel off"}.get(
            type(failure), "error"
        )
        logger.warning("notice %s (%s) not sent: %s", notice.pk, notice.kind, reason)
        if notice.attempts >= settings.NOTIFY_MAX_ATTEMPTS or isinstance(failure, KeyError):
            _finish(notice, NoticeOutcome.FAILED, reason)
        else:
            NoticeSent.objects.filter(pk=notice.pk).update(reason=reason)
        return False
    _finish(notice, NoticeOutcome.SENT, "")
    logger.info("notice %s (%s) sent by %s", notice.pk, notice.kind, notice.channel)
    return True


class _NotSent(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _finish(notice: NoticeSent, outcome: NoticeOutcome, reason: str) -> None:
    NoticeSent.objects.filter(pk=notice.pk).update(
        outcome=outcome, reason=reason, finished_at=timezone.now()
    )


def _midnight() -> dt.datetime:
    return dt.datetime.combine(local_today(), dt.time(), tzinfo=organization_tz())


def _over_limits(notice: NoticeSent) -> bool:
    sent_today = NoticeSent.objects.filter(outcome=NoticeOutcome.SENT, finished_at__gte=_midnight())
    if sent_today.count() >= settings.NOTIFY_PER_DAY:
        return True
    mine = (
        Q(driver_id=notice.driver_id)
        if notice.driver_id is not None
        else Q(request_id=notice.request_id)
    )
    return sent_today.filter(mine).count() >= settings.NOTIFY_PER_RECIPIENT_PER_DAY


PAUSED = "zone paused"


def _notice_zone(notice: NoticeSent) -> int | None:
    """The zone a notice is about: its route's, or its family's request's."""
    if notice.route_id is not None:
        return Route.objects.filter(pk=notice.route_id).values_list("zone_id", flat=True).first()
    if notice.request_id is not None:
        return (
            HouseholdRequest.objects.filter(pk=notice.request_id)
            .values_list("zone_id", flat=True)
            .first()
        )
    return None


def _prepare(notice: NoticeSent) -> tuple[str, Message]:
    """The address and the text of a notice, or _NotSent with why not."""
    if notice.kind != NoticeKind.HOLD and _over_limits(notice):
        raise _NotSent("limit")
    if notice.kind != NoticeKind.HOLD and zone_paused(_notice_zone(notice)):
        # Nothing but the hold goes into a paused zone, and nothing stale comes out after.
        raise _NotSent(PAUSED)
    if notice.kind == NoticeKind.HOLD and notice.driver_id is not None:
        driver = Driver.objects.select_related("user").get(pk=notice.driver_id)
        message = notice_texts.hold_message(driver.language)
        return _driver_address(driver, notice.channel), message
    if notice.driver_id is not None:
        driver = Driver.objects.select_related("user").get(pk=notice.driver_id)
        facts = _route_facts(notice.route_id, notice.kind)
        if facts is None:
            raise _NotSent("route moved on")
        message = notice_texts.driver_message(notice.kind, facts, driver.language)
        return _driver_address(driver, notice.channel), message
    assert notice.request_id is not None
    language = (
        HouseholdRequest.objects.filter(pk=notice.request_id)
        .values_list("language", flat=True)
        .first()
    )
    phone = phone_for_notice(notice.request_id)
    if phone is None or language is None:
        raise _NotSent(NOT_ASKED)
    address = phone if notice.channel in PHONE_CHANNELS else ""
    return address, notice_texts.family_message(notice.kind, language)


def _driver_address(driver: Driver, channel: str) -> str:
    if channel == NoticeChannel.CONSOLE:
        return ""
    if channel == NoticeChannel.EMAIL:
        if not driver.user.email:
            raise _NotSent("no address")
        return driver.user.email
    if driver.notice_number is None:
        raise _NotSent("no number")
    try:
        return driver_numbers.open_number(driver.notice_number)
    except SealingError:
        raise _NotSent("no number") from None


# A notice about a route goes out only while it still says something true: an offer while
# the route is open, a reminder while it is claimed and not started.
STILL_TRUE = {
    NoticeKind.ROUTE_OFFERED: Q(status=RouteStatus.OPEN),
    NoticeKind.ROUTE_REMINDER: Q(status=RouteStatus.CLAIMED),
}


def _route_facts(route_id: int | None, kind: str) -> notice_texts.RouteFacts | None:
    if route_id is None:
        return None
    live = Q(stops__outcome=StopOutcome.PENDING)
    zero = Value(0, output_field=IntegerField())
    route = (
        Route.objects.filter(STILL_TRUE.get(NoticeKind(kind), Q()), pk=route_id)
        .select_related("zone")
        .annotate(
            stop_count=Count("stops", filter=live, distinct=True),
            load_total=Coalesce(Sum("stops__load", filter=live), zero),
        )
        .first()
    )
    if route is None:
        return None
    return notice_texts.RouteFacts(
        zone=route.zone.name,
        day=route.service_date.isoformat(),
        window=f"{route.window_start:%H:%M}-{route.window_end:%H:%M}",
        stops=route.stop_count,
        load=route.load_total,
    )
