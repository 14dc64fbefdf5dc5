"""Endpoints that take no CSRF token refuse what a browser sends from another site.

The public intake API has no session and no CSRF token, so any web page could make its
visitors' browsers post to it (filing requests in their name and spending their address's
quota) if it took what a plain HTML form sends. It takes JSON only: a form cannot send JSON,
and a script on another site sending JSON needs a CORS preflight that this site never
grants. Browsers name the page's site in `Origin` on every cross-site POST: a foreign one
answers 403 before the body is read or the flood counter counts it. Partner programs send
no `Origin` and are not affected.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

FOREIGN_ORIGIN = _("This address takes requests from this site and from partner programs only.")
ONLY_JSON = _("Send the request as JSON, with the header Content-Type: application/json.")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def foreign_origin(request: Request) -> bool:
    """Whether a browser sent this from a page of another site (`Origin: null` included)."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return False
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


class SameOriginOnly(BasePermission):
    """A write from a page of another site answers 403 (see the module's docstring)."""

    message = FOREIGN_ORIGIN

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or not foreign_origin(request)


class JSONOnlyMixin:
    """An APIView that refuses a body it cannot parse (a form's) with 415 and a translated
    message, after its permissions and before its throttles count the request. Set
    `parser_classes` to JSON only."""

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)  # type: ignore[misc]
        view: Any = self
        if (
            request.method not in SAFE_METHODS
            and view.get_content_negotiator().select_parser(request, view.get_parsers()) is None
        ):
            raise UnsupportedMediaType(request.content_type, detail=ONLY_JSON)
