"""Driver actions on routes and stops: claim, release, start, complete; an organizer's
offer of a route to one driver (accepted through the claim), the driver's stop order, and
an organizer's move of a stop to another route.

A claim is decided by one conditional UPDATE whose WHERE is the claimer's board
(`access.claimable_by`: open, unclaimed, their zone, day not passed): its row count says
who won, so of many simultaneous claimers exactly one succeeds.

Lock order, everywhere a write here takes more than one kind of row: a route, then its
stops, then their requests (and household_requests goes on: requests, then stock lots),
each kind in primary-key order. So a stop's outcome, a driver taken back and the sweeps
never wait on each other in a circle.

A paused zone (household_requests.pauses): its routes are not claimed, started, offered
or reordered and its stops do not move; "held for safety" is an outcome that is never an
attempt, never closes a request and never counts toward a driver's limits; "delivered"
stays recordable (the driver may be at the door). A driver may hand a route back for
safety without penalty (`route_hand_back_for_safety`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliveries import access, notices, selectors
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    Driver,
    DriverAction,
    DriverActionKind,
    FailureReason,
    NoticeKind,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from deliveries.planning import route_pantries_set
from household_requests import services as request_services
from household_requests.door_word import door_words_replace
from household_requests.models import OPEN_STATUSES
from household_requests.pauses import held_today, not_paused, zone_paused
from mutualaid.errors import Kind, ServiceError
from mutualaid.roles import is_organizer
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
NOT_ITS_DAY_YET = _("This route is for a later day. Record its stops on its day.")
OUTCOME_TOO_LATE = _(
    "This route's day is over and its families are being planned again. Tell an organizer "
    "what happened."
)
# Outcomes of a started route are taken on its day and on the next (a driver back late,
# or who records in the morning); only then does the sweep retire it and plan its
# families again. The same rule decides both (`_outcomes_closed`, `routes_retire_past`), so
# an outcome is never refused while the family still waits on this route, nor recorded
# for a family already planned again.
OUTCOME_GRACE_DAYS = 1
ORGANIZERS_ONLY = _("Only organizers can do this.")
CANNOT_OFFER = _(
    "This route can be offered only while it is open, and only to a vetted driver of its zone."
)
OFFER_GONE = _("This offer is no longer open.")
NOT_STARTED = _("Stops can be reordered only on a route you have started.")
NO_SUCH_MOVE = _("This stop cannot move that way.")
NO_WAITING_STOP = _("No stop waiting for delivery has this reference code.")
NO_SUCH_ROUTE = _("Choose another open route.")
MOVE_FROZEN = _("Only stops of open routes move: a claimed route belongs to its driver.")
MOVE_MISMATCH = _("A stop moves only to an open route of the same zone and day.")
ROUTE_FULL = _("That route has no room for this stop.")
NO_SUCH_OUTCOME = _("Choose delivered, could not deliver, or held for safety.")
ZONE_PAUSED = _("Deliveries in this area are paused for safety. Do not go there now.")
NOTHING_TO_HAND_BACK = _("Only a route you claimed or started can be handed back.")


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
    zone_id = Route.objects.filter(pk=route_id).values_list("zone_id", flat=True).first()
    if zone_paused(zone_id):
        raise ServiceError(ZONE_PAUSED, kind=Kind.CONFLICT)
    won = Route.objects.filter(access.claimable_by(driver), pk=route_id).update(
        status=RouteStatus.CLAIMED,
        driver=driver,
        claimed_at=_now(),
        offered_to=None,
        offered_at=None,
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
    if access.paused_now(route):
        raise ServiceError(ZONE_PAUSED, kind=Kind.CONFLICT)
    if not access.may_start_now(route):
        raise ServiceError(NOT_ITS_DAY, kind=Kind.CONFLICT)
    # The day and the pause are part of the UPDATE, so either changing since counts.
    started = mine.filter(not_paused(), service_date=route.service_date).update(
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
    # Sent after commit by the worker, only to families who asked (deliveries.notices).
    notices.notices_to_families(NoticeKind.ON_ITS_WAY, request_ids, event=f"route {route_id}")
    return Route.objects.get(pk=route_id)


@dataclass(frozen=True)
class StopResult:
    stop: Stop
    route_completed: bool


@transaction.atomic
def stop_complete(*, stop_id: int, driver: Driver, outcome: str, reason: str = "") -> StopResult:
    """Record a stop's outcome; a failed one takes a reason from FailureReason (never free
    text). On a claimed route this starts it first, through `route_start` and its day
    gate. Taken from the route's day (in the network's time zone; never before it) until
    the sweep retires the route (OUTCOME_GRACE_DAYS after its day). Delivered consumes the
    reserved stock; failed releases it and sends the request back to the queue (or closes
    it after the last attempt). The stop's contact disappears at once; a route with no
    stop left completes itself."""
    if outcome not in (StopOutcome.DELIVERED, StopOutcome.FAILED, StopOutcome.HELD):
        raise ServiceError(NO_SUCH_OUTCOME, field="outcome")
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
    # A claimed route is held to its day by `route_start` below, as a start is.
    if route.status == RouteStatus.IN_PROGRESS:
        today = local_today()
        if route.service_date > today:
            raise ServiceError(NOT_ITS_DAY_YET, kind=Kind.CONFLICT)
        if _outcomes_closed(route.status, route.service_date, today):
            raise ServiceError(OUTCOME_TOO_LATE, kind=Kind.CONFLICT)
    if route.status == RouteStatus.CLAIMED:
        route_start(route_id=route.pk, driver=driver)
    if outcome == StopOutcome.FAILED and access.paused_now(route):
        # Nothing a hold causes counts against a family: a failure in a paused zone is held.
        outcome, reason = StopOutcome.HELD, ""
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
        notices.notices_to_families(NoticeKind.MISSED, [stop.request_id], event=f"stop {stop.pk}")
    elif outcome == StopOutcome.HELD:
        # Not an attempt: the request keeps its place and its reservations, planned again.
        request_services.requests_unschedule(request_ids=[stop.request_id])
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
    # Claims in a paused zone are kept (the driver was sent the hold): the retire sweep
    # settles them after the pause (`_paused_past_window`), never silently here.
    candidates = Route.objects.filter(
        not_paused(),
        status=RouteStatus.CLAIMED,
        service_date__lte=now.astimezone(organization_tz()).date(),
    ).order_by("pk")
    stale_routes = [route for route in candidates if claim_deadline(route) <= now]
    stale = [route.pk for route in stale_routes]
    if not stale:
        return 0
    _tell_claims_ended(stale_routes)
    released = _back_to_board(Q(pk__in=stale))
    logger.info("released %d stale claim(s)", released)
    return released


def _tell_claims_ended(routes: list[Route]) -> None:
    """Queue "no longer yours" to the drivers of routes going back to the board or
    cancelled (sent after commit; never fails the action)."""
    notices.notices_to_drivers(
        notices.DriverNotice(
            kind=NoticeKind.CLAIM_ENDED,
            driver=route.driver,
            route_id=route.pk,
            event=f"route {route.pk} claimed {route.claimed_at:%Y%m%d%H%M%S}",
        )
        for route in routes
        if route.driver is not None
    )


def _cancel_routes(route_ids: list[int]) -> None:
    """Cancel routes; their undelivered families go back to be planned again."""
    if not route_ids:
        return
    stops = Stop.objects.filter(route_id__in=route_ids, outcome=StopOutcome.PENDING)
    request_ids = list(stops.values_list("request_id", flat=True))
    stops.update(outcome=StopOutcome.CANCELLED, completed_at=_now())
    request_services.requests_unschedule(request_ids=request_ids)
    Route.objects.filter(pk__in=route_ids).update(status=RouteStatus.CANCELLED)


def _outcomes_closed(status: str, service_date: dt.date, today: dt.date) -> bool:
    """Whether a route is past: unclaimed or never started once its day is over (nobody
    went), started once OUTCOME_GRACE_DAYS more are over too (its driver may still record
    what happened). `routes_retire_past` retires exactly these."""
    if status == RouteStatus.IN_PROGRESS:
        return service_date < today - dt.timedelta(days=OUTCOME_GRACE_DAYS)
    return service_date < today


def _past(today: dt.date) -> Q:
    """`_outcomes_closed` as a filter."""
    grace_over = today - dt.timedelta(days=OUTCOME_GRACE_DAYS)
    return Q(status__in=[RouteStatus.OPEN, RouteStatus.CLAIMED], service_date__lt=today) | Q(
        status=RouteStatus.IN_PROGRESS, service_date__lt=grace_over
    )


def _paused_past_window(today: dt.date, now: dt.datetime) -> list[int]:
    """Routes of a paused zone whose window ended during the pause: nobody can go now, so
    they are retired and their families planned again once the pause ends."""
    candidates = Route.objects.filter(
        ~not_paused(),
        status__in=[RouteStatus.OPEN, *ACTIVE_ROUTE_STATUSES],
        service_date__lte=today,
    ).values_list("pk", "service_date", "window_end")
    return [
        pk
        for pk, day, window_end in candidates
        if dt.datetime.combine(day, window_end, tzinfo=organization_tz()) <= now
    ]


@transaction.atomic
def routes_retire_past(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Routes whose day passed and that are not finished (unclaimed, claimed but never
    started, or started but never completed, the latter OUTCOME_GRACE_DAYS later) are
    cancelled; their families are planned again, so nothing is lost, and the driver's
    access is over. So are routes of a paused zone whose window ended during the pause
    (their reservations are kept). Locks the routes as `stop_complete` does, so a late
    outcome either lands first or is refused. Idempotent."""
    paused = _paused_past_window(today, now or _now())
    routes = list(
        Route.objects.select_for_update()
        .filter(_past(today) | Q(pk__in=paused))
        .order_by("pk")
        .values_list("pk", "status")
    )
    # Whoever started these routes saw their families' door words: new ones.
    _door_words_renew([pk for pk, status in routes if status == RouteStatus.IN_PROGRESS])
    _cancel_routes([pk for pk, _status in routes])
    return len(routes)


