"""Driver actions on routes and stops: claim, release, start, complete.

A claim is decided by one conditional UPDATE whose WHERE is the claimer's board
(`access.claimable_by`: open, unclaimed, their zone, day not passed): its row count says
who won, so of many simultaneous claimers exactly one succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries import access, selectors
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    Driver,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from household_requests import services as request_services
from household_requests.models import OPEN_STATUSES
from mutualaid.errors import Kind, ServiceError
from mutualaid.timeutil import local_today, organization_tz

logger = logging.getLogger(__name__)

NOT_VETTED = _("Only vetted drivers can claim routes. Ask an organizer.")
AT_CAP = _("You already have as many routes as you can claim. Finish one first.")
CLAIM_LOST = _("Another driver claimed this route first.")
NOT_YOURS = _("This route is not assigned to you.")
NOT_CLAIMED = _("This route is not claimed; nothing to release.")
CANNOT_START = _("Only a claimed route can be started.")
STOP_DONE = _("This stop is already done.")
ROUTE_DAY_PASSED = _("This route's day has passed.")
ROUTE_NOT_ACTIVE = _("This route is not active.")


def _now() -> dt.datetime:
    return timezone.now()


@transaction.atomic
def route_claim(*, route_id: int, driver: Driver) -> Route:
    """Claim a route on the driver's board. Exactly one of many simultaneous claimers wins;
    the rest get a conflict. Unvetted drivers and drivers at their cap are refused. Locks
    the driver's row so one driver's parallel claims cannot pass the cap together."""
    driver = Driver.objects.select_for_update().get(pk=driver.pk)
    if not driver.trusted:
        raise ServiceError(NOT_VETTED, kind=Kind.REFUSED)
    if selectors.active_route_count(driver) >= driver.max_active_routes:
        raise ServiceError(AT_CAP, kind=Kind.REFUSED)
    if Route.objects.filter(pk=route_id, service_date__lt=local_today()).exists():
        raise ServiceError(ROUTE_DAY_PASSED, kind=Kind.CONFLICT)
    won = Route.objects.filter(access.claimable_by(driver), pk=route_id).update(
        status=RouteStatus.CLAIMED, driver=driver, claimed_at=_now()
    )
    if won != 1:
        raise ServiceError(CLAIM_LOST, kind=Kind.CONFLICT)
    logger.info("route %s claimed by driver %s", route_id, driver.pk)
    return Route.objects.get(pk=route_id)


def _back_to_board(routes: Q) -> int:
    return Route.objects.filter(routes, status=RouteStatus.CLAIMED).update(
        status=RouteStatus.OPEN,
        driver=None,
        claimed_at=None,
        release_count=F("release_count") + 1,
    )


@transaction.atomic
def route_release(*, route_id: int, driver: Driver) -> Route:
    """Give a claimed, not yet started route back to the board; access ends at once."""
    if _back_to_board(access.held_by(driver) & Q(pk=route_id)) != 1:
        raise ServiceError(NOT_CLAIMED, kind=Kind.CONFLICT)
    return Route.objects.get(pk=route_id)


@transaction.atomic
def route_start(*, route_id: int, driver: Driver) -> Route:
    """The driver sets off. Requests on the route are now out for delivery."""
    if not driver.trusted:
        raise ServiceError(NOT_VETTED, kind=Kind.REFUSED)
    started = Route.objects.filter(
        access.held_by(driver), pk=route_id, status=RouteStatus.CLAIMED
    ).update(status=RouteStatus.IN_PROGRESS, started_at=_now())
    if started != 1:
        raise ServiceError(CANNOT_START, kind=Kind.CONFLICT)
    request_ids = list(
        Stop.objects.filter(route_id=route_id, outcome=StopOutcome.PENDING).values_list(
            "request_id", flat=True
        )
    )
    request_services.requests_out_for_delivery(request_ids=request_ids)
    return Route.objects.get(pk=route_id)


@dataclass(frozen=True)
class StopResult:
    stop: Stop
    route_completed: bool


@transaction.atomic
def stop_complete(*, stop_id: int, driver: Driver, outcome: str, note: str = "") -> StopResult:
    """Record a stop's outcome. Delivered consumes the reserved stock; failed releases it
    and sends the request back to the queue (or closes it after the last attempt). The
    stop's contact disappears at once; a route with no stop left completes itself."""
    stop = (
        Stop.objects.select_related("route", "request")
        .select_for_update(of=("self",))
        .get(pk=stop_id)
    )
    route = stop.route
    if route.driver_id != driver.pk:
        raise ServiceError(NOT_YOURS, kind=Kind.REFUSED)
    if not driver.trusted:
        raise ServiceError(NOT_VETTED, kind=Kind.REFUSED)
    if route.status not in ACTIVE_ROUTE_STATUSES:
        raise ServiceError(ROUTE_NOT_ACTIVE, kind=Kind.CONFLICT)
    if stop.outcome != StopOutcome.PENDING:
        raise ServiceError(STOP_DONE, kind=Kind.CONFLICT)
    if route.status == RouteStatus.CLAIMED:
        route_start(route_id=route.pk, driver=driver)
    if stop.request.status not in OPEN_STATUSES:
        # The family cancelled (or an organizer closed) after planning: nothing to hand over.
        outcome = StopOutcome.CANCELLED
    stop.outcome = outcome
    stop.note = note[:300]
    stop.completed_at = _now()
    stop.save(update_fields=["outcome", "note", "completed_at"])
    if outcome == StopOutcome.DELIVERED:
        request_services.request_mark_delivered(request_id=stop.request_id)
    elif outcome == StopOutcome.FAILED:
        request_services.request_mark_failed(
            request_id=stop.request_id, max_attempts=settings.MAX_DELIVERY_ATTEMPTS
        )
    return StopResult(stop=stop, route_completed=route_complete_if_done(route_id=route.pk))


