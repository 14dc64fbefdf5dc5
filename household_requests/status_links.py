"""A family's private status link: the only place its secret is ever written out."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from rest_framework.request import Request


def status_path(reference: str, secret: str) -> str:
    """The path of the link (the hotline's answer shows it; the public form redirects to it)."""
    return reverse("household_requests:status", kwargs={"reference": reference, "secret": secret})


def status_url(request: HttpRequest | Request, reference: str, secret: str) -> str:
    return request.build_absolute_uri(status_path(reference, secret))
