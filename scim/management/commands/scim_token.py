"""SCIM bearer tokens of one organisation.

manage.py scim_token create <slug> --name <name> [--expires-days N]   (prints the secret)
manage.py scim_token list <slug>
manage.py scim_token revoke <slug> <name>
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from accounts.models import Organisation
from looop.bearer_tokens import add_expiry_option, expiry_from_days, token_line
from scim.models import ScimToken
from scim.services import TokenNameTaken, token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke an organisation's SCIM tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token; prints only its secret.")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        add_expiry_option(create)
        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("slug")
        revoke = actions.add_parser("revoke", help="Revoke the active token with this name.")
        revoke.add_argument("slug")
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        if not Organisation.objects.filter(schema_name=slug).exists():
            raise CommandError(f"No organisation with the slug '{slug}'.")
        with schema_context(slug):
            getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        expires_at = expiry_from_days(options["expires_days"])
        try:
            _, secret = token_create(name=options["name"], expires_at=expires_at)
        except (TokenNameTaken, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(secret)  # the secret alone, so scripts can capture it

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ScimToken.objects.order_by("-created_at")
        if not tokens:
            self.stderr.write("No tokens.")
        for token in tokens:
            self.stdout.write(token_line(token, created_by=token.created_by_label))

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ScimToken.objects.filter(name=options["name"], revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"No active token called '{options['name']}'.")
        token_revoke(token=token)
        self.stderr.write(f"Revoked '{token.name}'.")
