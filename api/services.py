"""Writes for personal API tokens: create (the secret is returned once), revoke, and the
check made on every API request. The console page and `manage.py api_token` call these."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.actors import SYSTEM, Actor
from accounts.models import User
from accounts.services import audit_record
from api.limits import TOKEN_NAME_MAX, TOKEN_PREFIX, TOKEN_SECRET_MAX, TOKENS_PER_PERSON_MAX
from api.models import ApiToken
from looop.bearer_tokens import token_hash, token_secret

LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(ValueError):
    """A token request the rules refuse; the message is fit to show the person."""


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise TokenRefused("A token needs a name.")
    if len(name) > TOKEN_NAME_MAX:
        raise TokenRefused(f"A token name is at most {TOKEN_NAME_MAX} characters.")
    if "\x00" in name:
        raise TokenRefused("A token name may not contain a NUL character.")
    if not user.is_active:
        raise TokenRefused("Deactivated or deleted people cannot have API tokens.")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenRefused("The expiry must be in the future.")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if active.filter(name=name).exists():
        raise TokenRefused(f"You already have an active token called '{name}'.")
    if active.count() >= TOKENS_PER_PERSON_MAX:
        raise TokenRefused(f"A person can have at most {TOKENS_PER_PERSON_MAX} active tokens.")
    secret, prefix, digest = token_secret(TOKEN_PREFIX)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_sha256=digest,
        expires_at=expires_at,
    )
    audit_record(
        actor=Actor.console(actor or user),
        action="api_token.create",
        target=str(user.pk),
        detail={"id": token.pk, "name": name},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=Actor.console(actor) if actor is not None else SYSTEM,
            action="api_token.revoke",
            target=str(token.user_id),
            detail={"id": token.pk, "name": token.name},
        )
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The usable token of this organisation for a presented secret, or None: unknown,
    revoked, expired, or its owner deactivated or deleted. One query (token and owner)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > TOKEN_SECRET_MAX:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(secret_sha256=token_hash(secret))
        .order_by()
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    # Written at most once a minute, so a busy integration doesn't turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
