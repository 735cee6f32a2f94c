"""The session engine: Django's database sessions, read with one plain statement.

Every signed-in request reads its session. Django's `SessionStore.load` builds and
compiles an ORM query for it each time, about an eighth of the learner home's CPU in
process (docs/performance.md, Learner home); this reads the same row with the same
conditions (the key, not expired) and decodes it as Django does. Writing, rotating and
deleting sessions stay Django's.
"""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        model = self.model
        quote = connections[router.db_for_read(model)].ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)}"
            f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django does for a missing or expired session
            return {}
        return self.decode(row[0])
