"""create_organisation <slug> --name "<Name>" --admin-email <email> [--admin-password <pw>]"""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.services import organisation_create, organisation_host


class Command(BaseCommand):
    help = "Create an organisation: its schema, its domain and its first admin."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str = options["slug"]
        email: str = options["admin_email"]
        password: str | None = options["admin_password"]
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"'{email}' is not a valid email address.") from None
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            organisation, admin = organisation_create(
                slug=slug, name=options["name"], admin_email=email, admin_password=password
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except ValueError as exc:  # InvalidSlug, OrganisationExists, empty name
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Created organisation '{organisation.name}' at {organisation_host(slug)}"
        )
        self.stdout.write(f"Admin: {admin.user_name}")
        if generated:
            self.stdout.write(f"Admin password (shown once): {password}")
