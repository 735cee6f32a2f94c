"""How /api/v1 knows who is calling: a personal API token, or the browser session.

- `Authorization: Bearer looop_api_…` is checked against this host's organisation only
  (the routing middleware has set its schema). `request.user` is the token's owner and
  `request.auth` the ApiToken.
- Otherwise DRF's SessionAuthentication (set beside this class on api.views.base.ApiView):
  the console's session, with CSRF checked on unsafe methods.
"""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts.models import User
from api.models import ApiToken
from api.services import api_token_authenticate
from api.throttle import token_attempt_allowed, token_attempt_failed

MALFORMED = "Malformed Authorization header: expected 'Bearer looop_api_…'."
REFUSED = "The API token is invalid, expired or revoked, or its owner is deactivated."
THROTTLED = "Too many failed token attempts from your address; try again later."


class TooManyTokenFailures(exceptions.APIException):
    """429; `wait` becomes Retry-After (api.exceptions)."""

    status_code = 429
    default_detail = THROTTLED

    def __init__(self, wait: int) -> None:
        super().__init__()
        self.wait = wait


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # the session may still authenticate
        scheme, _, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise exceptions.AuthenticationFailed(MALFORMED)
        if not token_attempt_allowed(request._request):
            raise TooManyTokenFailures(wait=self.retry_after())
        token = api_token_authenticate(secret)
        if token is None:
            token_attempt_failed(request._request)
            raise exceptions.AuthenticationFailed(REFUSED)
        return token.user, token

    @staticmethod
    def retry_after() -> int:
        return settings.API_TOKEN_FAILURE_WINDOW_SECONDS

    def authenticate_header(self, request: Request) -> str:
        """The WWW-Authenticate challenge of a 401 (RFC 6750 §3)."""
        challenge = 'Bearer realm="Looop API"'
        if "HTTP_AUTHORIZATION" in request.META:
            challenge += ', error="invalid_token"'
        return challenge
