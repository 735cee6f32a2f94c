"""The shared cache: rate-limit and throttle counters that hold across processes and machines.

With REDIS_URL set the default cache is Django's RedisCache; without it, Django's database
cache in the public schema (created by `manage.py setup_database`), so the embedded default
needs no other server. Both are seen by every app process that shares the database or Redis.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now


class CounterDatabaseCache(DatabaseCache):
    """Django's database cache, with an incr() that two processes can't interleave.

    The stock incr() is get() then set(): two servers counting at once both read 4 and both
    write 5, so a limit of W x N slips through. Here the row is locked for the update.
    """

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
