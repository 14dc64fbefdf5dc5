"""Which database errors count as a lost connection (and answer 503); the fault itself is
produced for real in tests/integration/test_database_dropped.py."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from django.db import Error, IntegrityError, InterfaceError, OperationalError
from psycopg import errors

from mutualaid.outage import connection_lost


def raised_by_django(django_class: type[Error], driver_error: Exception) -> Error:
    """As Django's error wrapper raises it: the driver's error is the cause."""
    error = django_class(*driver_error.args)
    error.__cause__ = driver_error
    return error


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (raised_by_django(OperationalError, errors.AdminShutdown("terminated")), True),
        (raised_by_django(OperationalError, psycopg.OperationalError("server closed")), True),
        (raised_by_django(OperationalError, errors.ConnectionFailure("connection failure")), True),
        (raised_by_django(OperationalError, errors.CannotConnectNow("starting up")), True),
        (raised_by_django(InterfaceError, psycopg.InterfaceError("connection is closed")), True),
        (raised_by_django(OperationalError, errors.DeadlockDetected("deadlock")), False),
        (raised_by_django(OperationalError, errors.QueryCanceled("statement timeout")), False),
        (raised_by_django(OperationalError, errors.LockNotAvailable("nowait")), False),
        (raised_by_django(IntegrityError, errors.UniqueViolation("duplicate")), False),
        (raised_by_django(OperationalError, sqlite3.OperationalError("database is locked")), False),
        (OperationalError("raised by hand, no driver error"), False),
        (ValueError("not a database error"), False),
    ],
    ids=lambda value: type(getattr(value, "__cause__", None) or value).__name__,
)
def test_it_counts_only_a_lost_connection(error: Exception, lost: bool) -> None:
    assert connection_lost(error) is lost
