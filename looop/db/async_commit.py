"""One statement in its own transaction that commits without waiting for the disk.

`synchronous_commit = off` for that transaction only: the commit returns before its WAL
record is flushed. A crash of the database can lose the last fraction of a second of such
rows, and never anything else; the transaction is still atomic and consistent. Used for
the provisioning log, which every SCIM request writes, so a request does not wait for a
second disk flush (or any, for a read).
"""

from typing import Any

from django.db import connection
from psycopg.pq import TransactionStatus

from looop.db.one_message import statements_execute


def execute_returning(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run `sql` (one statement) and return its first row.

    Outside a transaction it is sent as a single round trip: BEGIN, SET LOCAL, the
    statement and COMMIT in one round trip. Inside one (an enclosing `atomic`) it simply
    runs in that transaction, which decides durability.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    statements = [
        ("BEGIN", None),
        ("SET LOCAL synchronous_commit TO OFF", None),
        (sql, params),
        ("COMMIT", None),
    ]
    try:
        return statements_execute(statements, result=2)
    finally:
        session = connection.connection
        open_transaction = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
        if session is not None and session.info.transaction_status in open_transaction:
            session.execute("ROLLBACK")  # a statement failed: leave the session as Django expects
