"""A connection health check that costs a system call instead of a round trip.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before a reused connection's first query in
each request. An idle session receives nothing from the server unless the server is ending
it (restart, `pg_terminate_backend`, an idle timeout): it then sends an error and closes,
and the socket turns readable. So an idle connection whose socket has nothing to read is
taken as healthy; anything else gets Django's `SELECT 1` and, if that fails, a reconnect.
"""

import select
from typing import Any

import psycopg
from psycopg.pq import ConnStatus, TransactionStatus


def idle_and_quiet(connection: Any) -> bool:
    """True if a psycopg connection is open, idle, and the server has sent it nothing."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != ConnStatus.OK or pgconn.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):  # no socket any more
        return False
    return not readable
