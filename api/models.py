"""Personal API tokens, in each organisation's schema. Only the SHA-256 of a secret is kept."""

from django.conf import settings
from django.db import models

from looop.bearer_tokens import BearerToken


class ApiToken(BearerToken):
    """A person's bearer token for /api/v1: it acts as that person, with their role.

    It stops working when revoked, when it expires, and while its owner is deactivated or
    deleted (checked on every use, in api.services.api_token_authenticate)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
