"""Driver profiles: organizers manage them; add_member creates them for drivers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from deliveries.models import Driver
from deliveries.services import routes_take_back
from household_requests.models import Zone
from mutualaid.errors import ServiceError
from mutualaid.members import member_add
from mutualaid.roles import DRIVER

UNKNOWN_ZONE = _("No zone named %(name)s.")


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
        raise ServiceError(UNKNOWN_ZONE % {"name": ", ".join(missing)}, field="zones")
    return [zones[name] for name in wanted]


@transaction.atomic
def member_enrol(
    *, username: str, role: str, password: str, email: str = "", zones: Sequence[str] = ()
) -> User:
    """What `add_member` does: add the member and, for a driver, a profile with its zones.
    Whoever runs the server vouches for a driver added this way; a driver an organizer has
    since un-vetted stays un-vetted when their password is reset. All or nothing."""
    user = member_add(username=username, role=role, password=password, email=email)
    if role == DRIVER:
        is_new = not Driver.objects.filter(user=user).exists()
        driver_save(
            user=user,
            zones=zones_by_name(zones) if zones else None,
            vetted=True if is_new else None,
        )
    return user
