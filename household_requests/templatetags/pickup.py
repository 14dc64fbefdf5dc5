"""Template tags of the family's status page for a pickup: where and until when, and the
desk link's QR code (drawn here by segno as inline SVG; no third-party service)."""

from __future__ import annotations

from typing import Any

import segno
from django import template
from django.utils.safestring import SafeString, mark_safe

from household_requests.desk import desk_path
from household_requests.models import HouseholdRequest
from household_requests.pickup_hold import PickupNotice, pickup_notice

register = template.Library()


@register.simple_tag
def pickup_status(household_request: HouseholdRequest) -> PickupNotice:
    return pickup_notice(household_request)


@register.simple_tag(takes_context=True)
def desk_link(context: dict[str, Any], reference: str) -> str:
    """The desk's page for this reference, absolute: no status secret in it."""
    return str(context["request"].build_absolute_uri(desk_path(reference)))


@register.simple_tag
def qr_svg(payload: str) -> SafeString:
    """`payload` as a QR code in inline SVG. Safe: segno writes the SVG from the bits of
    the code, never the payload's text."""
    code = segno.make(payload, error="m")
    svg = code.svg_inline(scale=4, border=2, title=None, svgclass="qr", lineclass=None)
    return mark_safe(svg)  # noqa: S308 (markup drawn by segno, holds no typed text)
