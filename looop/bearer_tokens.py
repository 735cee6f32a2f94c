"""What SCIM tokens and personal API tokens share: the stored fields and status, the secret
and its digest, and the management commands' options and lines. Only the SHA-256 of a
secret is kept, so a leaked database yields no usable token."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.management.base import CommandError, CommandParser
from django.db import models
from django.utils import timezone

PREFIX_SHOWN = 6  # random characters kept after the kind prefix, to tell tokens apart


class BearerToken(models.Model):
    """A named bearer token; subclasses add whom it belongs to."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=24)  # shown in the console to tell tokens apart
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_usable(self) -> bool:
        return self.status == "active"


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_secret(kind_prefix: str) -> tuple[str, str, str]:
    """A new secret with its shown prefix and its digest: 32 random bytes after the kind."""
    secret = kind_prefix + secrets.token_urlsafe(32)
    return secret, secret[: len(kind_prefix) + PREFIX_SHOWN], token_hash(secret)


# --- management commands -------------------------------------------------------------


def add_expiry_option(parser: CommandParser) -> None:
    parser.add_argument("--expires-days", type=int, default=None)


def expiry_from_days(days: int | None) -> datetime | None:
    if days is not None and days <= 0:
        raise CommandError("--expires-days must be a positive number of days.")
    return timezone.now() + timedelta(days=days) if days else None


def token_line(token: BearerToken, *, created_by: str = "") -> str:
    """One tab-separated line describing a token for `list`, never its secret."""

    def when(moment: datetime | None) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"

    created = f"created {when(token.created_at)}" + (f" by {created_by}" if created_by else "")
    return (
        f"{token.name}\t{token.prefix}…\t{token.status}\t{created}\t"
        f"last used {when(token.last_used_at)}\texpires {when(token.expires_at)}"
    )