def _door_words_renew(route_ids: list[int]) -> None:
    """New door words for the waiting families of routes whose driver may have seen them
    (started routes taken back, handed back or retired)."""
    door_words_replace(
        request_ids=list(
            Stop.objects.filter(route_id__in=route_ids, outcome=StopOutcome.PENDING)
            .order_by("request_id")
            .values_list("request_id", flat=True)
        )
    )


@transaction.atomic
def route_hand_back_for_safety(*, route_id: int, driver: Driver) -> Route:
    """ "I have to stop": the driver gives a claimed or started route back, without penalty
    (no release is counted toward the daily limit). A claimed route goes back to the board;
    a started one ends, its waiting stops held for safety (never an attempt) and their
    families planned again with their reservations kept. Locks the route, then its stops."""
    route = (
        Route.objects.select_for_update()
        .filter(access.held_by(driver), pk=route_id, status__in=ACTIVE_ROUTE_STATUSES)
        .first()
    )
    if route is None:
        raise ServiceError(NOTHING_TO_HAND_BACK, kind=Kind.CONFLICT)
    if route.status == RouteStatus.CLAIMED:
        _back_to_board(Q(pk=route_id))
    else:
        stops = Stop.objects.filter(route_id=route_id, outcome=StopOutcome.PENDING)
        list(stops.select_for_update().order_by("pk").values_list("pk", flat=True))
        request_ids = list(stops.values_list("request_id", flat=True))
        # The driver saw these families' door words: new ones.
        _door_words_renew([route_id])
        stops.update(outcome=StopOutcome.HELD, completed_at=_now())
        request_services.requests_unschedule(request_ids=request_ids)
        Route.objects.filter(pk=route_id).update(status=RouteStatus.CANCELLED)
    logger.info("route %s handed back for safety by driver %s", route_id, driver.pk)
    return Route.objects.get(pk=route_id)


