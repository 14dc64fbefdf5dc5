"""Admin for deliveries: metadata only. Contacts are never shown here (they live sealed
in household_requests and only deliveries.reveal opens them)."""

from django.contrib import admin

from deliveries.models import ContactReveal, Driver, Route, RouteOffer, Stop
from mutualaid.admin import ReadOnlyAdmin


@admin.register(Driver)
class DriverAdmin(ReadOnlyAdmin):
    """Driver profiles change through the organizers' driver pages (they end claims)."""

    list_display = ["user", "vetted", "active", "vehicle_capacity", "max_active_routes"]
    list_filter = ["vetted", "active", "zones"]
    list_select_related = ["user"]


class StopInline(admin.TabularInline[Stop, Route]):
    model = Stop
    extra = 0
    can_delete = False
    fields = ("sequence", "request", "load", "outcome", "attempt", "completed_at")
    readonly_fields = fields


@admin.register(Route)
class RouteAdmin(ReadOnlyAdmin):
    list_display = ["id", "zone", "service_date", "status", "driver"]
    list_filter = ["status", "zone"]
    list_select_related = ["zone", "driver__user"]
    inlines = [StopInline]


@admin.register(RouteOffer)
class RouteOfferAdmin(ReadOnlyAdmin):
    list_display = ["route", "driver", "offered_at"]
    list_select_related = ["route", "driver__user"]


@admin.register(ContactReveal)
class ContactRevealAdmin(ReadOnlyAdmin):
    list_display = ["revealed_at", "user", "stop", "channel"]
    list_filter = ["channel"]
    list_select_related = ["user", "stop"]
