"""A new token's secret, shown once after POST -> redirect -> GET.

The POST keeps the secret in the admin's session just long enough for the next page to
show it, and that page takes it out again: a reload shows no secret and does nothing twice
(resetting again would break a freshly configured Entra). The database keeps only the
secret's SHA-256.
"""

import time
from typing import Any

from django.http import HttpRequest

from scim.models import ScimToken
from scim.selectors import scim_token_get

NEW_SECRET_KEY = "scim_new_secret"  # session key
NEW_SECRET_SECONDS = 600  # a secret not picked up by then is dropped, not shown


def secret_keep(request: HttpRequest, token: ScimToken, secret: str) -> None:
    """Hold a new secret in the session for the one page that shows it."""
    request.session[NEW_SECRET_KEY] = {"token": token.pk, "secret": secret, "at": time.time()}


def secret_take(request: HttpRequest) -> dict[str, Any]:
    """The new token and its secret, once: taken out of the session as they are shown."""
    kept = request.session.pop(NEW_SECRET_KEY, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > NEW_SECRET_SECONDS:
        return {}
    token = scim_token_get(token_id=kept["token"])
    if token is None or token.revoked_at is not None:
        return {}
    return {"new_token": token, "new_secret": kept["secret"]}
