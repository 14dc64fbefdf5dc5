"""The public landing page and the signed-in start page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mutualaid.roles import is_driver, is_organizer


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "mutualaid/landing.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_organizer(request.user):
        return redirect("inventory:stock")
    if is_driver(request.user):
        return redirect("deliveries:board")
    return render(request, "mutualaid/home.html")
