"""Zone writes: a zone and its postal codes change together."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from household_requests.models import Zone, ZonePostalCode
from household_requests.request_rules import normalize_postal_code

# A pickup from a postal code outside every zone has no zone; pages, the dashboard and the
# exports count those apart under this name.
OUTSIDE_ZONES = _("outside the zones")


def zone_label(name: str | None) -> str:
    """A zone's name, or "outside the zones" for a request without one."""
    return name if name else str(OUTSIDE_ZONES)


@transaction.atomic
def zone_save(
    *,
    name: str,
    postal_codes: Iterable[str],
    zone: Zone | None = None,
    active: bool | None = None,
) -> Zone:
    """Create or change a zone and set its postal codes, normalized as the request rules
    read them (moving codes from other zones). The API and the admin both save here."""
    zone = zone if zone is not None else Zone()
    zone.name = name
    if active is not None:
        zone.active = active
    zone.save()
    codes = sorted({normalize_postal_code(code) for code in postal_codes if code.strip()})
    ZonePostalCode.objects.filter(zone=zone).exclude(code__in=codes).delete()
    ZonePostalCode.objects.filter(code__in=codes).exclude(zone=zone).delete()
    existing = set(ZonePostalCode.objects.filter(zone=zone).values_list("code", flat=True))
    ZonePostalCode.objects.bulk_create(
        ZonePostalCode(zone=zone, code=code) for code in codes if code not in existing
    )
    return zone
