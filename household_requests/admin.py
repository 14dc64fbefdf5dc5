"""Admin for requests shows metadata only. SealedContact is deliberately not registered:
the admin is not a place where contact details may be seen, even sealed."""

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from household_requests.models import (
    Allocation,
    HouseholdRequest,
    RequestLine,
    Zone,
)
from household_requests.request_rules import POSTAL_CODE_MAX
from household_requests.zones import zone_save
from mutualaid.admin import ReadOnlyAdmin


class ZoneForm(forms.ModelForm[Zone]):
    postal_codes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Separated by commas or spaces. A code another zone has moves to this one.",
    )

    class Meta:
        model = Zone
        fields = ["name", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            codes = self.instance.postal_codes.values_list("code", flat=True)
            self.initial["postal_codes"] = ", ".join(codes)

    def clean_postal_codes(self) -> list[str]:
        codes = [code for code in re.split(r"[\s,]+", self.cleaned_data["postal_codes"]) if code]
        too_long = [code for code in codes if len(code) > POSTAL_CODE_MAX]
        if too_long:
            raise forms.ValidationError(f"At most {POSTAL_CODE_MAX} characters: {too_long[0]}")
        return codes


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin[Zone]):
    """Zones change through `zone_save`, as through the API: codes normalized and moved."""

    form = ZoneForm
    list_display = ["name", "active"]

    def save_model(self, request: HttpRequest, obj: Zone, form: Any, change: bool) -> None:
        zone_save(
            zone=obj,
            name=obj.name,
            active=obj.active,
            postal_codes=form.cleaned_data["postal_codes"],
        )


class RequestLineInline(admin.TabularInline[RequestLine, HouseholdRequest]):
    model = RequestLine
    extra = 0
    can_delete = False
    fields = ("item", "category", "quantity", "allocated")
    readonly_fields = ("item", "category", "quantity", "allocated")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HouseholdRequest)
class HouseholdRequestAdmin(ReadOnlyAdmin):
    """Read-only: requests change through the queue pages and services."""

    list_display = ["reference", "status", "zone", "urgency", "submitted_at", "possible_duplicate"]
    list_filter = ["status", "zone", "urgency", "channel"]
    list_select_related = ["zone"]
    search_fields = ["reference"]
    exclude = ["status_secret_hash"]
    inlines = [RequestLineInline]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["id", "line", "lot", "quantity", "created_at", "consumed_at"]
    list_select_related = ["line", "lot"]
