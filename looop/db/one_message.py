"""Several statements in one message: one round trip and one transaction.

PostgreSQL runs the statements of one simple-query message as a single transaction (or
inside the enclosing one), each statement with a fresh snapshot. So a first statement can
lock a row and the next ones work under that lock and see what committed while they waited,
exactly as separate statements between BEGIN and COMMIT would, without those round trips.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import Cursor as ClientSideCursor


def statements_execute(
    sql: str, params: Mapping[str, Any] | Sequence[Any], *, result: int = -1
) -> tuple[Any, ...] | None:
    """Run `;`-separated statements as one message; return the first row of statement
    number `result` (the last by default), or None if it returned no row.

    Parameters are bound client-side (the extended protocol takes one statement). The
    statements go through Django's cursor wrapper: error mapping, query logging and
    execute wrappers apply as to any query.
    """
    with connection.cursor():  # sets the tenant's search path on the session
        pass
    raw = ClientSideCursor(connection.connection)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    try:
        cursor.execute(sql, params)
        rows = [raw.fetchone() if raw.description else None]
        while raw.nextset():
            rows.append(raw.fetchone() if raw.description else None)
        return rows[result]
    finally:
        raw.close()
