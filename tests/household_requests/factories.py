"""Household request test data, made through the real services."""

from __future__ import annotations

from household_requests import services
from household_requests.contacts import Contact
from household_requests.models import Zone
from household_requests.services import LineInput, RequestInput, SubmittedRequest
from household_requests.zones import zone_save
from inventory.models import Item
from tests.inventory.factories import ItemFactory

# Distinctive strings, so a leak is easy to find in any output.
SECRET_NAME = "Xochitl Quetzal-Leakcheck"
SECRET_PHONE = "612-555-0199"
SECRET_ADDRESS = "4417 Zzyzx Leakcheck Avenue, Apt 9"
SECRET_NOTES = "Blue door behind the Leakcheck bakery"


def make_zone(name: str = "Phillips", codes: tuple[str, ...] = ("55407", "55404")) -> Zone:
    return zone_save(name=name, postal_codes=codes)


def contact(**overrides: object) -> Contact:
    fields: dict[str, object] = {
        "name": SECRET_NAME,
        "phone": SECRET_PHONE,
        "address": SECRET_ADDRESS,
        "notes": SECRET_NOTES,
    }
    fields.update(overrides)
    return Contact(**fields)  # type: ignore[arg-type]


def submit(
    *,
    postal_code: str = "55407",
    items: list[tuple[Item, int]] | None = None,
    **overrides: object,
) -> SubmittedRequest:
    if not Zone.objects.exists():
        make_zone()
    lines = [LineInput(item=item, quantity=qty) for item, qty in (items or [])] or [
        LineInput(item=ItemFactory.create(), quantity=2)
    ]
    fields: dict[str, object] = {
        "postal_code": postal_code,
        "contact": overrides.pop("contact", contact()),
        "lines": lines,
        "adults": 2,
        "children": 1,
    }
    fields.update(overrides)
    return services.request_submit(data=RequestInput(**fields))  # type: ignore[arg-type]
