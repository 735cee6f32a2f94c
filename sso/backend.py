"""The authentication backend that sessions started by Sign in with Microsoft point to."""

from typing import Any

from django.http import HttpRequest

from accounts.backends import SessionUserBackend
from accounts.models import User


class MicrosoftBackend(SessionUserBackend):
    """Loads the user of a session that began with a Microsoft hand-off ticket.

    It never checks credentials itself: the hand-off view validates the ticket and the
    identity rules in `sso.services` decide the user, then it calls `login()` with this
    backend so that later requests load the user through `get_user`: the same one plain
    statement as password sessions, refusing users that are deactivated or deleted.
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        return None
