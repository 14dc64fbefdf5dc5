"""Planning, offers, stale claims, expiry and purge: the jobs called as plain functions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from deliveries import notices, offers, planning, services
from deliveries import tasks as delivery_tasks
from deliveries.models import Driver, Route, RouteOffer, RouteStatus, Stop, StopOutcome
from household_requests import allocation, retention
from household_requests import services as request_services
from household_requests import tasks as request_tasks
from household_requests.models import HouseholdRequest, RequestStatus, SealedContact
from inventory.models import StockLot
from inventory.selectors import ledger_mismatches
from mutualaid.members import member_add
from mutualaid.timeutil import local_today
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate

pytestmark = pytest.mark.django_db


def _stocked_requests(count: int, *, quantity: int = 2, **submit_kwargs: object) -> list[int]:
    rice = ItemFactory.create(max_per_household=50)
    donate((rice, 1000))
    return [submit(items=[(rice, quantity)], **submit_kwargs).request.pk for _ in range(count)]  # type: ignore[arg-type]


@override_settings(ROUTE_MAX_STOPS=3)
def test_it_fills_routes_up_to_the_stop_limit_then_opens_another():
    make_zone()
    ids = _stocked_requests(7)
    allocation.allocate_open_requests()

    run = planning.plan_routes()

    assert (run.requests_planned, run.routes_opened) == (7, 3)
    counts = sorted(Route.objects.values_list("stops__route_id", flat=True))
    assert sorted(counts.count(r) for r in set(counts)) == [1, 3, 3]
    assert set(HouseholdRequest.objects.values_list("status", flat=True)) == {"scheduled"}
    assert HouseholdRequest.objects.filter(pk__in=ids, planned_for__isnull=False).count() == 7


@override_settings(ROUTE_MAX_LOAD=5)
def test_it_respects_the_vehicle_load():
    make_zone()
    _stocked_requests(3, quantity=3)
    allocation.allocate_open_requests()

    planning.plan_routes()

    loads = [sum(s.load for s in r.stops.all()) for r in Route.objects.prefetch_related("stops")]
    assert sorted(loads) == [3, 3, 3]


def test_it_plans_for_a_day_the_family_chose_and_never_changes_a_claimed_route(driver: User):
    zone = make_zone()
    make_driver(driver, zone)
    rice = ItemFactory.create(max_per_household=50)
    donate((rice, 100))
    submit(items=[(rice, 2)], preferred_days=["sat"])
    allocation.allocate_open_requests()
    planning.plan_routes()
    route = Route.objects.get()
    assert route.service_date.weekday() == 5
    services.route_claim(route_id=route.pk, driver=Driver.objects.get(user=driver))

    submit(items=[(rice, 2)], preferred_days=["sat"])
    allocation.allocate_open_requests()
    planning.plan_routes()

    assert Stop.objects.filter(route=route).count() == 1
    assert Route.objects.count() == 2
    assert planning.plan_routes().requests_planned == 0  # idempotent


def test_it_does_not_route_pickup_requests():
    from tests.inventory.factories import LocationFactory

    make_zone()
    church = LocationFactory.create()
    rice = ItemFactory.create()
    donate((rice, 10))
    from tests.household_requests.factories import contact

    submit(
        items=[(rice, 1)], fulfilment="pickup", pickup_location=church, contact=contact(address="")
    )
    allocation.allocate_open_requests()

    assert planning.plan_routes().requests_planned == 0


def test_it_offers_a_route_to_fitting_drivers_once(driver: User, other_driver: User):
    world = routed_request()
    make_driver(driver, world.zone)
    make_driver(other_driver, world.zone, vetted=False)
    far = member_add(username="far", role="driver", password="x-long-enough-1")
    make_driver(far, make_zone("Frogtown", ("55103",)))
    driver.email = "dario@example.org"
    driver.save()

    with override_settings(NOTIFY_DRIVER_DEFAULT="email"):
        first = offers.routes_offer()
        second = offers.routes_offer()
        notices.notices_send()

    assert (first, second) == (1, 0)
    assert list(RouteOffer.objects.values_list("driver__user__username", flat=True)) == ["dario"]
    assert len(mail.outbox) == 1 and world.zone.name in mail.outbox[0].subject
    assert world.request.reference not in mail.outbox[0].body


def test_it_ranks_drivers_carrying_less_first(driver: User, other_driver: User):
    world = routed_request()
    busy = make_driver(driver, world.zone, max_active_routes=3)
    free = make_driver(other_driver, world.zone)
    other = routed_request(zone=world.zone)
    services.route_claim(route_id=other.route.pk, driver=busy)
    world.route.refresh_from_db()

    busy.zone_ids = {world.zone.pk}  # type: ignore[attr-defined]
    free.zone_ids = {world.zone.pk}  # type: ignore[attr-defined]
    ranked = offers.rank_drivers(world.route, 1, [busy, free], {busy.pk: 1})

    assert ranked == [free, busy]


def test_it_returns_a_stale_claim_to_the_board(driver: User):
    world = routed_request()
    make_driver(driver, world.zone)
    services.route_claim(route_id=world.route.pk, driver=Driver.objects.get(user=driver))
    deadline = services.claim_deadline(Route.objects.get(pk=world.route.pk))

    before = services.claims_release_stale(now=deadline - dt.timedelta(minutes=1))
    after = services.claims_release_stale(now=deadline + dt.timedelta(minutes=1))
    again = services.claims_release_stale(now=deadline + dt.timedelta(minutes=2))

    assert (before, after, again) == (0, 1, 0)
    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.OPEN and route.driver is None


def test_it_replans_requests_of_an_open_route_whose_day_passed():
    world = routed_request()

    retired = services.routes_retire_past(today=world.route.service_date + dt.timedelta(days=1))

    assert retired == 1
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CANCELLED
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.CANCELLED
    assert HouseholdRequest.objects.get(pk=world.request.pk).status == RequestStatus.MATCHED
    assert planning.plan_routes().requests_planned == 1


def test_it_spoils_expired_stock_and_reallocates_from_fresh_stock():
    make_zone()
    milk = ItemFactory.create(perishable=True)
    donate((milk, 4, local_today() + dt.timedelta(days=2)))
    request = submit(items=[(milk, 3)]).request
    allocation.allocate_open_requests()
    old_lot = StockLot.objects.get()
    assert old_lot.reserved == 3
    StockLot.objects.filter(pk=old_lot.pk).update(expires_on=local_today() - dt.timedelta(days=1))
    donate((milk, 5, local_today() + dt.timedelta(days=9)))

    assert retention.stock_expire() == 1
    allocation.allocate_open_requests()

    old_lot.refresh_from_db()
    assert (old_lot.on_hand, old_lot.reserved) == (0, 0)
    fresh = StockLot.objects.exclude(pk=old_lot.pk).get()
    assert fresh.reserved == 3
    assert HouseholdRequest.objects.get(pk=request.pk).lines.get().allocated == 3
    assert ledger_mismatches() == []
    assert retention.stock_expire() == 0


def test_it_purges_contacts_after_the_retention_period_and_keeps_the_statistics():
    make_zone()
    kept = submit().request
    finished = submit().request
    request_services.request_cancel(request_id=finished.pk)
    soon = timezone.now() + dt.timedelta(days=6)
    later = timezone.now() + dt.timedelta(days=8)

    assert retention.contacts_purge(now=soon) == 0
    assert retention.contacts_purge(now=later) == 1
    assert retention.contacts_purge(now=later) == 0

    assert SealedContact.objects.filter(request=kept).exists()
    assert not SealedContact.objects.filter(request=finished).exists()
    assert HouseholdRequest.objects.count() == 2


def test_it_enqueues_jobs_after_commit(django_capture_on_commit_callbacks):
    make_zone()
    rice = ItemFactory.create()

    with django_capture_on_commit_callbacks() as on_submit:
        submit(items=[(rice, 1)])
    with django_capture_on_commit_callbacks() as on_donation:
        donate((rice, 5))

    assert len(on_submit) == 1 and len(on_donation) == 1


def test_it_runs_the_job_functions_directly():
    make_zone()
    _stocked_requests(2)

    assert request_tasks.allocate_open_requests() == 4
    assert request_tasks.allocate_open_requests() == 0
    assert delivery_tasks.plan_routes() == 2
    assert delivery_tasks.plan_routes() == 0
    assert delivery_tasks.release_stale_claims() == 0
    assert request_tasks.purge_contacts() == 0
