"""A family's private status link: the only place its secret is ever written out, checked
and counted.

Checking a link does the same work whether its reference exists or not: one query for the
stored hash (no row or one row of two columns), one hash of the secret, one constant-time
comparison (against a dummy hash when there is no row). A wrong secret and an unknown
reference therefore take the same path, so the answer's time does not tell a guesser that
a reference exists. Failed lookups are counted per network address
(`failed_lookup_allowed`).
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.request import Request

from household_requests.services import hash_secret
from mutualaid import ratelimit

# The hash an unknown reference is compared with: of a secret nobody has.
_DUMMY_HASH = hash_secret(secrets.token_urlsafe(24))


def status_path(reference: str, secret: str) -> str:
    """The path of the link (the hotline's answer shows it; the public form redirects to it)."""
    return reverse("household_requests:status", kwargs={"reference": reference, "secret": secret})


def status_url(request: HttpRequest | Request, reference: str, secret: str) -> str:
    return request.build_absolute_uri(status_path(reference, secret))


def secret_matches(stored_hash: str | None, secret: str) -> bool:
    """Whether `secret` opens the request whose stored hash is `stored_hash` (None: there is
    no such request). Hashes once and compares once in both cases."""
    expected = _DUMMY_HASH if stored_hash is None else stored_hash
    matches = hmac.compare_digest(expected, hash_secret(secret))
    return matches and stored_hash is not None


def failed_lookup_allowed(request: HttpRequest) -> bool:
    """Count one failed status lookup (unknown reference or wrong secret) for the caller's
    network address; False past the limit. A link that opens is never counted nor refused,
    so no other site can shut a family out of its page by making its browser (or others
    on the same shelter's connection) load wrong links.

    STATUS_RATE_LIMIT failures an hour by default: a family mistyping its link stays far
    below it, while a guesser walking references gets a handful of tries a minute."""
    return ratelimit.hit(
        scope="status-link",
        ident=ratelimit.client_address(request),
        limit=settings.STATUS_RATE_LIMIT,
        window=settings.STATUS_RATE_WINDOW_SECONDS,
    )
