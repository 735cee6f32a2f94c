"""Personal API tokens of one organisation's people.

manage.py api_token create <slug> --user <email> --name <name> [--expires-days N]
    prints the secret alone, so scripts can capture it
manage.py api_token list <slug> [--user <email>]
manage.py api_token revoke <slug> --user <email> <name>
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from accounts.models import Organisation, User
from api.models import ApiToken
from api.services import TokenRefused, api_token_create, api_token_revoke
from looop.bearer_tokens import add_expiry_option, expiry_from_days, token_line


class Command(BaseCommand):
    help = "Create, list or revoke a person's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token; prints only its secret.")
        create.add_argument("slug")
        create.add_argument("--user", required=True, help="the person's email (user name)")
        create.add_argument("--name", required=True)
        add_expiry_option(create)
        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("slug")
        listing.add_argument("--user", default=None)
        revoke = actions.add_parser("revoke", help="Revoke a person's active token by name.")
        revoke.add_argument("slug")
        revoke.add_argument("--user", required=True)
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        if not Organisation.objects.filter(schema_name=slug).exists():
            raise CommandError(f"No organisation with the slug '{slug}'.")
        with schema_context(slug):
            getattr(self, f"_{options['action']}")(options)

    @staticmethod
    def _person(email: str) -> User:
        person = User.objects.filter(
            user_name__iexact=email.strip(), deleted_at__isnull=True
        ).first()
        if person is None:
            raise CommandError(f"No person '{email}' in this organisation.")
        return person

    def _create(self, options: dict[str, Any]) -> None:
        expires_at = expiry_from_days(options["expires_days"])
        try:
            _, secret = api_token_create(
                user=self._person(options["user"]), name=options["name"], expires_at=expires_at
            )
        except TokenRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(secret)  # the secret alone

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user")
        if options["user"]:
            tokens = tokens.filter(user=self._person(options["user"]))
        if not tokens:
            self.stderr.write("No tokens.")
        for token in tokens:
            self.stdout.write(f"{token.user.user_name}\t{token_line(token)}")

    def _revoke(self, options: dict[str, Any]) -> None:
        person = self._person(options["user"])
        token = ApiToken.objects.filter(
            user=person, name=options["name"], revoked_at__isnull=True
        ).first()
        if token is None:
            raise CommandError(
                f"{person.user_name} has no active token called '{options['name']}'."
            )
        api_token_revoke(token=token)
        self.stderr.write(f"Revoked '{token.name}' of {person.user_name}.")
