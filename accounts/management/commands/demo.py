"""Create the demo organisation if it is missing, and print a fresh SCIM token for it."""

import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from accounts.selectors import organisation_get
from accounts.services import organisation_create
from looop.urls_util import org_url, public_url
from scim.models import ScimToken
from scim.services import token_create, token_revoke

SLUG = "demo"
ADMIN_EMAIL = "admin@demo.looop.localhost"
TOKEN_NAME = "Demo token"


class Command(BaseCommand):
    help = "Ensure the demo organisation exists and print its URLs and a new SCIM token."

    def handle(self, *args: Any, **options: Any) -> None:
        password = None
        if organisation_get(slug=SLUG) is None:
            password = secrets.token_urlsafe(12)
            organisation_create(
                slug=SLUG, name="Demo", admin_email=ADMIN_EMAIL, admin_password=password
            )
        with schema_context(SLUG):
            # Only hashes are stored, so each run replaces the demo token with a new one.
            for old in ScimToken.objects.filter(name=TOKEN_NAME, revoked_at__isnull=True):
                token_revoke(token=old)
            _, secret = token_create(name=TOKEN_NAME)
        lines = [
            "",
            f"Public site:     {public_url('/')}",
            f"Demo sign-in:    {org_url(SLUG, '/login')}",
            f"Admin:           {ADMIN_EMAIL}",
            f"Admin password:  {password} (shown once)"
            if password
            else "Admin password:  unchanged (shown when the demo organisation was created)",
            f"SCIM endpoint:   {org_url(SLUG, '/scim/v2')}",
            f"SCIM token:      {secret}",
            "",
        ]
        self.stdout.write("\n".join(lines))
