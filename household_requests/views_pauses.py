"""The zone-pause pages (issue 14): a dispatcher or an organizer sees each zone's name and
whether it is paused, and pauses zones; only organizers lift, pause every zone at once,
and read the record. Nothing else is reachable for a dispatcher."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from household_requests import pauses
from household_requests.models import PauseKind, Zone
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user, is_organizer, organizer_required, pauser_required

DURATIONS = [
    (PauseKind.HOUR.value, PauseKind.HOUR.label),
    (PauseKind.DAY.value, PauseKind.DAY.label),
    (PauseKind.LIFTED.value, PauseKind.LIFTED.label),
]


class PauseForm(forms.Form):
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones"),
        queryset=Zone.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    every_zone = forms.BooleanField(label=_("Every zone"), required=False)
    duration = forms.ChoiceField(
        label=_("For how long"), choices=DURATIONS, widget=forms.RadioSelect
    )


class LiftForm(forms.Form):
    zones = forms.ModelMultipleChoiceField(queryset=Zone.objects.all())


@pauser_required
def pause_page(request: HttpRequest) -> HttpResponse:
    """Zones and whether each is paused; the pause form. POST pauses."""
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pauses.zones_pause(
                user=acting_user(request),
                zone_ids=[zone.pk for zone in form.cleaned_data["zones"]],
                every_zone=form.cleaned_data["every_zone"],
                kind=form.cleaned_data["duration"],
            )
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Paused. Drivers there are told to hold."))
            return redirect("household_requests:zone_pause")
    paused = {pause.zone_id: pause for pause in pauses.paused_zones()}
    zones = [(zone, paused.get(zone.pk)) for zone in Zone.objects.order_by("name")]
    return render(
        request,
        "pauses/pause.html",
        {
            "form": form,
            "zones": zones,
            "may_lift": is_organizer(request.user),
            "max_hours": settings.ZONE_PAUSE_MAX_HOURS,
        },
    )


@organizer_required
@require_POST
def pause_lift(request: HttpRequest) -> HttpResponse:
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            pauses.zones_lift(
                user=acting_user(request), zone_ids=[z.pk for z in form.cleaned_data["zones"]]
            )
        except ServiceError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Lifted. Routes there come back if their day allows."))
    return redirect("household_requests:zone_pause")


@organizer_required
def pause_record(request: HttpRequest) -> HttpResponse:
    """Every pause, extension and lift: who, when, which zones, until when."""
    return render(request, "pauses/record.html", {"events": pauses.pause_record()})
