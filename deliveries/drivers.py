"""Driver profiles: organizers manage them; add_member creates them for drivers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from deliveries.models import Driver, Route
from deliveries.services import routes_take_back
from household_requests.models import Zone
from mutualaid import volunteers
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from mutualaid.models import AccessLink, LinkPurpose, MemberEventKind
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
    by: User | None = None,
) -> Driver:
    """Create or update a driver's profile; only the given fields change. Idempotent.
    A change of vetting is logged with `by` (None: the server's command line); an organizer
    vetting a driver they invited themselves is held until another organizer vets them."""
    driver, _created = Driver.objects.get_or_create(user=user)
    was_vetted = driver.vetted
    held = bool(vetted and not was_vetted and by and volunteers.invited_by(user, by))
    if held:
        vetted = None
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
    if held:
        volunteers.member_event_log(
            member=user, kind=MemberEventKind.VETTING_HELD, actor=by, role=DRIVER, flagged=True
        )
    elif vetted is not None and vetted != was_vetted:
        kind = MemberEventKind.VETTED if vetted else MemberEventKind.UNVETTED
        volunteers.member_event_log(member=user, kind=kind, actor=by, role=DRIVER)
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


# Volunteers from the web (issue 12) --------------------------------------------------------
# The organizers' actions on members: each is logged (mutualaid.volunteers) and, for a
# driver, reaches what the driver holds here.


@transaction.atomic
def member_invite(
    *, username: str, role: str, by: User, email: str = "", zones: Sequence[Zone] = ()
) -> volunteers.IssuedLink:
    """A new member with a role and a one-time link to set their password. A driver gets a
    profile with `zones`, unvetted: an organizer vets them later (a second organizer, if
    the one vetting invited them). All or nothing."""
    member = volunteers.person_add(username=username, role=role, email=email, by=by)
    if role == DRIVER:
        driver_save(user=member, zones=zones, vetted=False)
    return volunteers.link_issue(member=member, purpose=LinkPurpose.INVITE, by=by)


def _driver_routes_take_back(member: User) -> None:
    driver = Driver.objects.filter(user=member).first()
    if driver is not None:
        routes_take_back(driver=driver, every_route=True)
        Route.objects.filter(offered_to=driver).update(offered_to=None, offered_at=None)


def _driver_unvet(member: User, by: User) -> None:
    """After a reset, whoever holds the link may not be the driver: they drive again only
    once an organizer other than the one who reset them vets them (`invited_by`)."""
    driver = Driver.objects.filter(user=member, vetted=True).first()
    if driver is not None:
        driver_save(user=member, vetted=False, by=by)


@transaction.atomic
def member_reset(*, member: User, by: User) -> volunteers.IssuedLink:
    """A one-time link for the member to set a new password. At once, before anyone uses the
    link: the old password, every session and API token of the member stop working, and a
    driver's routes are taken back (claimed ones to the board, started ones cancelled), so
    whoever holds the link finds no address waiting. Earlier links stop working."""
    volunteers.check_may_manage(member=member, by=by)
    if not member.is_active:
        raise ServiceError(volunteers.DEACTIVATED, kind=Kind.CONFLICT)
    volunteers.credentials_end(member=member)
    _driver_routes_take_back(member)
    volunteers.member_event_log(member=member, kind=MemberEventKind.RESET, actor=by)
    _driver_unvet(member, by)
    return volunteers.link_issue(member=member, purpose=LinkPurpose.RESET, by=by)


@transaction.atomic
def member_deactivate(*, member: User, by: User) -> None:
    """The member can no longer sign in: password, sessions, API tokens and links stop
    working at once, and a driver's routes are taken back. Idempotent."""
    volunteers.check_may_manage(member=member, by=by)
    if not member.is_active:
        return
    member.is_active = False
    member.save(update_fields=["is_active"])
    volunteers.credentials_end(member=member)
    AccessLink.objects.filter(member=member, used_at__isnull=True).delete()
    _driver_routes_take_back(member)
    volunteers.member_event_log(member=member, kind=MemberEventKind.DEACTIVATED, actor=by)
