"""`{% nav 'deliveries:dashboard' %}`: the header's links (templates/base.html), each a URL
without arguments, reversed once per process rather than on every page (issue 9: a page's
header cost about as much as its rows). Like `{% url %}`, it needs no request."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=256)
def _path(name: str, urlconf: str, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def nav(name: str) -> str:
    return _path(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
