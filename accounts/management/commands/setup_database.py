"""Migrate the public schema, the template schema and every organisation's schema, and
create the shared cache table."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from accounts.tenancy import template_schema_migrate


class Command(BaseCommand):
    help = "Apply migrations everywhere: public schema, template schema, all organisations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--executor", default="standard", choices=["standard", "multiprocessing"]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = max(0, options["verbosity"] - 1)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        # The shared cache's table (rate limits, throttles) when there is no Redis: public
        # schema, which every organisation's search_path reaches. A no-op once it exists.
        connection.set_schema_to_public()
        call_command("createcachetable", verbosity=verbosity)
        template_schema_migrate(verbosity=verbosity)
        call_command(
            "migrate_schemas",
            tenant=True,
            interactive=False,
            executor=options["executor"],
            verbosity=verbosity,
        )
        self.stdout.write("Database is up to date.")
