"""A request checked by the request rules against the database: the one place where
the rules' lookups (zone by postal code, items and their limits, categories, pickup
places) go through the ORM, and the input `services.request_submit` takes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from household_requests import request_rules
from household_requests.contacts import Contact
from household_requests.models import Fulfilment, Zone
from household_requests.request_rules import Known, Problem, Reading
from inventory.diet import item_suits
from inventory.models import Category, Item, Location
from inventory.selectors import pickup_points


@dataclass(frozen=True)
class LineInput:
    quantity: int
    item: Item | None = None
    category: Category | None = None


@dataclass(frozen=True, repr=False)
class RequestInput:
    postal_code: str
    contact: Contact
    lines: Sequence[LineInput]
    zone: Zone | None = None  # already looked up by the caller, if it did
    adults: int = 1
    children: int = 0
    infants: int = 0
    language: str = "en"
    fulfilment: str = Fulfilment.DELIVERY
    pickup_location: Location | None = None
    dietary_needs: Sequence[str] = field(default_factory=list)
    preferred_days: Sequence[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "RequestInput(<contains sealed fields>)"


@dataclass(frozen=True, repr=False)
class CheckedRequest:
    """A request as a form or the API sent it: every problem, or what `request_submit`
    takes."""

    problems: list[Problem]
    data: RequestInput | None = None

    def __repr__(self) -> str:
        return f"CheckedRequest({len(self.problems)} problem(s))"


def zone_for_postal_code(postal_code: str) -> Zone | None:
    """The active zone that serves this postal code (normalized first), or None."""
    code = request_rules.normalize_postal_code(postal_code)
    return Zone.objects.filter(active=True, postal_codes__code=code).first()


def _known(
    zone: Zone | None,
    items: Iterable[Item],
    categories: Iterable[Category],
    place: Location | None,
    needs: Iterable[str] = (),
) -> Known:
    needs = list(needs)
    return Known(
        zone_found=zone is not None and zone.active,
        item_limits={item.pk: item.max_per_household for item in items if item.active},
        categories=frozenset(category.pk for category in categories),
        pickup_places=frozenset(
            [place.pk] if place is not None and place.active and place.public_pickup else []
        ),
        items_against_needs=frozenset(
            item.pk for item in items if needs and not item_suits(needs, item.diet_tags)
        ),
    )


def check_request(values: Mapping[str, Any], *, language: str) -> CheckedRequest:
    """Read a request as a form or the API sent it (the API's names, see
    `request_rules.read_request`) and check it against the database. The lookups the rules
    need are made here, and only for a body of a sane size."""
    reading = request_rules.read_request(values)
    if reading.too_many_lines:
        return CheckedRequest(reading.problems)
    clean = reading.values
    zone = zone_for_postal_code(clean["postal_code"]) if "postal_code" in clean else None
    items = Item.objects.filter(active=True).in_bulk(
        {line.item for line in reading.lines if line.item is not None}
    )
    categories = Category.objects.in_bulk(
        {line.category for line in reading.lines if line.category is not None}
    )
    place_key = clean.get("pickup_location")
    place = pickup_points().filter(pk=place_key).first() if place_key else None
    known = _known(zone, items.values(), categories.values(), place, clean.get("dietary_needs", ()))
    problems = reading.problems + request_rules.check_known(reading, known)
    if problems:
        return CheckedRequest(problems)
    lines = [
        LineInput(
            quantity=line.quantity,
            item=items[line.item] if line.item is not None else None,
            category=categories[line.category] if line.category is not None else None,
        )
        for line in reading.lines
    ]
    return CheckedRequest([], _input(reading, zone, lines, place, language))


def _input(
    reading: Reading,
    zone: Zone | None,
    lines: list[LineInput],
    place: Location | None,
    language: str,
) -> RequestInput:
    clean = reading.values
    return RequestInput(
        postal_code=clean["postal_code"],
        contact=Contact(**reading.contact_values),
        lines=lines,
        zone=zone,
        adults=clean["adults"],
        children=clean["children"],
        infants=clean["infants"],
        language=language,
        fulfilment=clean["fulfilment"],
        pickup_location=place,
        dietary_needs=clean["dietary_needs"],
        preferred_days=clean["preferred_days"],
    )


def read_input(data: RequestInput) -> tuple[Reading, Zone | None]:
    """The rules over a RequestInput, whoever made it; the zone it goes to. No lookup but
    the zone, when the caller did not look it up."""
    values = {
        **vars(data.contact),
        "postal_code": data.postal_code,
        "adults": data.adults,
        "children": data.children,
        "infants": data.infants,
        "fulfilment": data.fulfilment,
        "pickup_location": data.pickup_location.pk if data.pickup_location else None,
        "dietary_needs": list(data.dietary_needs),
        "preferred_days": list(data.preferred_days),
        "lines": [
            {
                "item": line.item.pk if line.item else None,
                "category": line.category.pk if line.category else None,
                "quantity": line.quantity,
            }
            for line in data.lines
        ],
    }
    reading = request_rules.read_request(values)
    zone = data.zone if data.zone is not None and data.zone.active else None
    if zone is None and "postal_code" in reading.values:
        zone = zone_for_postal_code(reading.values["postal_code"])
    # Without the needs: the entries (check_request) refuse a line the family's own needs
    # rule out; a line whose item was tagged later stays short (allocation never breaks it).
    known = _known(
        zone,
        [line.item for line in data.lines if line.item],
        [line.category for line in data.lines if line.category],
        data.pickup_location,
    )
    reading.problems += request_rules.check_known(reading, known)
    return reading, zone
