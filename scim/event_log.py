"""The provisioning log's write path: events queued in memory, written in batches.

Every SCIM request logs one event. An INSERT and its commit per request cost about a third
of a GET's CPU, so each process queues its events and a background thread writes the queue
every `SCIM_EVENT_FLUSH_MS`, one COPY per organisation schema. The guarantees:

- an event reaches the database within one flush interval;
- while the database is unreachable, events stay queued and are retried (up to
  `SCIM_EVENT_QUEUE_MAX`; past that the oldest are dropped, with a warning);
- the queue is written when the process exits normally (gunicorn's restarts and SIGTERM);
- a process killed outright (SIGKILL, OOM) loses at most what it queued since the last flush.

Requests without a valid token are not events: the queue counts them per organisation,
minute and reason, and each flush adds the counts to `RejectedRequestCount` rows.
"""

import atexit
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from scim.models import ProvisioningEvent, RejectedRequestCount
from scim.table_statistics import keeper

logger = logging.getLogger("looop.scim")

EVENT_FIELDS = (
    "at", "token", "token_name", "method", "path", "resource_type", "resource_id", "status",
    "scim_type", "detail", "duration_ms", "body",
)  # fmt: skip
EVENT_COLUMNS = ", ".join(ProvisioningEvent._meta.get_field(name).column for name in EVENT_FIELDS)
BATCH_WAKE = 500  # a queue this long is written at once, not at the next tick
_METHOD, _STATUS = EVENT_FIELDS.index("method"), EVENT_FIELDS.index("status")

# (schema, values in EVENT_FIELDS order)
QueuedEvent = tuple[str, tuple[Any, ...]]
# (schema, minute, reason) → requests without a valid token
Rejections = Mapping[tuple[str, datetime, str], int]


def _text_safe(value: Any) -> Any:
    """A string PostgreSQL can store: lone UTF-16 surrogates (which UTF-8 cannot encode, so
    COPY fails in Python before the server sees the row) and NUL (which text refuses) are
    written as escapes, so the event is kept and still says what was sent."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\\x00")
    try:
        value.encode()
    except UnicodeEncodeError:
        value = value.encode("utf-8", "backslashreplace").decode()
    return value


def event_row(
    *,
    at: datetime,
    method: str,
    path: str,
    status: int,
    duration_ms: float,
    token_id: int | None = None,
    token_name: str = "",
    resource_type: str = "",
    resource_id: str = "",
    scim_type: str = "",
    detail: str = "",
    body: str = "",
) -> tuple[Any, ...]:
    """One event's values, in EVENT_FIELDS order, with its text made storable."""
    return (
        at, token_id, _text_safe(token_name), _text_safe(method), _text_safe(path),
        resource_type, _text_safe(resource_id), status, scim_type, _text_safe(detail),
        duration_ms, _text_safe(body),
    )  # fmt: skip


