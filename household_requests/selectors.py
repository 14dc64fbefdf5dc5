"""Reads of household requests. None of them touch sealed contact details."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from household_requests import status_links
from household_requests.models import (
    OPEN_STATUSES,
    Allocation,
    HouseholdRequest,
    RequestLine,
)
from inventory.models import local_name_fields, local_name_of


def request_for_status_page(reference: str, secret: str) -> HouseholdRequest:
    """The family's own request, by reference and link secret; 404 for any mismatch.

    An unknown reference and a wrong secret do the same work (one query for the stored
    hash, one hash, one constant-time comparison: status_links.secret_matches), so they
    look the same from outside; the request itself is read only once the secret matches.
    """
    found = list(
        HouseholdRequest.objects.filter(reference=reference.upper()).values_list(
            "pk", "status_secret_hash"
        )[:1]
    )
    pk, stored_hash = found[0] if found else (0, None)
    if not status_links.secret_matches(stored_hash, secret):
        raise Http404
    return HouseholdRequest.objects.select_related("zone", "pickup_location").get(pk=pk)


def lines_of(request: HouseholdRequest) -> QuerySet[RequestLine]:
    """A request's lines with their item and category (the family's status page)."""
    return request.lines.select_related("item", "category")


def lines_with_allocations(request: HouseholdRequest) -> QuerySet[RequestLine]:
    return request.lines.select_related("item", "category").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("lot__item"))
    )


def request_queue(
    *,
    status: str | None = None,
    zone_id: int | None = None,
    outside_zones: bool = False,
    missed_visits: bool = False,
    urgency: int | None = None,
    older_than_days: int | None = None,
    submitted_after: dt.date | None = None,
    submitted_before: dt.date | None = None,
) -> QuerySet[HouseholdRequest]:
    """The organizers' queue: request metadata and line totals, never contacts.

    Each total is a subquery on the request's own lines, not a join and GROUP BY over every
    request: a page of the queue sums the lines of the requests it shows."""
    lines = RequestLine.objects.filter(request=OuterRef("pk")).order_by().values("request")
    zero = Value(0, output_field=IntegerField())

    def total(aggregate: Count | Sum) -> Coalesce:
        per_request = lines.annotate(n=aggregate).values("n")
        return Coalesce(Subquery(per_request, output_field=IntegerField()), zero)

    requests = HouseholdRequest.objects.select_related("zone", "pickup_location").annotate(
        line_count=total(Count("pk")),
        units_requested=total(Sum("quantity")),
        units_allocated=total(Sum("allocated")),
    )
    if status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status:
        requests = requests.filter(status=status)
    if zone_id:
        requests = requests.filter(zone_id=zone_id)
    if outside_zones:
        requests = requests.filter(zone__isnull=True)
    if missed_visits:  # a driver came and could not deliver, at least once
        requests = requests.filter(delivery_attempts__gt=0)
    if urgency is not None:
        requests = requests.filter(urgency=urgency)
    if older_than_days is not None:
        requests = requests.filter(
            submitted_at__lte=timezone.now() - dt.timedelta(days=older_than_days)
        )
    if submitted_after:
        requests = requests.filter(submitted_at__date__gte=submitted_after)
    if submitted_before:
        requests = requests.filter(submitted_at__date__lte=submitted_before)
    return requests.order_by("-urgency", "submitted_at", "id")


@dataclass(frozen=True)
class Need:
    item_id: int | None
    category_id: int | None
    name: str  # the catalogue's original name
    local_name: str  # in the active language, the original where no translation is entered
    unit: str
    shortfall: int


def most_needed(limit: int = 50) -> list[Need]:
    """What open requests still lack, per item (or per category for 'any of' lines)."""
    rows = (
        RequestLine.objects.filter(request__status__in=OPEN_STATUSES, allocated__lt=F("quantity"))
        .values(
            "item_id",
            "item__unit",
            "category_id",
            *local_name_fields("item__"),
            *local_name_fields("category__"),
        )
        .annotate(missing=Sum(F("quantity") - F("allocated")))
        .order_by("-missing", "item__name", "category__name")[:limit]
    )
    return [
        Need(
            item_id=row["item_id"],
            category_id=row["category_id"],
            name=row["item__name"] or row["category__name"],
            local_name=local_name_of(row, "item__" if row["item_id"] else "category__"),
            unit=row["item__unit"] or "",
            shortfall=row["missing"],
        )
        for row in rows
    ]
