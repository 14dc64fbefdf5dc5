"""The public landing page and the signed-in start page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mutualaid.roles import is_desk, is_dispatcher, is_driver, is_organizer


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "mutualaid/landing.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_organizer(request.user):
        return redirect("deliveries:dashboard")
    if is_driver(request.user):
        return redirect("deliveries:board")
    if is_desk(request.user):
        return redirect("household_requests:desk")
    if is_dispatcher(request.user):
        return redirect("household_requests:zone_pause")
    return render(request, "mutualaid/home.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A family whose form expired (or whose browser blocks cookies) gets a kind page in
    their language, not Django's technical one. Nothing was saved."""
    return render(request, "mutualaid/csrf_failure.html", status=403)
