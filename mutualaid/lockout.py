"""One lockout for every password login: the login page, the admin login and the token endpoint.

django-axes counts wrong passwords per (username, address) in the database and, past
LOGIN_FAILURE_LIMIT, refuses that pair (even with the right password) for
LOGIN_COOLOFF_MINUTES. The three hooks below are named in settings (AXES_*).

No network address reaches the database: axes is given `address_pseudonym(request)`, a keyed
hash of the address (the one the rate limiter sees, behind the same trusted proxies) shaped
as an IPv6 address in the private fd00::/8 range, because axes stores it in an IP-address
column. Without SECRET_KEY nobody can tell which address it stands for, not even by hashing
every IPv4 address. Axes' log of successful logins is off (settings.AXES_DISABLE_ACCESS_LOG).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from mutualaid import ratelimit

LOCKED_OUT = _(
    "Too many wrong passwords: signing in to this account from here is paused for "
    "%(minutes)s min. Try again later, or ask an organizer to check your account."
)
_PSEUDONYM_SALT = "mutualaid.lockout.address"
_USERNAME_SALT = "mutualaid.lockout.username"


def address_pseudonym(request: HttpRequest) -> str:
    """The caller's address as axes stores it: a keyed hash in fd00::/8, never the address."""
    digest = salted_hmac(_PSEUDONYM_SALT, ratelimit.client_address(request)).digest()
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username axes counts and stores: a member's own, or, for a name no member has
    (a password typed into the username box, say), a keyed hash of it, so no typed secret
    is kept in clear."""
    data = credentials if credentials else getattr(request, "data", None) or request.POST
    username = str(data.get("username") or "")
    if not username or User.objects.filter(username=username).exists():
        return username
    return "unknown-" + salted_hmac(_USERNAME_SALT, username).hexdigest()[:24]


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a locked-out (username, address) pair waits (LOGIN_COOLOFF_MINUTES)."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def locked_out_message() -> str:
    return str(LOCKED_OUT) % {"minutes": settings.LOGIN_COOLOFF_MINUTES}


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The answer to a refused login, in the language of the request: JSON for the API
    (`{"detail"}`, 429 with Retry-After), a page for the login forms."""
    retry_after = str(int(cool_off(request).total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": locked_out_message()}, status=429)
    else:
        context = {"message": locked_out_message()}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
