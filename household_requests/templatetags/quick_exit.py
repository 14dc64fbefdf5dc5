"""The "leave quickly" button's address (QUICK_EXIT_URL): a neutral site the family's
browser goes to; the server never calls it (issue 14)."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def quick_exit_url() -> str:
    return str(settings.QUICK_EXIT_URL)
