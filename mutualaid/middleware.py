"""Cross-cutting request handling."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from mutualaid.timeutil import organization_tz


class OrganizationTimezoneMiddleware:
    """Show every date and time where the network operates; store them in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with timezone.override(organization_tz()):
            return self.get_response(request)
