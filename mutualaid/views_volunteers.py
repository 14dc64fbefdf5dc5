"""Volunteers from the web (issue 12): organizers invite, reset and deactivate members and
read the log of it; a person sets their password with the link they were given.

Every write goes through deliveries.drivers (member_invite, member_reset, member_deactivate)
or mutualaid.volunteers (invite_accept). A link is shown once, in the answer to the POST that
issued it: never in a message or the session, which the database keeps.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.models import AuthToken

from deliveries.drivers import member_deactivate, member_invite, member_reset
from household_requests.models import Zone
from mutualaid import volunteers
from mutualaid.errors import ServiceError, show_error
from mutualaid.models import AccessLink, MemberEvent, MemberEventKind
from mutualaid.roles import (
    DESK,
    DISPATCHER,
    DRIVER,
    ORGANIZER,
    ROLES,
    acting_user,
    organizer_required,
)

LOG_LIMIT = 200
# The session remembers which link the person opened (its id, never its token).
SESSION_LINK = "access_link_id"
ROLE_LABELS = {
    ORGANIZER: gettext_lazy("organizer"),
    DRIVER: gettext_lazy("driver"),
    DESK: gettext_lazy("pickup desk"),
    DISPATCHER: gettext_lazy("hotline dispatcher (pauses zones)"),
}


class InviteForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=[(role, ROLE_LABELS[role]) for role in ROLES]
    )
    zones = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Zones"),
        queryset=Zone.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("For a driver: the zones whose routes they see."),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email (optional)"),
        required=False,
        help_text=gettext_lazy("When this site sends mail, the link goes there instead."),
    )


def _members() -> QuerySet[User]:
    return (
        User.objects.filter(groups__name__in=ROLES)
        .distinct()
        .select_related("driver_profile")
        .prefetch_related("groups")
        .order_by("-is_active", "username")
    )


def _member_rows(members: list[User]) -> list[dict[str, Any]]:
    working = dict(
        AccessLink.objects.filter(
            member__in=members, used_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("member_id", "expires_at")
    )
    rows = []
    for member in members:
        roles = [ROLE_LABELS[g.name] for g in member.groups.all() if g.name in ROLE_LABELS]
        driver = getattr(member, "driver_profile", None)
        rows.append(
            {
                "member": member,
                "roles": roles,
                "link_until": working.get(member.pk),
                "has_password": member.has_usable_password(),
                "driver": driver,
            }
        )
    return rows


@organizer_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """Members, their state, and the log every organizer sees: invites, resets, vettings,
    deactivations. Drivers whose vetting waits for a second organizer are listed first."""
    members = list(_members())
    held_ids = set(
        MemberEvent.objects.filter(
            kind=MemberEventKind.VETTING_HELD, member__driver_profile__vetted=False
        ).values_list("member_id", flat=True)
    )
    events = MemberEvent.objects.select_related("member", "actor").order_by("-at", "-id")
    return render(
        request,
        "volunteers/list.html",
        {
            "rows": _member_rows(members),
            "held": [m for m in members if m.pk in held_ids],
            "events": events[:LOG_LIMIT],
            "limit": LOG_LIMIT,
        },
    )


def _link_page(
    request: HttpRequest, issued: volunteers.IssuedLink, *, purpose: str
) -> HttpResponse:
    url = request.build_absolute_uri(reverse("access_link", args=[issued.token]))
    expires = formats.date_format(timezone.localtime(issued.expires_at), "DATETIME_FORMAT")
    emailed = volunteers.link_mail(link=issued, url=url, expires=expires)
    context = {
        "member": issued.member,
        "url": "" if emailed else url,
        "emailed": emailed,
        "expires_at": issued.expires_at,
        "purpose": purpose,
    }
    return render(request, "volunteers/link.html", context)


@organizer_required
def volunteer_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = member_invite(
                username=data["username"],
                role=data["role"],
                email=data["email"],
                zones=list(data["zones"]) if data["role"] == DRIVER else [],
                by=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error, form)
        else:
            return _link_page(request, issued, purpose="invite")
    context = {"form": form, "link_hours": settings.MEMBER_LINK_HOURS}
    return render(request, "volunteers/invite.html", context)


def _member_or_404(pk: int) -> User:
    return get_object_or_404(User.objects.filter(groups__name__in=ROLES).distinct(), pk=pk)


@organizer_required
def volunteer_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST issues the link and ends the member's access at once."""
    member = _member_or_404(pk)
    if request.method == "POST":
        try:
            issued = member_reset(member=member, by=acting_user(request))
        except ServiceError as error:
            show_error(request, error)
            return redirect("volunteers")
        return _link_page(request, issued, purpose="reset")
    return render(request, "volunteers/confirm.html", {"member": member, "action": "reset"})


@organizer_required
def volunteer_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deactivates."""
    member = _member_or_404(pk)
    if request.method == "POST":
        try:
            member_deactivate(member=member, by=acting_user(request))
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(
                request, _("%(name)s is deactivated.") % {"name": member.get_username()}
            )
        return redirect("volunteers")
    return render(request, "volunteers/confirm.html", {"member": member, "action": "deactivate"})


# The person with a link ----------------------------------------------------------------------


def _link_invalid(request: HttpRequest) -> HttpResponse:
    # 200, not 4xx: Django logs the address of a 4xx answer, and this one holds a token.
    return render(request, "volunteers/link_invalid.html", {"message": volunteers.LINK_INVALID})


def access_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link's address: remembered by id in the session, then left for an address
    without the token (which thus stays out of the history and the Referer)."""
    try:
        link = volunteers.link_open(token=token)
    except ServiceError:
        return _link_invalid(request)
    request.session[SESSION_LINK] = link.pk
    return redirect("access_link_set")


def access_link_set(request: HttpRequest) -> HttpResponse:
    link_id = request.session.get(SESSION_LINK)
    try:
        link = volunteers.link_working(link_id=int(link_id or 0))
    except ServiceError:
        return _link_invalid(request)
    form = SetPasswordForm(link.member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            volunteers.invite_accept(link_id=link.pk, password=form.cleaned_data["new_password1"])
        except ServiceError as error:
            show_error(request, error, form, fields={"password": "new_password1"})
        else:
            request.session.pop(SESSION_LINK, None)
            messages.success(request, _("Your password is set. Log in with it now."))
            return redirect("login")
    return render(request, "volunteers/set_password.html", {"form": form, "member": link.member})


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change, which also ends the member's other sessions; it ends their
    API tokens too (a lost phone's token must not outlive the new password)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        AuthToken.objects.filter(user=self.request.user).delete()
        return response
