"""Zone writes: a zone and its postal codes change together."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from household_requests.models import Zone, ZonePostalCode
from household_requests.validation import normalize_postal_code


@transaction.atomic
def zone_save(*, name: str, postal_codes: Iterable[str], zone: Zone | None = None) -> Zone:
    """Create or rename a zone and set its postal codes (moving codes from other zones)."""
    if zone is None:
        zone = Zone.objects.create(name=name)
    elif zone.name != name:
        zone.name = name
        zone.save(update_fields=["name"])
    codes = sorted({normalize_postal_code(code) for code in postal_codes if code.strip()})
    ZonePostalCode.objects.filter(zone=zone).exclude(code__in=codes).delete()
    ZonePostalCode.objects.filter(code__in=codes).exclude(zone=zone).delete()
    existing = set(ZonePostalCode.objects.filter(zone=zone).values_list("code", flat=True))
    ZonePostalCode.objects.bulk_create(
        ZonePostalCode(zone=zone, code=code) for code in codes if code not in existing
    )
    return zone
