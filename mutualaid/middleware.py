"""Cross-cutting request handling."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from mutualaid.timeutil import organization_tz


class OrganizationTimezoneMiddleware:
    """Show every date and time where the network operates; store them in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with timezone.override(organization_tz()):
            return self.get_response(request)


class NoStoreMiddleware:
    """Nothing this site renders may stay in a browser's or a proxy's cache: pages carry
    addresses, private links or what a family just typed, on phones that may be shared.
    Static files are served before this runs and keep their long cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": []}` as the header writes it: `camera=()`."""
    return ", ".join(
        f"{feature}=({' '.join(allowed)})" for feature, allowed in sorted(policy.items())
    )


class PermissionsPolicyMiddleware:
    """Every page refuses the browser features in settings.PERMISSIONS_POLICY (camera,
    microphone, location...): a script that got in still cannot ask for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
