"""Services for people: adding members with a role."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mutualaid.errors import ServiceError
from mutualaid.roles import ROLES

UNKNOWN_ROLE = _("Role must be one of: organizer, driver, desk, dispatcher.")


@transaction.atomic
def member_add(*, username: str, role: str, password: str, email: str = "") -> User:
    """Create the user (or update its password) and put it in the role's group. Idempotent."""
    if role not in ROLES:
        raise ServiceError(UNKNOWN_ROLE, field="role")
    # A member deactivated by an organizer stays deactivated when their password is reset.
    user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


def roles_ensure() -> None:
    for role in ROLES:
        Group.objects.get_or_create(name=role)
