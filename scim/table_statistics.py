"""Planner statistics for the tables provisioning fills, refreshed while it fills them.

An organisation's first provisioning cycle writes thousands of users and memberships into
tables that PostgreSQL's planner still takes for empty. Until autovacuum next analyses them
(it visits the database once per `autovacuum_naptime`, a minute by default, and its workers
serve every organisation's tables) the planner guesses: a lookup by id scans a whole index,
and a page of 100 users joins by filter, 18 ms of database time instead of 4 at 2,000 users.

So each process notes the organisations it writes to, and its provisioning-log thread
checks their tables once a second until shortly after the last write. A table whose rows
changed by more than half since its last analysis (autovacuum's own counter) is analysed
then. An advisory lock keeps two processes from analysing one organisation at once.
Autovacuum still does the finer upkeep.
"""

import logging
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction

from accounts.models import Group, Membership, User

logger = logging.getLogger("looop.scim")

TABLES = tuple(model._meta.db_table for model in (User, Group, Membership))
CHECK_SECONDS = 1.0  # per organisation and process
# PostgreSQL publishes a session's row counts at most once a second while it is busy and
# within 10 s once it is idle, so checks go on this long after the last write.
FOLLOW_SECONDS = 15.0
MIN_CHANGES = 100  # rows changed since the last analysis, before any fraction counts
CHANGE_FRACTION = 0.5  # of the rows the planner believes the table has
LOCK_WAIT_MS = 100
LOCK_NOT_AVAILABLE = "55P03"

_STALE_SQL = """
SELECT c.relname FROM pg_class c
WHERE c.oid = ANY(ARRAY[{tables}])
  AND pg_stat_get_mod_since_analyze(c.oid) >= %s + %s * GREATEST(c.reltuples, 0)
ORDER BY c.relname
"""


def _qualified(schema: str, table: str) -> str:
    quote = connection.ops.quote_name
    return f"{quote(schema)}.{quote(table)}"


def _busy(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE


def tables_analyse_if_stale(schema: str) -> list[str]:
    """ANALYZE the organisation's provisioned tables whose statistics are stale, and return
    their names. Skips, rather than waits for, an organisation another session is analysing
    and a table that VACUUM or a schema change holds (autovacuum would otherwise cancel
    its own VACUUM for us)."""
    names = [_qualified(schema, table) for table in TABLES]
    # to_regclass is NULL for a schema that is gone, so a deleted organisation is no error.
    stale_sql = _STALE_SQL.format(tables=", ".join(["to_regclass(%s)"] * len(names)))
    analysed: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"analyse {schema}"])
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
        cursor.execute(stale_sql, [*names, MIN_CHANGES, CHANGE_FRACTION])
        for (table,) in cursor.fetchall():
            try:
                with transaction.atomic():  # a savepoint, so a busy table skips only itself
                    cursor.execute(f"ANALYZE {_qualified(schema, table)}")
                analysed.append(table)
            except OperationalError as exc:
                if not _busy(exc):
                    raise
    return analysed


class StatisticsKeeper:
    """The organisations this process wrote to lately, and when each was last checked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: dict[str, float] = {}  # schema → monotonic time of its last write
        self._checked: dict[str, float] = {}  # schema → monotonic time of its last check

    def note(self, schemas: Iterable[str]) -> None:
        if not settings.SCIM_ANALYSE_WHILE_PROVISIONING:
            return
        now = time.monotonic()
        with self._lock:
            for schema in schemas:
                self._written[schema] = now

    def run_due(self) -> list[tuple[str, str]]:
        """Check the organisations that are due, on this thread's connection, and return
        the (schema, table) pairs analysed. A failed check is logged; the next one retries."""
        now = time.monotonic()
        with self._lock:
            for schema, written in list(self._written.items()):
                if now - written > FOLLOW_SECONDS:
                    del self._written[schema]
                    self._checked.pop(schema, None)
            due = [
                s
                for s in self._written
                if now - self._checked.get(s, -CHECK_SECONDS) >= CHECK_SECONDS
            ]
            for schema in due:
                self._checked[schema] = now
        analysed: list[tuple[str, str]] = []
        for schema in due:
            try:
                analysed += [(schema, table) for table in tables_analyse_if_stale(schema)]
            except DatabaseError:
                logger.warning("Could not refresh statistics for %s", schema, exc_info=True)
        return analysed


keeper = StatisticsKeeper()