@transaction.atomic
def routes_settle_cancelled_stops() -> int:
    """Stops whose family cancelled (or whose request was closed) after planning are marked
    cancelled, and active routes with nothing left to deliver complete, so they stop
    counting against the driver's cap and the driver's access ends. Stops whose family said
    "not today, it isn't safe" today are held (never an attempt; the request is kept and
    planned again from tomorrow). Idempotent."""
    settled = Stop.objects.filter(outcome=StopOutcome.PENDING).exclude(
        request__status__in=OPEN_STATUSES
    )
    held = Stop.objects.filter(
        held_today("request__"), outcome=StopOutcome.PENDING, request__status__in=OPEN_STATUSES
    )
    route_ids = sorted(
        set(settled.values_list("route_id", flat=True))
        | set(held.values_list("route_id", flat=True))
    )
    # Routes before their stops (the lock order above).
    list(Route.objects.select_for_update().filter(pk__in=route_ids).order_by("pk"))
    settled.filter(route_id__in=route_ids).update(
        outcome=StopOutcome.CANCELLED, completed_at=_now()
    )
    held.filter(route_id__in=route_ids).update(outcome=StopOutcome.HELD, completed_at=_now())
    return sum(route_complete_if_done(route_id=route_id) for route_id in route_ids)


@transaction.atomic
def routes_take_back(*, driver: Driver, every_route: bool = False) -> int:
    """Routes a driver may no longer hold (un-vetted, deactivated, or outside their zones;
    with `every_route`, all of them, as after a password reset): claimed ones go back to
    the board; started ones are cancelled and their families planned again. Idempotent."""
    routes = Route.objects.filter(access.held_by(driver), status__in=ACTIVE_ROUTE_STATUSES)
    if driver.trusted and not every_route:
        routes = routes.exclude(access.in_zones_of(driver))
    taken = list(routes.select_for_update().order_by("pk").values_list("pk", "status"))
    claimed = [pk for pk, status in taken if status == RouteStatus.CLAIMED]
    started = [pk for pk, status in taken if status == RouteStatus.IN_PROGRESS]
    _tell_claims_ended(list(Route.objects.filter(pk__in=[pk for pk, _status in taken])))
    # Whoever held these routes may know their families' door words: new ones.
    _door_words_renew([pk for pk, _status in taken])
    _back_to_board(Q(pk__in=claimed))
    _cancel_routes(started)
    return len(taken)


