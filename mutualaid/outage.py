"""A lost database connection answers 503 "try again", never 500.

Idle connections that die (a database restart, a failover, an administrator's
`pg_terminate_backend`) are caught before use by Django's CONN_HEALTH_CHECKS (settings).
What is left is the request whose query was in flight when its connection died: it cannot
be saved, but it can be answered honestly, in the reader's language, with a Retry-After.
Only a lost or refused connection counts; a deadlock, a timeout or a bad query stays a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
OUTAGE_TITLE = _("Please try again in a moment")
OUTAGE_MESSAGE = _(
    "The site lost its connection to its database for a moment. Please try again in a few seconds."
)

# PostgreSQL's codes for a connection that failed or was ended from the server's side:
# class 08 (connection exception) and 57P01-57P03 (terminated, crashed, not yet accepting).
_LOST_SQLSTATE_CLASS = "08"
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
# A refused login carries no SQLSTATE (libpq gives none before a session exists), only the
# server's FATAL line. These FATALs are a server coming or going, or full: try again.
# Any other (a wrong password, a missing database or role) is a configuration error that
# waiting will not mend: it stays a 500, so that the operator sees it.
_PASSING_FATALS = ("the database system is", "too many clients", "terminating connection")


def connection_lost(error: BaseException) -> bool:
    """Whether `error` is the database connection going away (or not coming up).

    Judged by the driver's error under Django's: psycopg gives a lost connection no SQLSTATE
    (the client noticed) or one of the codes above (the server said so). SQLite has no
    connection to lose, so its errors (a locked database) are never counted.
    """
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    driver_error = error.__cause__
    if driver_error is None or not hasattr(driver_error, "sqlstate"):
        return False
    sqlstate = driver_error.sqlstate
    if sqlstate is None:
        return _transport_failed(str(driver_error))
    return sqlstate.startswith(_LOST_SQLSTATE_CLASS) or sqlstate in _LOST_SQLSTATES


def _transport_failed(message: str) -> bool:
    _, fatal, reason = message.partition("FATAL:")
    return not fatal or any(passing in reason for passing in _PASSING_FATALS)


def _is_api(request: HttpRequest) -> bool:
    match = request.resolver_match
    view_class = getattr(match.func, "cls", None) if match else None
    if isinstance(view_class, type):
        return issubclass(view_class, APIView)
    return request.path.startswith("/api/")


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 in the active language: `{"detail": ...}` for the API, a small page otherwise.

    The page is rendered without the request's context: its context processors would ask
    the database about the user, and the database is what just failed.
    """
    response: HttpResponse
    if _is_api(request):
        response = JsonResponse({"detail": str(OUTAGE_MESSAGE)}, status=503)
    else:
        page = render_to_string("503.html", {"title": OUTAGE_TITLE, "message": OUTAGE_MESSAGE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """Turn a lost database connection into a 503 and drop the dead connection at once,
    so that what still runs in this request (saving the session) gets a fresh one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not connection_lost(exception):
            return None
        # The view's name, never the path (a status link's path is the family's secret);
        # the driver error's class and code, never its text (it may quote the query).
        match = request.resolver_match
        logger.warning(
            "database connection lost in %s: %s (sqlstate %s)",
            match.view_name if match else "an unresolved request",
            type(exception.__cause__).__name__,
            getattr(exception.__cause__, "sqlstate", None),
        )
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        return outage_response(request)
