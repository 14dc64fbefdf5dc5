"""Who may see or act on a route or a stop: the rules, stated once.

The board, the route page, the API, the driver actions and the reveal all ask here, and
the claim's conditional UPDATE filters on the same `claimable_by` that the board shows: a
claim takes a route only while it is on the claimer's board. Contacts show only on a
route its driver started, and the start's day gate (`may_start_now`) is here too, so a
claim alone never reveals an address. Each rule is a Q object;
`via` applies it through a relation (`"route__"` for stops). Outsiders get 404, never a
hint; inside a driver's reach the services answer 403 or 409.

A paused zone (household_requests.pauses, read from the database in the same query) takes
its routes off every board and out of `revealing_to`, and `paused_now` stops a start: the
board, a claim by id, a start, an offer's accept and a stop's reorder all ask here. The
driver still sees their own route (`held_by`), to read the hold.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from deliveries.models import Driver, Route, RouteStatus, Stop, StopOutcome
from deliveries.selectors import with_totals
from household_requests.pauses import not_paused, zone_paused
from mutualaid.roles import is_driver, is_organizer
from mutualaid.timeutil import local_today, organization_tz

NOTHING = Q(pk__in=[])


def _where(via: str, **lookups: object) -> Q:
    return Q(**{via + name: value for name, value in lookups.items()})


def driver_for_user(user: AbstractBaseUser | AnonymousUser) -> Driver | None:
    """The driver profile of a signed-in driver; None without the role or the profile."""
    if not user.is_authenticated or not is_driver(user):
        return None
    return Driver.objects.filter(user_id=user.pk).select_related("user").first()


def held_by(driver: Driver, via: str = "") -> Q:
    """Routes the driver holds, whatever their state."""
    return _where(via, driver=driver)


def in_zones_of(driver: Driver, via: str = "") -> Q:
    return _where(via, zone__in=driver.zones.all())


def claimable_by(driver: Driver, via: str = "") -> Q:
    """The driver's board: open, unclaimed, in one of their zones, day not passed. Only a
    trusted driver has a board."""
    if not driver.trusted:
        return NOTHING
    return (
        in_zones_of(driver, via)
        & _where(via, status=RouteStatus.OPEN, driver__isnull=True, service_date__gte=local_today())
        & not_paused(via)
    )


def offered_to(driver: Driver, via: str = "") -> Q:
    """Routes an organizer offered to this driver that are still on their board: an offer
    counts only while the driver could claim the route (accepting is a claim)."""
    return claimable_by(driver, via) & _where(via, offered_to=driver)


def offerable_to(route: Route) -> Q:
    """Drivers an organizer may offer `route` to: trusted (vetted, active, can log in) and
    serving its zone; `claimable_by` decides again when they accept."""
    return Q(vetted=True, active=True, user__is_active=True, zones=route.zone_id)


def seen_by(driver: Driver, via: str = "") -> Q:
    """What a driver may look at and start or release: their board and their own routes."""
    return claimable_by(driver, via) | held_by(driver, via)


def within_reach_of(driver: Driver, via: str = "") -> Q:
    """Where a claim is answered rather than not found: the driver's zones (a route another
    driver claimed a moment ago is a lost race, 409) and their own routes."""
    return in_zones_of(driver, via) | held_by(driver, via)


def start_opens_at(route: Route) -> dt.datetime:
    """When a route's driver may start it, and so see its addresses: on its service day,
    REVEAL_LEAD_MINUTES before its window opens (in the organization's time zone)."""
    window = dt.datetime.combine(route.service_date, route.window_start, tzinfo=organization_tz())
    return window - dt.timedelta(minutes=settings.REVEAL_LEAD_MINUTES)


def may_start_now(route: Route) -> bool:
    """The day gate of the one start function (services.route_start): a route starts only
    on its day, from `start_opens_at`. Claiming shows what the board shows; the addresses
    come with the start, so claim-and-release cannot harvest them."""
    return route.service_date == local_today() and timezone.now() >= start_opens_at(route)


def paused_now(route: Route) -> bool:
    """The route's zone is paused (or its pause cannot be read): nothing starts or shows."""
    return zone_paused(route.zone_id)


def revealing_to(driver: Driver, via: str = "") -> Q:
    """Routes whose families' contacts the driver may see: held by a trusted driver,
    started (in progress, which only the day gate of `may_start_now` lets happen) on its
    day, in a zone still theirs and not paused. A claimed route reveals nothing; the day
    passing ends it."""
    if not driver.trusted:
        return NOTHING
    return (
        held_by(driver, via)
        & in_zones_of(driver, via)
        & _where(via, status=RouteStatus.IN_PROGRESS, service_date=local_today())
        & not_paused(via)
    )


def routes_for_user(
    user: AbstractBaseUser | AnonymousUser, *, driver: Driver | None = None
) -> QuerySet[Route]:
    """Organizers: every route. Drivers: what they see. Anyone else: nothing. `driver`:
    the user's profile, if the caller has read it already (`driver_for_user`)."""
    routes = Route.objects.select_related("pantry")
    if is_organizer(user):
        return with_totals(routes)
    driver = driver or driver_for_user(user)
    if driver is None:
        return with_totals(routes.none())
    return with_totals(routes.filter(seen_by(driver)))


def board_for(driver: Driver) -> QuerySet[Route]:
    """The driver's board page: what they may claim that still has a family to deliver to;
    `offered` marks a route an organizer offered to this driver (`offered_to`)."""
    waiting = Stop.objects.filter(route=OuterRef("pk"), outcome=StopOutcome.PENDING)
    offered = ExpressionWrapper(Q(offered_to=driver), output_field=BooleanField())
    routes = Route.objects.filter(claimable_by(driver), Exists(waiting)).select_related("pantry")
    return with_totals(routes).annotate(offered=offered)


def _one(routes: QuerySet[Route], pk: int) -> Route:
    route = routes.filter(pk=pk).first()
    if route is None:
        raise Http404
    return route


def route_for_user(
    user: AbstractBaseUser | AnonymousUser, pk: int, *, driver: Driver | None = None
) -> Route:
    return _one(routes_for_user(user, driver=driver), pk)


def route_to_act_on(driver: Driver, pk: int) -> Route:
    """A route the driver may start or release: one they see (their board, their own)."""
    return _one(Route.objects.filter(seen_by(driver)), pk)


def route_to_claim(driver: Driver, pk: int) -> Route:
    """A route the driver may try to claim: any of their zones, so losing a race is 409."""
    return _one(Route.objects.filter(within_reach_of(driver)), pk)


def stop_for_driver(driver: Driver, pk: int) -> Stop:
    """A stop on one of the driver's routes; the service checks the route's state."""
    stop = Stop.objects.filter(held_by(driver, via="route__"), pk=pk).first()
    if stop is None:
        raise Http404
    return stop
