"""Household request test data, made through the real services."""

from __future__ import annotations

from typing import Any

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


def request_payload(item: Item, quantity: int = 2, **overrides: Any) -> dict[str, Any]:
    """A good body for POST /api/v1/public/requests/ (the contract's names): `quantity` of
    `item`, delivered. `as_form` turns it into what the request form posts."""
    payload: dict[str, Any] = {
        "postal_code": "55407",
        "adults": 2,
        "children": 1,
        "infants": 0,
        "fulfilment": "delivery",
        "name": SECRET_NAME,
        "phone": SECRET_PHONE,
        "address": SECRET_ADDRESS,
        "notes": SECRET_NOTES,
        "reach": "call",
        "lines": [{"item": item.pk, "quantity": quantity}],
    }
    payload.update(overrides)
    return payload


def as_form(payload: dict[str, Any], **form_only: Any) -> dict[str, Any]:
    """The same request as the form posts it: an amount next to each line's item
    (`item_<id>`), the consent box ticked; no language (the page's own is used)."""
    data = {
        name: value
        for name, value in payload.items()
        if name not in ("lines", "language") and value is not None
    }
    for line in payload.get("lines") or []:
        data[f"item_{line['item']}"] = line["quantity"]
    data["consent"] = "on"
    data.update(form_only)
    return data


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
