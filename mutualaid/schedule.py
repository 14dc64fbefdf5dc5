"""What runs when, in one place: the jobs, the sweeps that beat runs, and the events that
run the same jobs sooner.

Apps lower in the dependency chain (inventory knows nothing of requests) announce an
event through `mutualaid.jobs.announce`; this table says which jobs it queues. A job not
queued (a broker outage) is still done by its sweep.
"""

from __future__ import annotations

import enum

ALLOCATE = "household_requests.tasks.allocate_open_requests"
EXPIRE_STOCK = "household_requests.tasks.expire_stock"
PURGE_CONTACTS = "household_requests.tasks.purge_contacts"
RESEAL_CONTACTS = "household_requests.tasks.reseal_contacts"
PLAN_ROUTES = "deliveries.tasks.plan_routes"
OFFER_ROUTES = "deliveries.tasks.offer_routes"
RELEASE_STALE_CLAIMS = "deliveries.tasks.release_stale_claims"
LEDGER_AUDIT = "household_requests.tasks.ledger_audit"
RELEASE_UNCOLLECTED_PICKUPS = "household_requests.tasks.release_uncollected_pickups"


class Event(enum.StrEnum):
    REQUEST_SUBMITTED = "request submitted"
    STOCK_ARRIVED = "stock arrived"  # a donation, a count that found more
    STOCK_RELEASED = "stock released"  # a cancel, a close, a failed stop, an expired lot
    MATCHING_REQUESTED = "matching requested"  # an organizer's "match now"
    REQUESTS_MATCHED = "requests matched"
    ROUTES_RETIRED = "routes retired"  # their families are planned again
    ROUTES_PLANNED = "routes planned"


JOBS_ON_EVENT: dict[Event, tuple[str, ...]] = {
    Event.REQUEST_SUBMITTED: (ALLOCATE,),
    Event.STOCK_ARRIVED: (ALLOCATE,),
    Event.STOCK_RELEASED: (ALLOCATE,),
    Event.MATCHING_REQUESTED: (ALLOCATE,),
    Event.REQUESTS_MATCHED: (PLAN_ROUTES,),
    Event.ROUTES_RETIRED: (PLAN_ROUTES,),
    Event.ROUTES_PLANNED: (OFFER_ROUTES,),
}

MINUTE = 60.0
HOUR = 3600.0

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "allocate": {"task": ALLOCATE, "schedule": 5 * MINUTE},
    "plan-routes": {"task": PLAN_ROUTES, "schedule": 5 * MINUTE},
    "offer-routes": {"task": OFFER_ROUTES, "schedule": 10 * MINUTE},
    "release-stale-claims": {"task": RELEASE_STALE_CLAIMS, "schedule": 5 * MINUTE},
    "expire-stock": {"task": EXPIRE_STOCK, "schedule": HOUR},
    "purge-contacts": {"task": PURGE_CONTACTS, "schedule": HOUR},
    # Moves live contacts out of a closed sealing period, then destroys its key.
    "reseal-contacts": {"task": RESEAL_CONTACTS, "schedule": HOUR},
    "ledger-audit": {"task": LEDGER_AUDIT, "schedule": HOUR},
    # Pickups not collected within PICKUP_HOLD_DAYS give their stock back.
    "release-uncollected-pickups": {"task": RELEASE_UNCOLLECTED_PICKUPS, "schedule": HOUR},
}
