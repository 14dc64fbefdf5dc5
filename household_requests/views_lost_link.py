"""The hotline's cancel by name and postal code (issue 14), for organizers: type what the
family gave, confirm, and learn only whether one request was cancelled, and its reference.
Below, the record of every try. The typed values are shown back only on the confirm step,
to the organizer who typed them; pages here are never cached."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from household_requests import lost_link
from household_requests.models import LostLinkOutcome
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user, organizer_required

_OFF = {"autocomplete": "off"}


class LostLinkForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name the family gave"),
        max_length=200,
        widget=forms.TextInput(attrs=_OFF),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code"), max_length=10, widget=forms.TextInput(attrs=_OFF)
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone number (to tell two families apart)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=_OFF),
    )


@never_cache
@organizer_required
def lost_link_cancel(request: HttpRequest) -> HttpResponse:
    """GET: the form and the record. POST: the confirm step; POST with confirm=yes: try."""
    form = LostLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("confirm") != "yes":
            return render(request, "household_requests/lost_link_confirm.html", {"form": form})
        try:
            result = lost_link.request_cancel_by_name(
                name=form.cleaned_data["name"],
                postal_code=form.cleaned_data["postal_code"],
                phone=form.cleaned_data["phone"],
                user=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error)
            return redirect("household_requests:lost_link_cancel")
        if result.outcome == LostLinkOutcome.CANCELLED:
            done = _("Request %(reference)s is cancelled.")
            messages.success(request, done % {"reference": result.reference})
        else:
            messages.warning(request, str(lost_link.NO_SINGLE_MATCH))
        return redirect("household_requests:lost_link_cancel")
    return render(
        request,
        "household_requests/lost_link.html",
        {
            "form": form,
            "record": lost_link.recent_record(),
            "tries_per_hour": lost_link.LOST_LINK_TRIES_PER_HOUR,
        },
    )
