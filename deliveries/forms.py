"""Forms of the delivery pages: stop outcome, route and reveal filters, driver profile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deliveries.models import Driver, FailureReason, RouteStatus, StopOutcome
from household_requests.models import Zone
from household_requests.request_rules import DAY_CHOICES
from mutualaid.roles import DRIVER


class StopOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (StopOutcome.DELIVERED, StopOutcome.DELIVERED.label),
            (StopOutcome.FAILED, StopOutcome.FAILED.label),
            (StopOutcome.HELD, StopOutcome.HELD.label),
        ]
    )
    # Required for "failed" (the service says so); a choice, never free text.
    reason = forms.ChoiceField(
        label=_("Why not?"),
        choices=[("", _("Choose a reason")), *FailureReason.choices],
        required=False,
    )
    # The route page's buttons send no `confirm`: they open the stop's confirm step, whose
    # "Yes" sends confirm=yes. Only then is anything recorded, so one stray tap is harmless.
    confirm = forms.ChoiceField(choices=[("", ""), ("yes", "yes")], required=False)

    @property
    def confirmed(self) -> bool:
        return self.is_valid() and self.cleaned_data["confirm"] == "yes"


class RouteFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *RouteStatus.choices]
    )
    zone = forms.ModelChoiceField(
        label=_("Zone"), required=False, queryset=Zone.objects.all(), empty_label=_("all")
    )


def driver_group_users() -> QuerySet[User]:
    return User.objects.filter(groups__name=DRIVER, is_active=True).order_by("username")


class RevealFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Driver"), required=False, queryset=User.objects.none(), empty_label=_("all")
    )
    route = forms.IntegerField(label=_("Route #"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = driver_group_users()


class DriverForm(forms.Form):
    """A driver's profile. Saved through deliveries.drivers.driver_save, never directly."""

    user = forms.ModelChoiceField(
        label=_("Volunteer"),
        queryset=User.objects.none(),
        help_text=_("Someone already in the driver group who has no profile yet."),
    )
    zones = forms.ModelMultipleChoiceField(
        label=_("Zones"),
        queryset=Zone.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vehicle_capacity = forms.IntegerField(
        label=_("Vehicle capacity (units)"), min_value=1, max_value=10000, initial=120
    )
    available_days = forms.MultipleChoiceField(
        label=_("Available days"),
        choices=DAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means any day."),
    )
    vetted = forms.BooleanField(
        label=_("Vetted (may claim routes and see the addresses on them)"), required=False
    )
    max_active_routes = forms.IntegerField(
        label=_("Most routes claimed at once"), min_value=0, max_value=20, initial=2
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, driver: Driver | None = None, **kwargs: Any) -> None:
        if driver is not None:
            kwargs.setdefault(
                "initial",
                {
                    "zones": list(driver.zones.all()),
                    "vehicle_capacity": driver.vehicle_capacity,
                    "available_days": driver.available_days,
                    "vetted": driver.vetted,
                    "max_active_routes": driver.max_active_routes,
                    "active": driver.active,
                },
            )
        super().__init__(*args, **kwargs)
        if driver is not None:
            del self.fields["user"]
        else:
            field = self.fields["user"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = driver_group_users().filter(driver_profile__isnull=True)
