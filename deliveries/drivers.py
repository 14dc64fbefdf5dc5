"""Driver profiles: organizers manage them; add_member creates them for drivers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from deliveries.models import Driver
from deliveries.services import routes_take_back
from household_requests.models import Zone
from mutualaid.members import MemberError

UNKNOWN_ZONE = "No zone named %(name)s."


class DriverError(MemberError):
    """A driver profile change was refused."""


@transaction.atomic
def driver_save(
    *,
    user: User,
    zones: Iterable[Zone] | None = None,
    vehicle_capacity: int | None = None,
    available_days: list[str] | None = None,
    vetted: bool | None = None,
    max_active_routes: int | None = None,
    active: bool | None = None,
) -> Driver:
    """Create or update a driver's profile; only the given fields change. Idempotent."""
    driver, _created = Driver.objects.get_or_create(user=user)
    changes = {
        "vehicle_capacity": vehicle_capacity,
        "available_days": available_days,
        "vetted": vetted,
        "max_active_routes": max_active_routes,
        "active": active,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(driver, name, value)
    driver.save()
    if zones is not None:
        driver.zones.set(list(zones))
    # Access to addresses ends with trust, and with the zone: those routes are taken back.
    routes_take_back(driver=driver)
    return driver


def zones_by_name(names: Iterable[str]) -> list[Zone]:
    wanted = list(dict.fromkeys(names))
    zones = {zone.name: zone for zone in Zone.objects.filter(name__in=wanted)}
    missing = [name for name in wanted if name not in zones]
    if missing:
        raise DriverError(UNKNOWN_ZONE % {"name": ", ".join(missing)})
    return [zones[name] for name in wanted]


def on_member_added(*, user: Any, role: str, zones: list[str]) -> None:
    """add_member hook: whoever runs the server vouches for a driver added this way. A
    driver an organizer has since un-vetted stays un-vetted when their password is reset."""
    if role != "driver":
        return
    is_new = not Driver.objects.filter(user=user).exists()
    driver_save(
        user=user, zones=zones_by_name(zones) if zones else None, vetted=True if is_new else None
    )
