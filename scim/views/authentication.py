"""Bearer-token authentication for /scim/v2, as DRF authentication and permission classes.

RFC 6750: `Authorization: Bearer <token>`, checked against this host's organisation only
(the routing middleware has set its schema). `request.auth` is the ScimToken; there is no
Django user behind a token, so `request.user` stays None.
"""

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from scim.models import ScimToken
from scim.services import token_authenticate

MISSING = "Authentication required: send 'Authorization: Bearer <token>'."
MALFORMED = "Malformed Authorization header: expected 'Bearer <token>'."
REFUSED = "The token is invalid, revoked or expired."


class ScimTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[None, ScimToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # HasScimToken then answers 401 with MISSING
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationFailed(MALFORMED)
        token = token_authenticate(secret.strip())
        if token is None:
            raise AuthenticationFailed(REFUSED)
        return None, token

    def authenticate_header(self, request: Request) -> str:
        """The WWW-Authenticate challenge of a 401 (RFC 6750 §3)."""
        challenge = 'Bearer realm="SCIM"'
        if "HTTP_AUTHORIZATION" in request.META:
            challenge += ', error="invalid_token"'
        return challenge


class HasScimToken(BasePermission):
    """Every SCIM endpoint, discovery included, needs a token (Entra always sends it)."""

    message = MISSING

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ScimToken)
