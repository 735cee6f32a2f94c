"""Schema plumbing: the template schema that new organisations are created from.

`setup_database` migrates the template schema and stores it as SQL (a pg_dump of its
tables, indexes and migration records). A new organisation's schema is that SQL replayed
under the new name, inside the caller's transaction. django-tenants' PL/pgSQL
clone_schema() reads the whole catalog for every clone, so its cost grows with the number
of organisations (about 3 s each at 100 organisations); replaying the dump does not.
"""

import hashlib
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from accounts.models import SchemaTemplate

TEMPLATE_SCHEMA: str = settings.TENANT_BASE_SCHEMA
# pg_dump's session preamble; the SQL below is fully schema-qualified and needs none of it.
_PREAMBLE = re.compile(r"^(SET |SELECT pg_catalog\.set_config\('search_path').*$", re.MULTILINE)
_COMMENT = re.compile(r"^--.*$", re.MULTILINE)


class TemplateOutOfDate(RuntimeError):
    pass


def template_schema_migrate(verbosity: int = 0) -> None:
    """Create the template schema if needed, bring it up to date, and store it as SQL."""
    if not schema_exists(TEMPLATE_SCHEMA):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{TEMPLATE_SCHEMA}"')
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=TEMPLATE_SCHEMA,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()
    _tenant_migrations.cache_clear()
    template_sql_refresh()


@lru_cache(maxsize=1)
def _tenant_migrations() -> frozenset[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    return frozenset(key for key in loader.disk_migrations if key[0] in tenant_labels)


def _applied_migrations() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{TEMPLATE_SCHEMA}".django_migrations')
        return set(cursor.fetchall())


def template_schema_check() -> str:
    """Refuse a template that misses migrations; return the key of its migration state."""
    if not schema_exists(TEMPLATE_SCHEMA):
        raise TemplateOutOfDate("The template schema is missing; run `manage.py setup_database`.")
    applied = _applied_migrations()
    if not _tenant_migrations() <= applied:
        raise TemplateOutOfDate(
            "The template schema is out of date; run `manage.py setup_database`."
        )
    return hashlib.sha256(repr(sorted(applied)).encode()).hexdigest()


def _pg_dump_binaries() -> list[str]:
    found = []
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        found.append(str(Path(POSTGRES_BIN_PATH) / "pg_dump"))
    except ImportError:  # pragma: no cover - pgserver is a requirement
        pass
    if system := shutil.which("pg_dump"):
        found.append(system)
    return found


def _pg_dump_template() -> str | None:
    """The template schema as SQL, or None when no pg_dump here can read this server."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = [
        "--schema", TEMPLATE_SCHEMA, "--no-owner", "--no-privileges", "--no-comments",
        "--inserts", "--host", str(db["HOST"] or "localhost"), "--port", str(db["PORT"] or 5432),
        "--username", db["USER"], "--dbname", db["NAME"],
    ]  # fmt: skip
    for binary in _pg_dump_binaries():
        # A pg_dump older than the server refuses to run; try the next one.
        result = subprocess.run([binary, *args], capture_output=True, text=True, env=env)
        if result.returncode == 0:
            return _COMMENT.sub("", _PREAMBLE.sub("", result.stdout))
    return None


def template_sql_refresh() -> SchemaTemplate | None:
    key = template_schema_check()
    sql = _pg_dump_template()
    if sql is None:
        return None
    template, _ = SchemaTemplate.objects.update_or_create(migrations_key=key, defaults={"sql": sql})
    SchemaTemplate.objects.exclude(pk=template.pk).delete()
    return template


def _renamed(sql: str, schema_name: str) -> str:
    quoted = '"' + schema_name.replace('"', '""') + '"'
    renamed = re.sub(rf"\b{re.escape(TEMPLATE_SCHEMA)}\b", quoted, sql)
    if TEMPLATE_SCHEMA in renamed:  # pragma: no cover - the dump names it only as a schema
        raise TemplateOutOfDate("The template SQL names the template schema unexpectedly.")
    return renamed


def schema_clone_from_template(schema_name: str) -> None:
    """Create `schema_name` with the template's tables, indexes and migration records.

    Runs inside the caller's transaction, so a later failure removes the schema too.
    """
    key = template_schema_check()
    template = SchemaTemplate.objects.filter(migrations_key=key).first()
    if template is None:
        template = template_sql_refresh()
    if template is None:
        # No usable pg_dump for this server: the slower catalog clone still works.
        CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema_name, "DATA", set_connection=False)
        return
    with connection.cursor() as cursor:
        cursor.execute(_renamed(template.sql, schema_name))
