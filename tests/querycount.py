"""Pinning the number of queries a page or an endpoint makes (Zulip's habit)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(fetch: Callable[[], object], *, warm: bool = True) -> int:
    """How many queries `fetch` makes; run once first to warm per-user caches."""
    if warm:
        fetch()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return len(captured)


def assert_queries(expected: int, fetch: Callable[[], object], *, warm: bool = True) -> None:
    """`fetch` makes exactly `expected` queries (after a warming run)."""
    if warm:
        fetch()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    queries = "\n".join(q["sql"] for q in captured.captured_queries)
    assert len(captured) == expected, f"{len(captured)} queries, expected {expected}:\n{queries}"
