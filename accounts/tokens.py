"""Single-use links to set a password: invitations and password resets.

Both are Django's password-reset tokens, with their own salts and lifetimes. A token is
bound to the organisation, the person, their password hash and their session epoch, so it
dies when the password is set (single use) or the person is deactivated.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from accounts.models import User
from looop.mail.selectors import last_invitation


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
    """Also bound to one invitation (its email's id): only the newest invitation's link works,
    so a re-sent invitation makes the earlier ones stop working."""

    key_salt = "looop.accounts.tokens.invitation"

    def max_age_seconds(self) -> int:
        return settings.INVITATION_DAYS * 24 * 3600

    def make_invitation_token(self, user: User, invitation_id: object) -> str:
        """The link of the invitation `invitation_id`, made when its email is sent."""
        return self._make_token_with_timestamp(
            user, self._num_seconds(self._now()), self.secret, invitation_id=invitation_id
        )

    def _make_token_with_timestamp(  # type: ignore[override]
        self, user: User, timestamp: int, secret: Any, invitation_id: object = None
    ) -> str:
        """As Django's; a token is checked against the person's newest invitation."""
        if invitation_id is None:
            newest = last_invitation(person_id=user.pk)
            invitation_id = newest.pk if newest is not None else "none"
        digest = salted_hmac(
            self.key_salt,
            f"{self._make_hash_value(user, timestamp)}:{invitation_id}",
            secret=secret,
            algorithm=self.algorithm,
        ).hexdigest()[::2]
        return f"{int_to_base36(timestamp)}-{digest}"


password_reset_token = _PasswordResetToken()
invitation_token = _InvitationToken()
