"""Single-use links to set a password: invitations and password resets.

Both are Django's password-reset tokens, with their own salts and lifetimes. A token is
bound to the organisation, the person, their password hash and their session epoch, so it
dies when the password is set (single use) or the person is deactivated.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

from accounts.models import User


class _PasswordLinkToken(PasswordResetTokenGenerator):
    def max_age_seconds(self) -> int:
        return settings.PASSWORD_RESET_TIMEOUT

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0)
        return (
            f"{connection.schema_name}:{user.pk}:{user.password}:{user.session_epoch}:"
            f"{login}:{timestamp}"
        )

    def check_token(self, user: User | None, token: str | None) -> bool:  # type: ignore[override]
        """As Django's, with this kind's own lifetime."""
        if not (user and token) or len(token) > 64:
            return False
        try:
            ts = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > self.max_age_seconds():
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


class _PasswordResetToken(_PasswordLinkToken):
    key_salt = "looop.accounts.tokens.password_reset"


class _InvitationToken(_PasswordLinkToken):
    key_salt = "looop.accounts.tokens.invitation"

    def max_age_seconds(self) -> int:
        return settings.INVITATION_DAYS * 24 * 3600


password_reset_token = _PasswordResetToken()
invitation_token = _InvitationToken()
