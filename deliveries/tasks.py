"""Delivery jobs. Thin: each calls a service; all take nothing and are idempotent."""

from __future__ import annotations

from django.db import transaction

from deliveries import offers, planning, services
from mutualaid.jobs import job
from mutualaid.timeutil import local_today


@job("deliveries.tasks.plan_routes")
def plan_routes() -> int:
    """Put matched requests on routes, then offer new routes to drivers."""
    run = planning.plan_routes()
    if run.requests_planned:
        transaction.on_commit(lambda: offer_routes.delay())
    return run.requests_planned


@job("deliveries.tasks.offer_routes")
def offer_routes() -> int:
    return offers.routes_offer()


@job("deliveries.tasks.purge_stop_notes")
def purge_stop_notes() -> int:
    return services.stop_notes_purge()


@job("deliveries.tasks.release_stale_claims")
def release_stale_claims() -> int:
    """Stale claims go back to the board; unclaimed routes whose day passed are re-planned."""
    released = services.claims_release_stale()
    services.routes_settle_cancelled_stops()
    retired = services.routes_retire_past(today=local_today())
    if retired:
        transaction.on_commit(lambda: plan_routes.delay())
    return released + retired
