"""Roles are groups: organizer, driver, desk and dispatcher. One place decides who may do
what.

A desk volunteer hands over pickups at the pickup desk and sees nothing else: desk is
not a "member" role (members read the catalogue and the board). Organizers may use the
desk too.

A dispatcher answers the rapid-response hotline: they pause zones where enforcement is
reported and see zone names and whether each is paused, nothing else (not a member either).
Organizers may pause too; only organizers lift.

Pages: anonymous -> login redirect, wrong role -> 403. API: anonymous -> 401, wrong
role -> 403. Objects a user may not see answer 404 through the apps' selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

ORGANIZER = "organizer"
DRIVER = "driver"
DESK = "desk"
DISPATCHER = "dispatcher"
ROLES = (ORGANIZER, DRIVER, DESK, DISPATCHER)
# Roles that see the network's catalogue, board and routes; a desk volunteer does not.
MEMBER_ROLES = frozenset({ORGANIZER, DRIVER})

AnyUser = AbstractBaseUser | AnonymousUser

# Django's own tables for User.groups (django.contrib.auth: auth_group, auth_user_groups).
_ROLES_SQL = (
    "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id"
    " WHERE ug.user_id = %s"
)


def role_names(user: AnyUser) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_role_names", None)
    if cached is None:
        # Every signed-in request asks, once (then it is kept on the request's user): plain
        # SQL over Django's own group tables, about a tenth of the ORM's CPU (issue 9).
        with connection.cursor() as cursor:
            cursor.execute(_ROLES_SQL, [user.pk])
            cached = frozenset(name for (name,) in cursor.fetchall() if name in ROLES)
        setattr(user, "_role_names", cached)  # noqa: B010 (a cache the model does not declare)
    return cached


def is_organizer(user: AnyUser) -> bool:
    return ORGANIZER in role_names(user)


def is_driver(user: AnyUser) -> bool:
    return DRIVER in role_names(user)


def is_member(user: AnyUser) -> bool:
    return bool(role_names(user) & MEMBER_ROLES)


def is_desk(user: AnyUser) -> bool:
    """May hand over pickups at the desk: a desk volunteer or an organizer."""
    return bool(role_names(user) & {DESK, ORGANIZER})


def is_dispatcher(user: AnyUser) -> bool:
    return DISPATCHER in role_names(user)


def may_pause_zones(user: AnyUser) -> bool:
    """May pause zones and see which are paused: a dispatcher or an organizer."""
    return bool(role_names(user) & {DISPATCHER, ORGANIZER})


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request that a role check already let through."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def role_context(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", AnonymousUser())
    return {
        "is_organizer": is_organizer(user),
        "is_driver": is_driver(user),
        "is_desk": is_desk(user),
        "is_dispatcher": is_dispatcher(user),
    }


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def _role_required(check: Callable[[AnyUser], bool]) -> Callable[[ViewFunc], ViewFunc]:
    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapped)

    return decorator


organizer_required = _role_required(is_organizer)
driver_required = _role_required(is_driver)
member_required = _role_required(is_member)
desk_required = _role_required(is_desk)
pauser_required = _role_required(may_pause_zones)


class IsOrganizer(permissions.BasePermission):
    """Organizers only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_organizer(request.user)


class MayPauseZones(permissions.BasePermission):
    """Dispatchers and organizers: the zone-pause endpoints."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_pause_zones(request.user)


class IsMember(permissions.BasePermission):
    """Any member (organizer or driver): the API's `member_required`."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_member(request.user)


class OrganizerWritesMembersRead(permissions.BasePermission):
    """Catalogue: any member reads, organizers write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return is_member(request.user)
        return is_organizer(request.user)
