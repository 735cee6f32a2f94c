"""Reads for personal API tokens (never their secrets: only hashes are stored)."""

from django.db.models import QuerySet

from accounts.models import User
from api.models import ApiToken


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """A person's tokens, newest first."""
    return ApiToken.objects.filter(user=user)


def api_token_of(*, user: User, token_id: object) -> ApiToken | None:
    """One of `user`'s own tokens, or None (someone else's id finds nothing)."""
    try:
        token_id = int(str(token_id))
    except ValueError:
        return None
    return ApiToken.objects.filter(user=user, pk=token_id).first()