def route_complete_if_done(*, route_id: int) -> bool:
    """Complete an active route none of whose stops still waits for a delivery."""
    waiting = Stop.objects.filter(
        route_id=route_id, outcome=StopOutcome.PENDING, request__status__in=OPEN_STATUSES
    ).exists()
    if waiting:
        return False
    done = Route.objects.filter(pk=route_id, status__in=ACTIVE_ROUTE_STATUSES).update(
        status=RouteStatus.COMPLETED, completed_at=_now()
    )
    return done == 1


def claim_deadline(route: Route) -> dt.datetime:
    start = dt.datetime.combine(route.service_date, route.window_start, tzinfo=organization_tz())
    return start + dt.timedelta(minutes=settings.CLAIM_GRACE_MINUTES)


@transaction.atomic
def claims_release_stale(*, now: dt.datetime | None = None) -> int:
    """Claims not started by their window (plus grace) go back to the board. Idempotent."""
    now = now or _now()
    candidates = Route.objects.filter(
        status=RouteStatus.CLAIMED, service_date__lte=now.astimezone(organization_tz()).date()
    ).order_by("pk")
    stale = [route.pk for route in candidates if claim_deadline(route) <= now]
    if not stale:
        return 0
    released = _back_to_board(Q(pk__in=stale))
    logger.info("released %d stale claim(s)", released)
    return released


def _cancel_routes(route_ids: list[int]) -> None:
    """Cancel routes; their undelivered families go back to be planned again."""
    if not route_ids:
        return
    stops = Stop.objects.filter(route_id__in=route_ids, outcome=StopOutcome.PENDING)
    request_ids = list(stops.values_list("request_id", flat=True))
    stops.update(outcome=StopOutcome.CANCELLED, completed_at=_now())
    request_services.requests_unschedule(request_ids=request_ids)
    Route.objects.filter(pk__in=route_ids).update(status=RouteStatus.CANCELLED)


@transaction.atomic
def routes_retire_past(*, today: dt.date) -> int:
    """Routes whose day passed and that are not finished (unclaimed, claimed but never
    started, or started but never completed) are cancelled; their families are planned
    again, so nothing is lost, and the driver's access is over. Idempotent."""
    routes = list(
        Route.objects.select_for_update()
        .filter(status__in=[RouteStatus.OPEN, *ACTIVE_ROUTE_STATUSES], service_date__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _cancel_routes(routes)
    return len(routes)


@transaction.atomic
def routes_settle_cancelled_stops() -> int:
    """Stops whose family cancelled (or whose request was closed) after planning are marked
    cancelled, and active routes with nothing left to deliver complete, so they stop
    counting against the driver's cap and the driver's access ends. Idempotent."""
    settled = Stop.objects.filter(outcome=StopOutcome.PENDING).exclude(
        request__status__in=OPEN_STATUSES
    )
    route_ids = sorted(set(settled.values_list("route_id", flat=True)))
    settled.update(outcome=StopOutcome.CANCELLED, completed_at=_now())
    return sum(route_complete_if_done(route_id=route_id) for route_id in route_ids)


@transaction.atomic
def routes_take_back(*, driver: Driver) -> int:
    """Routes a driver may no longer hold (un-vetted, deactivated, or outside their zones):
    claimed ones go back to the board; started ones are cancelled and their families
    planned again. Idempotent."""
    routes = Route.objects.filter(access.held_by(driver), status__in=ACTIVE_ROUTE_STATUSES)
    if driver.trusted:
        routes = routes.exclude(access.in_zones_of(driver))
    taken = list(routes.select_for_update().order_by("pk").values_list("pk", "status"))
    claimed = [pk for pk, status in taken if status == RouteStatus.CLAIMED]
    started = [pk for pk, status in taken if status == RouteStatus.IN_PROGRESS]
    _back_to_board(Q(pk__in=claimed))
    _cancel_routes(started)
    return len(taken)


def stop_notes_purge() -> int:
    """Drivers' free-text notes go with the family's contact when it is purged. Idempotent."""
    return (
        Stop.objects.filter(request__contact_purged_at__isnull=False)
        .exclude(note="")
        .update(note="")
    )
