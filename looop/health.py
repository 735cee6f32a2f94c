"""`/healthz` (the process answers) and `/readyz` (it can serve: database and migrations).

Both are answered by the observability middleware before host routing, the HTTPS redirect
and any throttle, on every host name, including a bare address: load balancers and
orchestrators probe with the address they know, over plain HTTP, many times a minute.

`/readyz` costs one `SELECT 1`. Whether migrations are applied needs the migration files
read from disk (about 100 ms) and two small queries, so that answer is kept: a pass for
`MIGRATIONS_PASS_SECONDS`, a failure for `MIGRATIONS_FAIL_SECONDS`.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest, JsonResponse

MIGRATIONS_PASS_SECONDS = 300.0
MIGRATIONS_FAIL_SECONDS = 5.0
RETRY_AFTER_SECONDS = "5"

logger = logging.getLogger("looop.health")

_expected: dict[str, set[tuple[str, str]]] | None = None
_checked: tuple[float, list[str]] | None = None  # (monotonic deadline, pending migrations)
_lock = threading.Lock()


def expected_migrations() -> dict[str, set[tuple[str, str]]]:
    """Leaf migrations on disk, per schema: the public schema's apps and the template's.

    Migrations apply in order, so a schema that has recorded every leaf has them all.
    """
    global _expected
    if _expected is None:
        graph = MigrationLoader(None, ignore_no_migrations=True).graph
        leaves = set(graph.leaf_nodes())
        shared = {app.rsplit(".", 1)[-1] for app in settings.SHARED_APPS}
        tenant = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
        _expected = {
            "public": {(app, name) for app, name in leaves if app in shared},
            settings.TENANT_BASE_SCHEMA: {(app, name) for app, name in leaves if app in tenant},
        }
    return _expected


def pending_migrations() -> list[str]:
    """Leaf migrations not recorded in the public or the template schema ("schema: app.name").

    Organisation schemas are migrated by the same `setup_database` run, after these two.
    """
    pending = []
    with connection.cursor() as cursor:
        for schema, leaves in expected_migrations().items():
            cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            recorded = set(cursor.fetchall())
            pending += [f"{schema}: {app}.{name}" for app, name in sorted(leaves - recorded)]
    return pending


def cached_pending_migrations() -> list[str]:
    global _checked
    now = time.monotonic()
    if _checked is not None and now < _checked[0]:
        return _checked[1]
    with _lock:
        pending = pending_migrations()
        keep = MIGRATIONS_FAIL_SECONDS if pending else MIGRATIONS_PASS_SECONDS
        if pending:
            logger.warning("Not ready: migrations not applied: %s", ", ".join(pending))
        _checked = (now + keep, pending)
    return pending


def forget_migration_check() -> None:
    global _checked
    _checked = None


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = cached_pending_migrations()
    except DatabaseError:
        return _unready({"database": "unreachable"})
    if pending:  # the names go to the log only: this answer is public
        return _unready({"database": "ok", "migrations": "pending", "pending": len(pending)})
    return JsonResponse(
        {"status": "ready", "database": "ok", "migrations": "applied"},
        headers={"Cache-Control": "no-store"},
    )


def _unready(checks: dict) -> JsonResponse:
    return JsonResponse(
        {"status": "unavailable", **checks},
        status=503,
        headers={"Cache-Control": "no-store", "Retry-After": RETRY_AFTER_SECONDS},
    )