def _copy(schema: str, rows: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    table = f"{quote(schema)}.{quote(ProvisioningEvent._meta.db_table)}"
    sql = f"COPY {table} ({EVENT_COLUMNS}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy_rows(schema: str, rows: list[tuple[Any, ...]]) -> int:
    """COPY the rows, in a savepoint. If the batch fails for its data, it is tried again in
    halves, down to single rows, so one bad row (or a schema that is gone) loses only itself
    and a batch of n rows with one bad row costs about 2·log2(n) more COPYs.

    Any error but a lost connection counts as the data's: an error raised in Python while
    the COPY is under way (say, a value psycopg cannot adapt) is no DatabaseError, and
    letting it out would roll back every organisation's events of the batch."""
    try:
        with transaction.atomic():
            _copy(schema, rows)
        return len(rows)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        if len(rows) == 1:
            logger.warning(
                "Dropped a provisioning event for schema %s: %r", schema, rows[0], exc_info=True
            )
            return 0
    half = len(rows) // 2
    return _copy_rows(schema, rows[:half]) + _copy_rows(schema, rows[half:])


def schemas_written(events: Iterable[QueuedEvent]) -> set[str]:
    """The organisations whose data these events' requests changed."""
    return {
        schema
        for schema, row in events
        if row[_METHOD] not in ("GET", "HEAD") and 200 <= row[_STATUS] < 300
    }


def rejections_add(schema: str, counts: dict[tuple[datetime, str], int]) -> None:
    """Add to this schema's per-minute counts of requests without a valid token."""
    quote = connection.ops.quote_name
    table = f"{quote(schema)}.{quote(RejectedRequestCount._meta.db_table)}"
    keys = list(counts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS r (minute, reason, count)"
            " SELECT * FROM unnest(%s::timestamptz[], %s::text[], %s::bigint[])"
            " ON CONFLICT (minute, reason) DO UPDATE SET count = r.count + EXCLUDED.count",
            [[m for m, _ in keys], [r for _, r in keys], [counts[k] for k in keys]],
        )


def _rejections_write(rejected: Rejections) -> None:
    by_schema: dict[str, dict[tuple[datetime, str], int]] = {}
    for (schema, minute, reason), count in rejected.items():
        by_schema.setdefault(schema, {})[(minute, reason)] = count
    for schema, counts in by_schema.items():
        try:
            with transaction.atomic():
                rejections_add(schema, counts)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.warning("Dropped rejected-request counts for schema %s", schema, exc_info=True)


def events_write(events: Iterable[QueuedEvent], rejected: Rejections | None = None) -> int:
    """Write events with one COPY per schema, in one transaction that does not wait for its
    WAL flush (as the single-event path), and return how many were written. An event the
    database refuses (say, its organisation was deleted) is dropped with a warning; the
    others are written. Raises OperationalError/InterfaceError when the database is
    unreachable, writing nothing. `rejected` counts are added in the same transaction.
    """
    by_schema: dict[str, list[tuple[Any, ...]]] = {}
    for schema, row in events:
        by_schema.setdefault(schema, []).append(row)
    written = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        for schema, rows in by_schema.items():
            written += _copy_rows(schema, rows)
        if rejected:
            _rejections_write(rejected)
    return written


class EventQueue:
    """This process's queue of provisioning events and the thread that writes it."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()  # a forked child starts with an empty queue and no thread
        self._queue: deque[QueuedEvent] = deque()
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one write at a time, so order is kept
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._rejected: Counter[tuple[str, datetime, str]] = Counter()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, schema: str, row: tuple[Any, ...]) -> None:
        if self._pid != os.getpid():
            self._reset()
        with self._lock:
            self._queue.append((schema, row))
            self._trim()
            if self._thread is None:
                self._start()
        if len(self._queue) >= BATCH_WAKE:
            self._wake.set()

    def count_rejected(self, schema: str, minute: datetime, reason: str) -> None:
        """Count a request without a valid token; memory stays bounded by the keys."""
        if self._pid != os.getpid():
            self._reset()
        with self._lock:
            self._rejected[(schema, minute, reason)] += 1
            if self._thread is None:
                self._start()

    def _trim(self) -> None:
        overflow = len(self._queue) - settings.SCIM_EVENT_QUEUE_MAX
        if overflow > 0:
            for _ in range(overflow):
                self._queue.popleft()
            self.dropped += overflow
            logger.warning("Provisioning event queue full: dropped the %d oldest", overflow)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="provisioning-log", daemon=True)
        self._thread.start()
        atexit.register(self._flush_at_exit)

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except Exception:
            logger.warning("Lost %d queued provisioning events at exit", len(self), exc_info=True)

    def flush(self) -> int:
        """Write what is queued now, on this thread's connection. On an outage the events
        go back to the head of the queue and the error is raised."""
        with self._writing:
            with self._lock:
                batch = list(self._queue)
                self._queue.clear()
                rejected, self._rejected = self._rejected, Counter()
            if not batch and not rejected:
                return 0
            try:
                written = events_write(batch, rejected)
            except (OperationalError, InterfaceError):
                connection.close()  # the next write reconnects
                with self._lock:
                    self._queue.extendleft(reversed(batch))
                    self._trim()
                    self._rejected.update(rejected)
                raise
            keeper.note(schemas_written(batch))
            return written

    def _run(self) -> None:
        interval = settings.SCIM_EVENT_FLUSH_MS / 1000
        failures = 0
        while True:
            if failures:  # the database is away: back off, whatever the queue's length
                time.sleep(interval * min(2**failures, 64))
            else:
                self._wake.wait(interval)
            self._wake.clear()
            try:
                self.flush()
                failures = 0
                keeper.run_due()
            except Exception:
                failures += 1
                logger.warning("Could not write provisioning events; retrying", exc_info=True)


queue = EventQueue()
