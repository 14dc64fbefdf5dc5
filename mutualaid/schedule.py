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
SEND_NOTICES = "deliveries.tasks.send_notices"
SEND_HOLDS = "deliveries.tasks.send_holds"
PURGE_PAUSE_RECORD = "household_requests.tasks.purge_pause_record"


class Event(enum.StrEnum):
    REQUEST_SUBMITTED = "request submitted"
    STOCK_ARRIVED = "stock arrived"  # a donation, a count that found more
    STOCK_RELEASED = "stock released"  # a cancel, a close, a failed stop, an expired lot
    MATCHING_REQUESTED = "matching requested"  # an organizer's "match now"
    REQUESTS_MATCHED = "requests matched"
    ROUTES_RETIRED = "routes retired"  # their families are planned again
    ROUTES_PLANNED = "routes planned"
    NOTICES_QUEUED = "notices queued"  # to drivers or families (deliveries.notices)
    ZONES_PAUSED = "zones paused"  # drivers on their routes get the hold
    ZONES_LIFTED = "zones lifted"  # their families are planned and offered again
    FAMILY_HELD = "family held"  # "not today, it isn't safe": their stop is held


JOBS_ON_EVENT: dict[Event, tuple[str, ...]] = {
    Event.REQUEST_SUBMITTED: (ALLOCATE,),
    Event.STOCK_ARRIVED: (ALLOCATE,),
    Event.STOCK_RELEASED: (ALLOCATE,),
    Event.MATCHING_REQUESTED: (ALLOCATE,),
    Event.REQUESTS_MATCHED: (PLAN_ROUTES,),
    Event.ROUTES_RETIRED: (PLAN_ROUTES,),
    Event.ROUTES_PLANNED: (OFFER_ROUTES,),
    Event.NOTICES_QUEUED: (SEND_NOTICES,),
    Event.ZONES_PAUSED: (SEND_HOLDS,),
    Event.ZONES_LIFTED: (PLAN_ROUTES, OFFER_ROUTES),
    Event.FAMILY_HELD: (RELEASE_STALE_CLAIMS,),
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
    # Notices not sent yet: a failed send is tried again here, after its back-off.
    "send-notices": {"task": SEND_NOTICES, "schedule": MINUTE},
    # Zone pauses (issue 14): a hold not sent at once (a broker outage) goes within a
    # minute; the record of pauses is deleted after ZONE_PAUSE_RECORD_DAYS.
    "send-holds": {"task": SEND_HOLDS, "schedule": MINUTE},
    "purge-pause-record": {"task": PURGE_PAUSE_RECORD, "schedule": HOUR},
}
