"""The pickup desk's pages: look a pickup up by reference code, hand it over.

For desk volunteers and organizers (`desk_required`); everyone else gets the login page
or 403. Nothing here shows or reads a family's contact.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from household_requests import desk
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user, desk_required

REFERENCE_MAX = 20  # a reference is 9 characters; room for spaces typed around it


def _typed_reference(value: str) -> str:
    return value.strip()[:REFERENCE_MAX]


@desk_required
def desk_page(request: HttpRequest) -> HttpResponse:
    """Type a reference (or arrive from a desk link): what is set aside, and where."""
    reference = _typed_reference(request.GET.get("reference", ""))
    pickup = desk.pickup_for_desk(reference) if reference else None
    return render(
        request,
        "household_requests/desk.html",
        {
            "reference": reference,
            "pickup": pickup,
            "unknown": bool(reference) and pickup is None,
            "unknown_message": desk.UNKNOWN_REFERENCE,
        },
    )


@desk_required
@require_POST
def desk_hand_over(request: HttpRequest) -> HttpResponse:
    reference = _typed_reference(request.POST.get("reference", ""))
    try:
        handed = desk.request_hand_over(reference=reference, user=acting_user(request))
    except ServiceError as error:
        show_error(request, error)
        return redirect(desk.desk_path(desk.normalize_reference(reference)))
    done = _("Handed over: request %(reference)s is picked up.")
    messages.success(request, done % {"reference": handed.reference})
    return redirect("household_requests:desk")
