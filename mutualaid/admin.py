"""Admin helpers shared by the apps."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from knox.models import AuthToken


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Rows written only by services: visible here, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApiTokenAdmin(admin.ModelAdmin[AuthToken]):
    """API tokens: whose, since and until when; revoked by deleting. Never the token, nor
    knox's lookup prefix of it (issue 10): tokens are issued by logging in, not here."""

    list_display = ("user", "created", "expiry")
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    search_fields = ("user__username",)
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# knox registers an admin that shows the lookup prefix and issues tokens: replace it.
admin.site.unregister(AuthToken)
admin.site.register(AuthToken, ApiTokenAdmin)
