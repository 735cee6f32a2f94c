"""One statement in its own transaction that commits without waiting for the disk.

`synchronous_commit = off` for that transaction only: the commit returns before its WAL
record is flushed. A crash of the database can lose the last fraction of a second of such
rows, and never anything else; the transaction is still atomic and consistent. Used for
the provisioning log, which every SCIM request writes, so a request does not wait for a
second disk flush (or any, for a read).
"""

from typing import Any

from django.db import connection
from django.db.backends.postgresql.base import Cursor as ClientSideCursor
from psycopg.pq import TransactionStatus


def execute_returning(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run `sql` (one statement) and return its first row.

    Outside a transaction it is sent as a single round trip: BEGIN, SET LOCAL, the
    statement and COMMIT in one message. Inside one (an enclosing `atomic`) it simply
    runs in that transaction, which decides durability.
    """
    with connection.cursor() as cursor:  # the tenant's search path, Django's error mapping
        if connection.in_atomic_block:
            cursor.execute(sql, params)
            return cursor.fetchone()
        # Several statements in one message need client-side binding.
        raw = ClientSideCursor(cursor.cursor.connection)
        with connection.wrap_database_errors:
            try:
                raw.execute(f"BEGIN; SET LOCAL synchronous_commit TO OFF; {sql}; COMMIT", params)
                raw.nextset()  # SET
                raw.nextset()  # the statement
                return raw.fetchone()
            finally:
                if raw.connection.info.transaction_status != TransactionStatus.IDLE:
                    raw.execute("ROLLBACK")  # leave the session as Django expects it
