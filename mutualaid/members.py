"""Services for people: adding members with a role."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import Group, User
from django.db import transaction

from mutualaid import member_hooks
from mutualaid.roles import ROLES

UNKNOWN_ROLE = "Role must be one of: organizer, driver."


class MemberError(Exception):
    """Adding a member was refused; nothing was written."""


@transaction.atomic
def member_add(*, username: str, role: str, password: str, email: str = "") -> User:
    """Create the user (or update its password) and put it in the role's group. Idempotent."""
    if role not in ROLES:
        raise MemberError(UNKNOWN_ROLE)
    # A member deactivated by an organizer stays deactivated when their password is reset.
    user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@transaction.atomic
def member_enrol(
    *, username: str, role: str, password: str, email: str = "", zones: Sequence[str] = ()
) -> User:
    """What `add_member` does: add the member, and let the apps set up what the role needs
    (a vetted driver profile with its zones). All or nothing."""
    user = member_add(username=username, role=role, password=password, email=email)
    member_hooks.run(user=user, role=role, zones=list(zones))
    return user


def roles_ensure() -> None:
    for role in ROLES:
        Group.objects.get_or_create(name=role)
