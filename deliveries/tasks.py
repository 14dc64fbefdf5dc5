"""Delivery jobs. Thin: each calls a service; all take nothing and are idempotent."""

from __future__ import annotations

from deliveries import holds, notices, offers, planning, services
from mutualaid import schedule
from mutualaid.jobs import announce, job
from mutualaid.schedule import Event
from mutualaid.timeutil import local_today


@job(schedule.PLAN_ROUTES)
def plan_routes() -> int:
    """Put matched requests on routes, then offer new routes to drivers."""
    run = planning.plan_routes()
    if run.requests_planned:
        announce(Event.ROUTES_PLANNED)
    return run.requests_planned


@job(schedule.OFFER_ROUTES)
def offer_routes() -> int:
    return offers.routes_offer()


@job(schedule.RELEASE_STALE_CLAIMS)
def release_stale_claims() -> int:
    """Stale claims go back to the board; unclaimed routes whose day passed are re-planned."""
    released = services.claims_release_stale()
    services.routes_settle_cancelled_stops()
    retired = services.routes_retire_past(today=local_today())
    if retired:
        announce(Event.ROUTES_RETIRED)
    return released + retired


@job(schedule.SEND_NOTICES)
def send_notices() -> int:
    """Send the notices that are due (deliveries.notices.notices_send: once each)."""
    return notices.notices_send()


@job(schedule.SEND_HOLDS)
def send_holds() -> int:
    """Drivers on routes in zones just paused get the hold notice. Idempotent."""
    return holds.holds_send()
