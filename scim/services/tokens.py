"""SCIM bearer tokens: create, revoke, reset, and the lookup every request makes.

The console (Account > Provisioning, Reset Token) and the `scim_token` command call these.
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.actors import SYSTEM, Actor
from accounts.models import User
from accounts.services import audit_record
from looop.bearer_tokens import token_hash, token_secret
from scim import token_cache
from scim.models import ScimToken
from scim.precompiled import OneRow

TOKEN_PREFIX = "looop_scim_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenNameTaken(ValueError):
    pass


def _actor(user: User | None) -> Actor:
    return Actor.console(user) if user is not None else SYSTEM


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
    secret, prefix, digest = token_secret(TOKEN_PREFIX)
    token = ScimToken.objects.create(
        name=name,
        prefix=prefix,
        secret_sha256=digest,
        created_by=actor,
        created_by_label=actor.user_name if actor else "system",
        expires_at=expires_at,
    )
    audit_record(
        actor=_actor(actor), action="scim_token.create", target=name, detail={"id": token.pk}
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ScimToken, actor: User | None = None) -> ScimToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        token_cache.CACHE.forget(connection.schema_name)  # other processes hear the trigger
        audit_record(
            actor=_actor(actor),
            action="scim_token.revoke",
            target=token.name,
            detail={"id": token.pk},
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
    token_cache.CACHE.forget(connection.schema_name)  # other processes hear the trigger
    audit_record(actor=_actor(actor), action="scim_token.reset", detail={"revoked": revoked})
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    return token_create(name=f"{name} {stamp}", actor=actor)


# Runs on every SCIM request: compiled once (scim/precompiled.py).
_TOKEN_BY_HASH = OneRow(
    lambda digest: ScimToken.objects.filter(secret_sha256=digest).order_by(), "0" * 64
)


def token_authenticate(secret: str) -> ScimToken | None:
    """The usable token of this organisation's schema for a presented secret, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest, schema = token_hash(secret), connection.schema_name
    cached = token_cache.max_age() > 0
    token = token_cache.CACHE.get(schema, digest) if cached else None
    if token is None:
        generation = token_cache.CACHE.generation()
        token = _TOKEN_BY_HASH.get(digest)
        if token is not None and token.is_usable and cached:
            token_cache.CACHE.put(schema, digest, token, generation)
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    # Written at most once a minute, so busy provisioning doesn't turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_actor(token: ScimToken | None) -> Actor:
    """The actor of a SCIM request, named after its token in the audit trail."""
    return Actor.scim(token.name if token is not None else "unknown")
