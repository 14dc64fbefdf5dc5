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


def _connect_error(**changes: object) -> Exception:
    """The error Django raises when it really tries to connect with these settings changed."""
    from django.db import connections

    default = connections["default"]
    wrapper = type(default)({**default.settings_dict, **changes}, alias="outage_probe")
    try:
        wrapper.ensure_connection()
    except Exception as error:
        return error
    finally:
        wrapper.close()
    raise AssertionError("the connection was expected to fail")


@pytest.mark.postgres
@pytest.mark.django_db
def test_it_counts_a_refused_server_but_not_a_wrong_database_or_role() -> None:
    """A server that is not there is an outage (503, try again); a database or role that
    does not exist is a configuration error that waiting will not mend (500, seen)."""
    assert connection_lost(_connect_error(PORT=1)) is True
    assert connection_lost(_connect_error(NAME="no_such_database_here")) is False
    assert connection_lost(_connect_error(USER="no_such_role_here")) is False
