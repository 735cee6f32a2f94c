"""Schema plumbing: the template schema that new organisations are cloned from."""

from functools import lru_cache

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

TEMPLATE_SCHEMA: str = settings.TENANT_BASE_SCHEMA


class TemplateOutOfDate(RuntimeError):
    pass


def template_schema_migrate(verbosity: int = 0) -> None:
    """Create the template schema if needed and bring it up to date."""
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


@lru_cache(maxsize=1)
def _tenant_migrations() -> frozenset[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tenant_labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    return frozenset(key for key in loader.disk_migrations if key[0] in tenant_labels)


def template_schema_check() -> None:
    """Refuse to clone a template that misses migrations: a clone would silently lack them."""
    if not schema_exists(TEMPLATE_SCHEMA):
        raise TemplateOutOfDate("The template schema is missing; run `manage.py setup_database`.")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{TEMPLATE_SCHEMA}".django_migrations')
        applied = set(cursor.fetchall())
    if not _tenant_migrations() <= applied:
        raise TemplateOutOfDate(
            "The template schema is out of date; run `manage.py setup_database`."
        )


def schema_clone_from_template(schema_name: str) -> None:
    """Copy the template's tables, indexes and migration records into a new schema.

    Runs inside the caller's transaction, so a later failure removes the schema too.
    """
    template_schema_check()
    CloneSchema().clone_schema(TEMPLATE_SCHEMA, schema_name, "DATA", set_connection=False)
