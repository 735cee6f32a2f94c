"""The shared cache: rate-limit and throttle counters that hold across processes and machines.

With REDIS_URL set the default cache is Django's RedisCache; without it, Django's database
cache in the public schema (created by `manage.py setup_database`), so the embedded default
needs no other server. Both are seen by every app process that shares the database or Redis.
"""

import base64
import pickle
import random
from datetime import UTC, datetime
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now


class CounterDatabaseCache(DatabaseCache):
    """Django's database cache, with add() and incr() fit for counters.

    - incr(): the stock one is get() then set(): two servers counting at once both read 4
      and both write 5, so a limit of W x N slips through. Here the row is locked for the
      update.
    - add(): the stock one counts the whole table first (to cull past MAX_ENTRIES), and
      expired rows are only removed by that cull, so the count grows with every window that
      ever was. Measured with 300,000 expired rows: 27 ms per add(), against 4 ms with 1,000.
      Here it is one INSERT ... ON CONFLICT, and one add() in SWEEP_EVERY deletes the
      expired rows (through the index on `expires`).
    """

    SWEEP_EVERY = 100

    def add(
        self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        expires_at = self.get_backend_timeout(timeout)
        expires = (
            datetime.max.replace(tzinfo=UTC)
            if expires_at is None
            else datetime.fromtimestamp(expires_at, tz=UTC)
        ).replace(microsecond=0)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        current = now()
        with connection.cursor() as cursor:
            if random.randrange(self.SWEEP_EVERY) == 0:
                cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [current])
            # An expired row counts as absent, as in Django's add().
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "
                f"ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, "
                f"expires = EXCLUDED.expires WHERE {table}.expires < %s RETURNING 1",
                [key, encoded, expires, current],
            )
            return cursor.fetchone() is not None

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT value FROM {table} WHERE cache_key = %s AND expires > %s FOR UPDATE",
                [key, now()],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            value = pickle.loads(base64.b64decode(row[0].encode("latin1"))) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value
