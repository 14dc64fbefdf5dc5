"""What the public form, the hotline form and the partner API share around a submission."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.request import Request

from household_requests.services import SubmittedRequest
from mutualaid import ratelimit


def status_path(reference: str, secret: str) -> str:
    """The path of a family's private link: the only place the status secret is ever
    written out (the link itself, or the redirect of the public form to it)."""
    return reverse("household_requests:status", kwargs={"reference": reference, "secret": secret})


def status_url(request: HttpRequest | Request, submitted: SubmittedRequest) -> str:
    path = status_path(submitted.request.reference, submitted.status_secret)
    return request.build_absolute_uri(path)


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
