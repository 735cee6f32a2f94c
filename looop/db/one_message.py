"""Several statements in one round trip and one transaction.

The statements are pipelined (psycopg's pipeline mode): sent together, each with the
extended protocol, and synchronised once at the end. Until that sync they form one
transaction (or run inside the enclosing one), each statement with a fresh snapshot. So a
first statement can lock a row and the next ones work under that lock and see what
committed while they waited, exactly as separate statements between BEGIN and COMMIT would,
without those round trips. Being extended-protocol statements, they are prepared after a
few uses like any other query (`prepare_threshold`), so PostgreSQL stops planning them on
every call; for a member change that planning was half the statement's time.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection

Params = Mapping[str, Any] | Sequence[Any] | None


def statements_execute(
    statements: Sequence[tuple[str, Params]], *, result: int = -1
) -> tuple[Any, ...] | None:
    """Run (sql, params) statements as one transaction, in one round trip; return the
    first row of statement number `result` (the last by default; one that returns rows),
    or None if it returned none.

    The statements go through Django's cursor wrapper: error mapping, query logging and
    execute wrappers apply as to any query. A failing statement skips the rest, and its
    error is raised here.
    """
    cursors = [connection.cursor() for _ in statements]  # the first sets the search path
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
            return cursors[result].fetchone()
    finally:
        for cursor in cursors:
            cursor.close()
