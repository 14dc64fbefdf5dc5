"""Driver actions on routes and stops: claim, release, start, complete.

A claim is decided by one conditional UPDATE whose WHERE is the claimer's board
(`access.claimable_by`: open, unclaimed, their zone, day not passed): its row count says
who won, so of many simultaneous claimers exactly one succeeds.

Lock order, everywhere a write here takes more than one kind of row: a route, then its
stops, then their requests (and household_requests goes on: requests, then stock lots),
each kind in primary-key order. So a stop's outcome, a driver taken back and the sweeps
never wait on each other in a circle.
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
    DriverAction,
    DriverActionKind,
    FailureReason,
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
NOT_ITS_DAY = _(
    "A route can be started only on its day, shortly before its window. "
    "Its names and addresses show once it is started."
)
CLAIM_LIMIT = _("You have claimed as many routes as you can today. Try again tomorrow.")
RELEASE_LIMIT = _("You have released as many routes as you can today. Ask an organizer.")
REASON_REQUIRED = _("Choose why it could not be delivered.")
REASON_ONLY_WHEN_FAILED = _("A reason is given only when a stop could not be delivered.")
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
    if _actions_today(driver, DriverActionKind.CLAIM) >= settings.DRIVER_CLAIMS_PER_DAY:
        raise ServiceError(CLAIM_LIMIT, kind=Kind.CONFLICT)
    won = Route.objects.filter(access.claimable_by(driver), pk=route_id).update(
        status=RouteStatus.CLAIMED, driver=driver, claimed_at=_now()
    )
    if won != 1:
        raise ServiceError(CLAIM_LOST, kind=Kind.CONFLICT)
    DriverAction.objects.create(driver=driver, route_id=route_id, kind=DriverActionKind.CLAIM)
    logger.info("route %s claimed by driver %s", route_id, driver.pk)
    return Route.objects.get(pk=route_id)


def _back_to_board(routes: Q) -> int:
    return Route.objects.filter(routes, status=RouteStatus.CLAIMED).update(
        status=RouteStatus.OPEN,
        driver=None,
        claimed_at=None,
        release_count=F("release_count") + 1,
    )


def _actions_today(driver: Driver, kind: DriverActionKind) -> int:
    """The driver's claims (or releases) since midnight in the organization's time zone,
    counted from the database; the caller holds the driver's row locked."""
    midnight = dt.datetime.combine(local_today(), dt.time(), tzinfo=organization_tz())
    return DriverAction.objects.filter(driver=driver, kind=kind, at__gte=midnight).count()


@transaction.atomic
def route_release(*, route_id: int, driver: Driver) -> Route:
    """Give a claimed, not yet started route back to the board; access ends at once.
    At most DRIVER_RELEASES_PER_DAY a day (the driver's row is locked while counting)."""
    driver = Driver.objects.select_for_update().get(pk=driver.pk)
    if not Route.objects.filter(
        access.held_by(driver), pk=route_id, status=RouteStatus.CLAIMED
    ).exists():
        raise ServiceError(NOT_CLAIMED, kind=Kind.CONFLICT)
    if _actions_today(driver, DriverActionKind.RELEASE) >= settings.DRIVER_RELEASES_PER_DAY:
        raise ServiceError(RELEASE_LIMIT, kind=Kind.CONFLICT)
    if _back_to_board(access.held_by(driver) & Q(pk=route_id)) != 1:
        raise ServiceError(NOT_CLAIMED, kind=Kind.CONFLICT)
    DriverAction.objects.create(driver=driver, route_id=route_id, kind=DriverActionKind.RELEASE)
    return Route.objects.get(pk=route_id)


@transaction.atomic
def route_start(*, route_id: int, driver: Driver) -> Route:
    """The driver sets off: the one way a route starts, and so the one day gate
    (`access.may_start_now`: its day, from REVEAL_LEAD_MINUTES before its window). Only
    then do its families' contacts show. Requests on the route are now out for delivery."""
    if not driver.trusted:
        raise ServiceError(NOT_VETTED, kind=Kind.REFUSED)
    mine = Route.objects.filter(access.held_by(driver), pk=route_id, status=RouteStatus.CLAIMED)
    route = mine.first()
    if route is None:
        raise ServiceError(CANNOT_START, kind=Kind.CONFLICT)
    if route.service_date < local_today():
        raise ServiceError(ROUTE_DAY_PASSED, kind=Kind.CONFLICT)
    if not access.may_start_now(route):
        raise ServiceError(NOT_ITS_DAY, kind=Kind.CONFLICT)
    # The day is part of the UPDATE, so the day passing between the check and here counts.
    started = mine.filter(service_date=route.service_date).update(
        status=RouteStatus.IN_PROGRESS, started_at=_now()
    )
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
def stop_complete(*, stop_id: int, driver: Driver, outcome: str, reason: str = "") -> StopResult:
    """Record a stop's outcome; a failed one takes a reason from FailureReason (never free
    text). On a claimed route this starts it first, through `route_start` and its day
    gate. Delivered consumes the reserved stock; failed releases it and sends the request
    back to the queue (or closes it after the last attempt). The stop's contact disappears
    at once; a route with no stop left completes itself."""
    if outcome == StopOutcome.FAILED and reason not in FailureReason.values:
        raise ServiceError(REASON_REQUIRED, field="reason")
    if outcome != StopOutcome.FAILED and reason:
        raise ServiceError(REASON_ONLY_WHEN_FAILED, field="reason")
    # The route first (the lock order above), then the stop.
    route_id = Stop.objects.filter(pk=stop_id).values_list("route_id", flat=True).first()
    if route_id is None:
        raise Stop.DoesNotExist
    route = Route.objects.select_for_update().get(pk=route_id)
    stop = (
        Stop.objects.select_related("request")
        .select_for_update(of=("self",))
        .get(pk=stop_id, route_id=route_id)
    )
    stop.route = route
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
    stop.failure_reason = reason if outcome == StopOutcome.FAILED else ""
    stop.completed_at = _now()
    stop.save(update_fields=["outcome", "failure_reason", "completed_at"])
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
    # Routes before their stops (the lock order above).
    list(Route.objects.select_for_update().filter(pk__in=route_ids).order_by("pk"))
    settled.filter(route_id__in=route_ids).update(
        outcome=StopOutcome.CANCELLED, completed_at=_now()
    )
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
