"""Volunteers from the web (issue 12): one-time links, ending a member's credentials, and the
log every organizer reads. The actions organizers take (invite, reset, deactivate) are in
deliveries/drivers.py, which adds what a driver holds (profile, routes) to these steps.

A link is a random token (256 bits) shown once; the database keeps its SHA-256 only, so a
dump or a backup holds no link that works. A link works once, until MEMBER_LINK_HOURS after
it was issued, and only while its member is active; issuing a member a new link voids the
older ones. The token is in the address only of the first visit: the page then keeps the
link's id in the (hashed, mutualaid/sessions.py) session and moves to an address without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from mutualaid.errors import Kind, ServiceError
from mutualaid.members import UNKNOWN_ROLE
from mutualaid.models import AccessLink, LinkPurpose, MemberEvent, MemberEventKind
from mutualaid.roles import ROLES
from mutualaid.sessions import sessions_end_for_user

LINK_INVALID = _(
    "This link does not work: it was used already, it expired, or a newer one replaced it. "
    "Ask an organizer for a new link."
)
USERNAME_TAKEN = _("Someone already has this username.")
NOT_ON_YOURSELF = _("Use “Change password” for your own account.")
SUPERUSER_ACCOUNT = _("This account is managed on the server, not here.")
DEACTIVATED = _("This member is deactivated.")
VETTING_HELD_MESSAGE = _(
    "You invited this driver yourself: they stay unvetted until another organizer vets them."
)

# Backends that send no mail: with these the organizer hands the link over.
NO_MAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: `token` is shown once and then forgotten."""

    member: User
    token: str
    expires_at: dt.datetime


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def member_event_log(
    *,
    member: User,
    kind: MemberEventKind,
    actor: User | None,
    role: str = "",
    flagged: bool = False,
) -> MemberEvent:
    return MemberEvent.objects.create(
        member=member, kind=kind, actor=actor, role=role, flagged=flagged
    )


def link_issue(*, member: User, purpose: LinkPurpose, by: User | None) -> IssuedLink:
    """A new one-time link for `member`; their earlier unused links stop working."""
    AccessLink.objects.filter(member=member, used_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(hours=settings.MEMBER_LINK_HOURS)
    AccessLink.objects.create(
        member=member,
        purpose=purpose,
        digest=link_digest(token),
        issued_by=by,
        expires_at=expires_at,
    )
    return IssuedLink(member=member, token=token, expires_at=expires_at)


def credentials_end(*, member: User) -> None:
    """The member's password stops working, and so do their sessions and API tokens, now."""
    member.set_unusable_password()
    member.save(update_fields=["password"])
    sessions_end_for_user(member.pk)
    AuthToken.objects.filter(user=member).delete()


def check_may_manage(*, member: User, by: User) -> None:
    """What an organizer may not do to an account from the site."""
    if member.pk == by.pk:
        raise ServiceError(NOT_ON_YOURSELF, kind=Kind.REFUSED)
    if member.is_superuser:
        raise ServiceError(SUPERUSER_ACCOUNT, kind=Kind.REFUSED)


def person_add(*, username: str, role: str, email: str, by: User) -> User:
    """A new account with a role and no usable password yet (the invite sets it)."""
    if role not in ROLES:
        raise ServiceError(UNKNOWN_ROLE, field="role")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(USERNAME_TAKEN, kind=Kind.CONFLICT, field="username")
    member = User.objects.create_user(username=username, email=email, password=None)
    member.groups.add(Group.objects.get_or_create(name=role)[0])
    member_event_log(member=member, kind=MemberEventKind.INVITED, actor=by, role=role)
    return member


def invited_by(member: User, organizer: User) -> bool:
    """Whether `organizer` invited `member` or issued them a reset link: either way the
    organizer may have set the password, so someone else must vet them."""
    return MemberEvent.objects.filter(
        member=member,
        actor=organizer,
        kind__in=[MemberEventKind.INVITED, MemberEventKind.RESET],
    ).exists()


# Links, as the person who received one uses it ---------------------------------------------


def _working_links() -> QuerySet[AccessLink]:
    return AccessLink.objects.filter(
        used_at__isnull=True, expires_at__gt=timezone.now(), member__is_active=True
    ).select_related("member")


def link_open(*, token: str) -> AccessLink:
    """The link a token opens, if it still works (nothing is used up by looking)."""
    link = _working_links().filter(digest=link_digest(token)).first()
    if link is None:
        raise ServiceError(LINK_INVALID, kind=Kind.CONFLICT)
    return link


def link_working(*, link_id: int) -> AccessLink:
    link = _working_links().filter(pk=link_id).first()
    if link is None:
        raise ServiceError(LINK_INVALID, kind=Kind.CONFLICT)
    return link


@transaction.atomic
def invite_accept(*, link_id: int, password: str) -> User:
    """The member sets their password with a working link (an invitation or a reset), which
    is used up: of two tries at once, exactly one wins (a conditional UPDATE). The password
    passes Django's validators first; a refused password leaves the link working."""
    link = link_working(link_id=link_id)
    member = link.member
    try:
        validate_password(password, user=member)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), field="password") from None
    used = AccessLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if used != 1:
        raise ServiceError(LINK_INVALID, kind=Kind.CONFLICT)
    member.set_password(password)
    member.save(update_fields=["password"])
    # Wrong guesses of the old password no longer lock the member out of the new one.
    axes_reset(username=member.get_username())
    member_event_log(member=member, kind=MemberEventKind.PASSWORD_SET, actor=member)
    return member


# Mail -------------------------------------------------------------------------------------

LINK_MAIL_SUBJECT = _("Your volunteer account")
LINK_MAIL_BODY = _(
    "Open this link to set your password (it works once, until %(expires)s):\n\n%(url)s\n"
)


def mail_configured() -> bool:
    return settings.EMAIL_BACKEND not in NO_MAIL_BACKENDS


def link_mail(*, link: IssuedLink, url: str, expires: str) -> bool:
    """Email the link when mail is configured and the member has an address; call it after
    the issuing transaction committed. Answers whether it was sent."""
    if not (mail_configured() and link.member.email):
        return False
    body = str(LINK_MAIL_BODY) % {"expires": expires, "url": url}
    try:
        send_mail(str(LINK_MAIL_SUBJECT), body, None, [link.member.email])
    except Exception as error:  # mail down: the organizer is shown the link instead
        logger.warning("could not email a one-time link: %s", type(error).__name__)
        return False
    return True
