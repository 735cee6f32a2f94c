"""Delete provisioning-log events older than the retention period, in every organisation.

manage.py prune_provisioning_events [--days N]   (default: SCIM_EVENT_RETENTION_DAYS, 30)
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import Organisation
from scim.services import events_prune


class Command(BaseCommand):
    help = "Prune SCIM provisioning events older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.SCIM_EVENT_RETENTION_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 0:
            raise CommandError("--days cannot be negative.")
        total = 0
        slugs = Organisation.objects.exclude(schema_name=get_public_schema_name())
        for slug in slugs.values_list("schema_name", flat=True):
            with schema_context(slug):
                deleted = events_prune(older_than=timedelta(days=days))
            total += deleted
            if deleted and options["verbosity"] > 1:
                self.stdout.write(f"{slug}: {deleted}")
        self.stdout.write(f"Deleted {total} provisioning events older than {days} days.")
