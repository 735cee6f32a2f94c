"""Create the demo organisation if it is missing, and print a fresh SCIM token for it."""

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.selectors import organisation_get
from accounts.services import audit_record, organisation_create
from learning.demo import demo_learning_ensure
from looop.urls_util import org_url, public_url
from scim.models import ScimToken
from scim.services import token_create, token_revoke

SLUG = "demo"
ADMIN_EMAIL = "admin@demo.looop.localhost"
MEMBER_EMAIL = "member@demo.looop.localhost"
TOKEN_NAME = "Demo token"


class Command(BaseCommand):
    help = "Ensure the demo organisation exists and print its URLs and a new SCIM token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-admin-password",
            action="store_true",
            help="Give the demo admin a new random password and print it (ends their sessions).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if options["new_admin_password"] and organisation_get(slug=SLUG) is not None:
            password = demo_admin_password_reset()
        elif organisation_get(slug=SLUG) is None:
            password = secrets.token_urlsafe(12)
            organisation_create(
                slug=SLUG, name="Demo", admin_email=ADMIN_EMAIL, admin_password=password
            )
        with schema_context(SLUG):
            # Only hashes are stored, so each run replaces the demo token with a new one.
            for old in ScimToken.objects.filter(name=TOKEN_NAME, revoked_at__isnull=True):
                token_revoke(token=old)
            _, secret = token_create(name=TOKEN_NAME)
            member_password = demo_learning_ensure(member_email=MEMBER_EMAIL)
        lines = [
            "",
            f"Public site:     {public_url('/')}",
            f"Demo sign-in:    {org_url(SLUG, '/login')}",
            f"Admin:           {ADMIN_EMAIL}",
            f"Admin password:  {password} (shown once)"
            if password
            else "Admin password:  unchanged (shown when it was set; for a new one: "
            "manage.py demo --new-admin-password)",
            f"Member:          {MEMBER_EMAIL} (in New starters; the Onboarding pathway)",
            f"Member password: {member_password} (shown once)"
            if member_password
            else "Member password: unchanged (shown when the member was created)",
            f"SCIM endpoint:   {org_url(SLUG, '/scim/v2')}",
            f"SCIM token:      {secret}",
            f"Emails:          written as files under {settings.EMAIL_FILE_PATH}/"
            if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
            else f"Emails:          sent through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            "",
        ]
        self.stdout.write("\n".join(lines))


def demo_admin_password_reset() -> str:
    """A new password for the demo admin, for whoever lost it: only someone who can run
    manage.py on the server can do this. The password change ends the admin's sessions."""
    password = secrets.token_urlsafe(12)
    with schema_context(SLUG):
        admin = User.objects.get(user_name__iexact=ADMIN_EMAIL, deleted_at__isnull=True)
        admin.set_password(password)
        admin.save(update_fields=["password"])
        audit_record(
            actor=SYSTEM,
            action="user.password_set",
            target=str(admin.pk),
            detail={"user_name": admin.user_name, "how": "manage.py demo --new-admin-password"},
        )
    return password
