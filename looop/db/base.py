"""django-tenants' backend, without `SET search_path` when the session already has it.

django-tenants issues `SET search_path` after every `set_tenant()`, which the routing
middleware calls on every request. With persistent connections, most requests on a
connection are for the organisation it served last, so that SET is one wasted round trip
per request. This wrapper remembers the search path the *session* really has and skips the
SET when it already matches.

What the session has is forgotten whenever it may have changed behind our back: on
rollback and savepoint rollback (a SET inside an aborted transaction is undone), on close
and on a new connection.

It also checks a reused connection's health without a round trip (looop/db/health_check.py),
and runs each request under its statement timeout (looop/db/budgets.py), remembered the
same way: `SET statement_timeout` is sent only when the session has another value.
"""

from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from looop.db.health_check import idle_and_quiet


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._session_search_path: list[str] | None = None
        # The statement timeout wanted (set per request by DatabaseBudgetMiddleware) and the
        # one the session has: None when unknown, e.g. after a rollback may have undone a SET.
        self.statement_timeout_ms: int = settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS
        self._session_statement_timeout_ms: int | None = None
        self._setting_statement_timeout = False
        super().__init__(*args, **kwargs)

    def _cursor(self, name: str | None = None) -> Any:
        cursor = super()._cursor(name)
        if (
            self._session_statement_timeout_ms != self.statement_timeout_ms
            and not self._setting_statement_timeout
        ):
            self._set_statement_timeout(cursor if name is None else None)
        return cursor

    def _set_statement_timeout(self, cursor: Any) -> None:
        wanted = self.statement_timeout_ms
        self._setting_statement_timeout = True
        try:
            target = self.connection.cursor() if cursor is None else cursor
            try:
                target.execute(f"SET statement_timeout = {int(wanted)}")
            finally:
                if cursor is None:
                    target.close()
        except (DatabaseError, psycopg.Error):
            # In a failed transaction the SET fails too, as will the statement that follows,
            # which reports the real error; the SET is tried again after the rollback.
            self._session_statement_timeout_ms = None
        else:
            self._session_statement_timeout_ms = wanted
        finally:
            self._setting_statement_timeout = False

    def _handle_search_path(self, cursor: Any = None) -> None:
        if (
            self.search_path_set_schemas is None
            and not self._setting_search_path
            and self._session_search_path is not None
            and self.schema_name
            and self._session_search_path == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self._session_search_path
            return
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            self._session_search_path = self.search_path_set_schemas

    def close_if_health_check_failed(self) -> None:
        """Skip the `SELECT 1` round trip while the idle connection is quiet (health_check.py)."""
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and idle_and_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _forget_session_state(self) -> None:
        self._session_search_path = None
        self._session_statement_timeout_ms = None

    def connect(self) -> None:
        self._forget_session_state()
        try:
            super().connect()
        except Exception as exc:
            from looop.metrics import database_error_count

            database_error_count(exc, phase="connect")
            raise
        # A new session starts with the background budget (connection OPTIONS).
        self._session_statement_timeout_ms = settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS

    def close(self) -> None:
        self._forget_session_state()
        super().close()

    def rollback(self) -> None:
        self._forget_session_state()
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self._forget_session_state()