# Hand assignment: an organizer offers an open route to one driver, who accepts (a claim,
# through `route_claim` and its limits) or declines. The route stays on the board meanwhile:
# whoever claims first, the offered driver or another, wins, by the claim's UPDATE.


@transaction.atomic
def route_offer(*, route_id: int, driver_id: int, user: User) -> Route:
    """Offer an open route to a trusted driver of its zone (replacing any earlier offer).
    Locks the route; the driver must have it on their board now (`access.claimable_by`)."""
    if not is_organizer(user):
        raise ServiceError(ORGANIZERS_ONLY, kind=Kind.REFUSED)
    route = Route.objects.select_for_update().filter(pk=route_id).first()
    if route is None:
        raise ServiceError(NO_SUCH_ROUTE, field="route")
    driver = Driver.objects.filter(access.offerable_to(route), pk=driver_id).first()
    if driver is None:
        raise ServiceError(CANNOT_OFFER, field="driver")
    if not Route.objects.filter(access.claimable_by(driver), pk=route_id).exists():
        raise ServiceError(CANNOT_OFFER, kind=Kind.CONFLICT)
    route.offered_to, route.offered_at = driver, _now()
    route.save(update_fields=["offered_to", "offered_at"])
    logger.info("route %s offered to driver %s by user %s", route_id, driver.pk, user.pk)
    return route


@transaction.atomic
def route_offer_withdraw(*, route_id: int, user: User) -> int:
    """Take an offer back (nothing to do if there is none). Idempotent."""
    if not is_organizer(user):
        raise ServiceError(ORGANIZERS_ONLY, kind=Kind.REFUSED)
    return Route.objects.filter(pk=route_id, offered_to__isnull=False).update(
        offered_to=None, offered_at=None
    )


def route_offer_accept(*, route_id: int, driver: Driver) -> Route:
    """The offered driver takes the route: a claim, through `route_claim` (vetting, cap,
    daily limit and the conditional UPDATE), so a race with a board claim has one winner."""
    if not Route.objects.filter(access.offered_to(driver), pk=route_id).exists():
        raise ServiceError(OFFER_GONE, kind=Kind.CONFLICT)
    return route_claim(route_id=route_id, driver=driver)


@transaction.atomic
def route_offer_decline(*, route_id: int, driver: Driver) -> None:
    """The offered driver says no: the offer ends, the route stays on the board."""
    declined = Route.objects.filter(pk=route_id, offered_to=driver).update(
        offered_to=None, offered_at=None
    )
    if declined != 1:
        raise ServiceError(OFFER_GONE, kind=Kind.CONFLICT)
    logger.info("route %s offer declined by driver %s", route_id, driver.pk)


