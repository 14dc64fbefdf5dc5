"""Admin for requests shows metadata only. SealedContact is deliberately not registered:
the admin is not a place where contact details may be seen, even sealed."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from household_requests.models import (
    Allocation,
    HouseholdRequest,
    RequestLine,
    Zone,
    ZonePostalCode,
)
from mutualaid.admin import ReadOnlyAdmin


class ZonePostalCodeInline(admin.TabularInline[ZonePostalCode, Zone]):
    model = ZonePostalCode
    extra = 1


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin[Zone]):
    list_display = ["name", "active"]
    inlines = [ZonePostalCodeInline]


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
