"""Writes for SCIM: access tokens and the provisioning log.

The console (Account > Provisioning, Reset Token) and the `scim_token` command call these.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from scim.models import ProvisioningEvent, ScimToken

TOKEN_PREFIX = "looop_scim_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenNameTaken(ValueError):
    pass


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, name: str, actor: User | None = None, expires_at: datetime | None = None
) -> tuple[ScimToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValueError("A token needs a name.")
    if len(name) > 100:
        raise ValueError("A token name is at most 100 characters.")
    if ScimToken.objects.filter(name=name, revoked_at__isnull=True).exists():
        raise TokenNameTaken(f"An active token called '{name}' already exists.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("The expiry must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    token = ScimToken.objects.create(
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_sha256=token_hash(secret),
        created_by=actor,
        created_by_label=actor.user_name if actor else "system",
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="scim_token.create", target=name, detail={"id": token.pk})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ScimToken, actor: User | None = None) -> ScimToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="scim_token.revoke", target=token.name, detail={"id": token.pk}
        )
    return token


@transaction.atomic
def token_reset(*, actor: User | None = None, name: str = "Reset token") -> tuple[ScimToken, str]:
    """Revoke every active token and create one new one ("Reset Token" in the console)."""
    now = timezone.now()
    revoked = list(
        ScimToken.objects.select_for_update()
        .filter(revoked_at__isnull=True)
        .values_list("name", flat=True)
    )
    ScimToken.objects.filter(revoked_at__isnull=True).update(revoked_at=now)
    audit_record(actor=actor, action="scim_token.reset", detail={"revoked": revoked})
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    return token_create(name=f"{name} {stamp}", actor=actor)


def token_authenticate(secret: str) -> ScimToken | None:
    """The usable token of this organisation's schema for a presented secret, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ScimToken.objects.filter(secret_sha256=token_hash(secret)).first()
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    # Written at most once a minute, so busy provisioning doesn't turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def event_record(**fields: object) -> ProvisioningEvent:
    return ProvisioningEvent.objects.create(**fields)


def events_prune(*, older_than: timedelta) -> int:
    deleted, _ = ProvisioningEvent.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted
