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
- Limited per recipient per local day (NOTIFY_PER_RECIPIENT_PER_DAY: a driver, or a
  family's phone by its blind index, however many requests carry it) and per network per
  day, drivers (NOTIFY_PER_DAY) apart from families (NOTIFY_FAMILY_PER_DAY). A notice is
  counted under a lock (Turn.NOTICE_CAPS) just before its send, so two workers never
  overshoot; one over a cap waits for the next local day, and is skipped then only if it
  went stale ("on its way" after its day). A "ready for pickup" or a pickup's "we missed
  you" from the public form or API goes only to a phone that no other open request had a
  text for that day (the rest wait): a flood with a stranger's number texts it once a day.
- Bounded in time: a sweep starts no send after NOTIFY_BATCH_SECONDS (the rest waits for
  the next sweep), and the job's soft time limit is raised, never recorded as a failure.
- Any failure while preparing a notice is recorded with our reason and counts as an
  attempt. Where a provider keeps the message (Twilio), its id is kept and the sweep
  deletes the provider's record once the message is final, then forgets the id.
- The rows of a family whose contact is purged or wiped are deleted by the sweep: which
  family asked for texts goes with its contact.
- The number is opened just before the send (a driver's by `deliveries.driver_numbers`,
  a family's by `household_requests.notice_contacts`), handed to the backend, and never
  logged or stored; the row records who, which notice, which channel, when and how it went.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, Min, Q, Sum, Value
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
from household_requests.models import (
    OPEN_STATUSES,
    Channel,
    HouseholdRequest,
    PickupPointZone,
    RequestStatus,
    SealedContact,
    ZonePause,
)
from household_requests.notice_contacts import phone_for_notice
from household_requests.pauses import zone_paused
from household_requests.request_rules import Fulfilment
from mutualaid.jobs import announce
from mutualaid.locks import Turn, take_turn
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
            queued_at=now,
            next_try_at=now,  # due in the sweep that queues it
        )
        for pk, at in ready
    ] + [
        NoticeSent(
            key=f"{NoticeKind.MISSED}:pickup miss {attempts}:request {pk}",
            kind=NoticeKind.MISSED,
            channel=channel,
            request_id=pk,
            queued_at=now,
            next_try_at=now,
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
    """Send every due notice, within NOTIFY_BATCH_SECONDS (the rest waits for the next
    sweep); then delete the providers' records of sent messages that are final, and the
    rows of families whose contact is gone. Idempotent: a row is sent at most once after
    it succeeds, and a failed one waits its back-off. Returns how many were sent."""
    now = now or timezone.now()
    budget_ends = time.monotonic() + settings.NOTIFY_BATCH_SECONDS
    pickup_notices_queue(now=now)
    reminders_queue()
    due = list(
        NoticeSent.objects.filter(outcome=NoticeOutcome.PENDING, next_try_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    sent = 0
    for pk in due:
        if time.monotonic() >= budget_ends:
            logger.info("notices: this sweep's time is spent; the rest wait for the next")
            break
        sent += notice_send(notice_id=pk, now=now)
    provider_records_delete(now=now, budget_ends=budget_ends)
    notices_forget_purged()
    return sent


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
        address, message = _prepare(notice, now)
    except SoftTimeLimitExceeded:
        raise  # the job's time is up: the row waits its next try, nothing is recorded
    except _Held as held:
        # Over a daily cap: tried again at the next local midnight, not counted a failure.
        NoticeSent.objects.filter(pk=notice.pk).update(
            attempts=F("attempts") - 1, next_try_at=_next_midnight(now), reason=held.reason
        )
        return False
    except _NotSent as refusal:
        _finish(notice, NoticeOutcome.SKIPPED, refusal.reason)
        return False
    except Exception as failure:
        # Our reason only: an exception's text may hold the number; its type may not.
        logger.warning(
            "notice %s (%s) could not be prepared: %s",
            notice.pk,
            notice.kind,
            type(failure).__name__,
        )
        _tried(notice, "not prepared", final=False)
        return False
    try:
        ref = backend_for(notice.channel).send(address, message)
    except SoftTimeLimitExceeded:
        raise
    except Exception as failure:
        # Our reason only: a provider's message or a traceback may echo the number.
        reason = {SendFailed: getattr(failure, "reason", "error"), KeyError: "channel off"}.get(
            type(failure), "error"
        )
        logger.warning("notice %s (%s) not sent: %s", notice.pk, notice.kind, reason)
        _tried(notice, reason, final=isinstance(failure, KeyError))
        return False
    _finish(notice, NoticeOutcome.SENT, "", provider_ref=ref, now=now)
    logger.info("notice %s (%s) sent by %s", notice.pk, notice.kind, notice.channel)
    return True


def _tried(notice: NoticeSent, reason: str, *, final: bool) -> None:
    """A try that failed: failed for good after the last attempt, else it waits."""
    if final or notice.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        _finish(notice, NoticeOutcome.FAILED, reason)
    else:
        NoticeSent.objects.filter(pk=notice.pk).update(reason=reason)


class _NotSent(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Held(_NotSent):
    """Over a daily cap: waits for the next day."""


# Twilio asks for a minute before a delete; a refused one is asked again this much later.
RECORD_FIRST_TRY = dt.timedelta(minutes=1)
RECORD_RETRY = dt.timedelta(minutes=10)


def _finish(
    notice: NoticeSent,
    outcome: NoticeOutcome,
    reason: str,
    *,
    provider_ref: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    fields: dict[str, object] = {
        "outcome": outcome,
        "reason": reason,
        "finished_at": timezone.now(),
    }
    if provider_ref:
        fields["provider_ref"] = provider_ref[:64]
        fields["next_try_at"] = (now or timezone.now()) + RECORD_FIRST_TRY
    NoticeSent.objects.filter(pk=notice.pk).update(**fields)


def provider_records_delete(*, now: dt.datetime, budget_ends: float | None = None) -> int:
    """Ask the provider to delete its record of each sent message it keeps (Twilio), once
    it is due; forget the id once it is deleted, else ask again RECORD_RETRY later (the
    provider refuses while the message is not final). Idempotent. Returns how many went."""
    rows = list(
        NoticeSent.objects.filter(
            ~Q(provider_ref=""), outcome=NoticeOutcome.SENT, next_try_at__lte=now
        )
        .order_by("pk")
        .values_list("pk", "channel", "provider_ref")[:BATCH]
    )
    deleted = 0
    for pk, channel, ref in rows:
        if budget_ends is not None and time.monotonic() >= budget_ends:
            break
        try:
            gone = backend_for(channel).delete_record(ref)
        except SoftTimeLimitExceeded:
            raise
        except Exception as failure:
            logger.warning("notice %s: record not deleted: %s", pk, type(failure).__name__)
            gone = False
        if gone:
            NoticeSent.objects.filter(pk=pk).update(provider_ref="")
            deleted += 1
        else:
            NoticeSent.objects.filter(pk=pk).update(next_try_at=now + RECORD_RETRY)
    return deleted


def notices_forget_purged() -> int:
    """Delete the notice rows of families whose contact was purged or wiped (they say the
    family asked for texts). A row whose provider record is not deleted yet stays until it
    is, so its id is not lost. Idempotent; run by every send sweep."""
    deleted, _ = NoticeSent.objects.filter(
        request__contact_purged_at__isnull=False, provider_ref=""
    ).delete()
    return deleted


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, organization_tz()).date()


def _midnight(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(_local_day(now), dt.time(), tzinfo=organization_tz())


def _next_midnight(now: dt.datetime) -> dt.datetime:
    tomorrow = _local_day(now) + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=organization_tz())


LIMIT = "limit"
ONE_A_DAY = "one request a day"
# Sent with no human step for a request anyone could post (the public form, the API): one
# open request per phone a day may hear (THREAT_MODEL.md, "Notices").
UNATTENDED = (NoticeKind.READY_FOR_PICKUP, NoticeKind.MISSED)
PUBLIC_CHANNELS = (Channel.WEB, Channel.API)


def _count_against_caps(notice: NoticeSent, now: dt.datetime) -> None:
    """Count the notice against the daily caps, or raise _Held. Under Turn.NOTICE_CAPS, so
    two workers counting at once take turns and never overshoot. A notice counted today
    already (a retry) is not counted again."""
    midnight = _midnight(now)
    if notice.counted_at is not None and notice.counted_at >= midnight:
        return
    with transaction.atomic():
        take_turn(Turn.NOTICE_CAPS)
        today = NoticeSent.objects.filter(counted_at__gte=midnight).exclude(pk=notice.pk)
        if notice.driver_id is not None:
            network, cap = today.filter(driver__isnull=False), settings.NOTIFY_PER_DAY
            mine = network.filter(driver_id=notice.driver_id)
        else:
            network, cap = today.filter(request__isnull=False), settings.NOTIFY_FAMILY_PER_DAY
            phone = (
                SealedContact.objects.filter(request_id=notice.request_id)
                .values_list("phone_index", flat=True)
                .first()
            )
            same_phone = (
                Q(request__sealed_contact__phone_index=phone)
                if phone
                else Q(request_id=notice.request_id)
            )
            mine = network.filter(same_phone)
            if notice.kind in UNATTENDED and _public_pickup(notice.request_id):
                others = mine.exclude(request_id=notice.request_id).filter(
                    request__status__in=OPEN_STATUSES
                )
                if others.exists():
                    raise _Held(ONE_A_DAY)
        if network.count() >= cap or mine.count() >= settings.NOTIFY_PER_RECIPIENT_PER_DAY:
            raise _Held(LIMIT)
        NoticeSent.objects.filter(pk=notice.pk).update(counted_at=now)


def _public_pickup(request_id: int | None) -> bool:
    if request_id is None:
        return False
    return HouseholdRequest.objects.filter(
        pk=request_id, fulfilment=Fulfilment.PICKUP, channel__in=PUBLIC_CHANNELS
    ).exists()


# Notices that say "today": sent on a later day they would be wrong.
OF_ITS_DAY = (NoticeKind.ON_ITS_WAY, NoticeKind.MISSED, NoticeKind.ROUTE_REMINDER)


PAUSED = "zone paused"


def _notice_zone(notice: NoticeSent) -> int | None:
    """The zone a notice is about: its route's; for a family, their pickup point's zone if
    they pick up (the family goes there, not home), else their request's."""
    if notice.route_id is not None:
        return Route.objects.filter(pk=notice.route_id).values_list("zone_id", flat=True).first()
    if notice.request_id is not None:
        row = (
            HouseholdRequest.objects.filter(pk=notice.request_id)
            .values_list("zone_id", "fulfilment", "pickup_location_id")
            .first()
        )
        if row is None:
            return None
        zone_id, fulfilment, location_id = row
        if fulfilment == Fulfilment.PICKUP and location_id is not None:
            return (
                PickupPointZone.objects.filter(location_id=location_id)
                .values_list("zone_id", flat=True)
                .first()
            )
        return zone_id
    return None


# A notice skipped because its zone was paused waits this long when the pause's end cannot
# be read (a failed read counts as paused).
PAUSED_RETRY = dt.timedelta(minutes=15)


def _after_the_pause(notice: NoticeSent, zone_id: int | None) -> None:
    """ "Ready for pickup", skipped because the pickup point is paused, is queued again for
    when the pause ends (the items stay set aside, and the clock stops meanwhile): a new row,
    so the skipped one keeps its record. Other kinds stay skipped: stale after a pause."""
    if notice.kind != NoticeKind.READY_FOR_PICKUP or zone_id is None:
        return
    until = ZonePause.objects.filter(zone_id=zone_id).values_list("until", flat=True).first()
    now = timezone.now()
    NoticeSent.objects.get_or_create(
        key=f"{notice.kind}:after pause {notice.pk}:request {notice.request_id}"[:96],
        defaults={
            "kind": notice.kind,
            "channel": notice.channel,
            "request_id": notice.request_id,
            "queued_at": now,
            "next_try_at": max(until or now, now) + (dt.timedelta() if until else PAUSED_RETRY),
        },
    )


def _prepare(notice: NoticeSent, now: dt.datetime) -> tuple[str, Message]:
    """The address and the text of a notice, counted against the caps; or _NotSent with
    why not (_Held: over a cap, for the next day)."""
    if notice.kind in OF_ITS_DAY and _local_day(notice.queued_at) < _local_day(now):
        raise _NotSent("stale")
    if notice.kind != NoticeKind.HOLD:
        zone_id = _notice_zone(notice)
        if zone_paused(zone_id):
            # Nothing but the hold goes into a paused zone, and nothing stale comes out after.
            _after_the_pause(notice, zone_id)
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
        address = _driver_address(driver, notice.channel)
        _count_against_caps(notice, now)
        return address, message
    assert notice.request_id is not None
    request = (
        HouseholdRequest.objects.filter(pk=notice.request_id).values("language", "status").first()
    )
    if request is None:
        raise _NotSent(NOT_ASKED)
    if notice.kind == NoticeKind.READY_FOR_PICKUP and request["status"] != RequestStatus.MATCHED:
        raise _NotSent("stale")
    # Opened before counting: a family that did not ask uses no one's cap.
    phone = phone_for_notice(notice.request_id)
    if phone is None:
        raise _NotSent(NOT_ASKED)
    _count_against_caps(notice, now)
    address = phone if notice.channel in PHONE_CHANNELS else ""
    return address, notice_texts.family_message(notice.kind, request["language"])


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