@transaction.atomic
def stop_reorder(*, stop_id: int, driver: Driver, direction: str) -> None:
    """The driver moves a waiting stop one place up or down among the waiting stops of a
    route they started (`access.revealing_to`). Only sequence numbers change. Locks the
    route, then its stops in pk order (the lock order above)."""
    if direction not in ("up", "down"):
        raise ServiceError(NO_SUCH_MOVE, field="direction")
    route_id = Stop.objects.filter(pk=stop_id).values_list("route_id", flat=True).first()
    if route_id is None:
        raise Stop.DoesNotExist
    route = Route.objects.select_for_update().get(pk=route_id)
    if route.driver_id != driver.pk:
        raise ServiceError(NOT_YOURS, kind=Kind.REFUSED)
    if not Route.objects.filter(access.revealing_to(driver), pk=route_id).exists():
        raise ServiceError(NOT_STARTED, kind=Kind.CONFLICT)
    stops = list(Stop.objects.select_for_update().filter(route_id=route_id).order_by("pk"))
    stops.sort(key=lambda stop: (stop.sequence, stop.pk))
    waiting = [i for i, stop in enumerate(stops) if stop.outcome == StopOutcome.PENDING]
    where = next((n for n, i in enumerate(waiting) if stops[i].pk == stop_id), None)
    if where is None:
        raise ServiceError(STOP_DONE, kind=Kind.CONFLICT)
    other = where - 1 if direction == "up" else where + 1
    if not 0 <= other < len(waiting):
        raise ServiceError(NO_SUCH_MOVE, kind=Kind.CONFLICT)
    a, b = waiting[where], waiting[other]
    stops[a], stops[b] = stops[b], stops[a]
    for number, stop in enumerate(stops, start=1):
        stop.sequence = number
    Stop.objects.bulk_update(stops, ["sequence"])


def _normal_reference(reference: str) -> str:
    return reference.strip().upper()


@transaction.atomic
def stop_move(*, reference: str, route_id: int, user: User) -> Stop:
    """An organizer moves the waiting stop of `reference` to another open route of the same
    zone and day (claimed routes are frozen), within ROUTE_MAX_STOPS and ROUTE_MAX_LOAD. Locks
    both routes in pk order, then the stop (the lock order above); the request keeps its day,
    so no request row changes. Both routes' pantries are named again."""
    if not is_organizer(user):
        raise ServiceError(ORGANIZERS_ONLY, kind=Kind.REFUSED)
    found = (
        Stop.objects.filter(
            request__reference=_normal_reference(reference), outcome=StopOutcome.PENDING
        )
        .values_list("pk", "route_id")
        .first()
    )
    if found is None:
        raise ServiceError(NO_WAITING_STOP, field="reference")
    stop_id, source_id = found
    if source_id == route_id:
        raise ServiceError(NO_SUCH_ROUTE, field="route")
    routes = {
        route.pk: route
        for route in Route.objects.select_for_update()
        .filter(pk__in=[source_id, route_id])
        .order_by("pk")
    }
    source, target = routes.get(source_id), routes.get(route_id)
    if target is None:
        raise ServiceError(NO_SUCH_ROUTE, field="route")
    if source is not None and access.paused_now(source):
        raise ServiceError(ZONE_PAUSED, kind=Kind.CONFLICT)
    if source is None or source.status != RouteStatus.OPEN or source.driver_id is not None:
        raise ServiceError(MOVE_FROZEN, kind=Kind.CONFLICT)
    if target.status != RouteStatus.OPEN or target.driver_id is not None:
        raise ServiceError(MOVE_FROZEN, kind=Kind.CONFLICT)
    if (target.zone_id, target.service_date) != (source.zone_id, source.service_date):
        raise ServiceError(MOVE_MISMATCH, field="route")
    stop = (
        Stop.objects.select_for_update()
        .filter(pk=stop_id, route_id=source_id, outcome=StopOutcome.PENDING)
        .first()
    )
    if stop is None:
        raise ServiceError(NO_WAITING_STOP, kind=Kind.CONFLICT)
    there = Stop.objects.filter(route_id=route_id).aggregate(
        waiting=Count("pk", filter=Q(outcome=StopOutcome.PENDING)),
        load=Sum("load", filter=Q(outcome=StopOutcome.PENDING)),
        last=Max("sequence"),
    )
    waiting, load = there["waiting"], there["load"] or 0
    if waiting >= settings.ROUTE_MAX_STOPS or (
        waiting and load + stop.load > settings.ROUTE_MAX_LOAD
    ):
        raise ServiceError(ROUTE_FULL, kind=Kind.CONFLICT)
    stop.route_id, stop.sequence = route_id, (there["last"] or 0) + 1
    stop.save(update_fields=["route", "sequence"])
    route_pantries_set(route_ids=sorted(routes))
    logger.info(
        "stop %s moved from route %s to %s by user %s", stop.pk, source_id, route_id, user.pk
    )
    return stop
