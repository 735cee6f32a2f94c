"""A read-only first query that is also the request's connection health check.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before a reused connection's first query
in each request: one more round trip per request. A read-only query can be that check
itself: if the connection turns out to be dead, it is reopened and the query runs again.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

T = TypeVar("T")


def as_health_check(read: Callable[[], T]) -> T:
    """Run `read` (which must not write) as this request's first query."""
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return read()
    connection.health_check_done = True
    try:
        return read()
    except (OperationalError, InterfaceError):
        connection.close()
        return read()
