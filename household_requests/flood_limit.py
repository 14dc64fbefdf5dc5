"""How many requests one network address (or one hotline volunteer) may send."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from mutualaid import ratelimit


def submission_allowed(request: HttpRequest | Request, *, hotline: bool = False) -> bool:
    """Count one submission against its limit: per volunteer on the hotline, per network
    address on the public form and API (which share one counter)."""
    if hotline:
        # A hotline shift takes calls; it does not replay a list of numbers.
        return ratelimit.hit(
            scope="hotline",
            ident=f"user:{request.user.pk}",
            limit=settings.HOTLINE_RATE_LIMIT,
            window=settings.REQUEST_RATE_WINDOW_SECONDS,
        )
    return ratelimit.hit(
        scope="request-form",
        ident=ratelimit.client_address(request),
        limit=settings.REQUEST_RATE_LIMIT,
        window=settings.REQUEST_RATE_WINDOW_SECONDS,
    )
