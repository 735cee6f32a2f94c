"""Delete provisioning-log events older than the retention period, in every organisation.

manage.py prune_provisioning_events [--days N]   (default: SCIM_EVENT_RETENTION_DAYS, 30)

A worker runs the same prune daily (looop/jobs/tasks.py); this command is for doing it now.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from looop.jobs.housekeeping import provisioning_events_prune_everywhere


class Command(BaseCommand):
    help = "Prune SCIM provisioning events older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.SCIM_EVENT_RETENTION_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 0:
            raise CommandError("--days cannot be negative.")
        deleted = provisioning_events_prune_everywhere(days=days)
        if options["verbosity"] > 1:
            for slug, count in deleted.items():
                if count:
                    self.stdout.write(f"{slug}: {count}")
        total = sum(deleted.values())
        self.stdout.write(f"Deleted {total} provisioning events older than {days} days.")
