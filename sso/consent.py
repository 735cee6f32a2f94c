"""The admin-consent link: a Global Administrator grants Looop's permissions for everyone.

Consent is not a connection. Microsoft's answer names a `tenant`, but that parameter is
never trusted for binding (anyone can type it); only a verified ID token binds a tenant.
The link can be forwarded to another person, so its state is signed rather than kept in a
session, and it carries only the organisation, for the way back.
"""

from urllib.parse import urlencode

from django.core import signing

from sso.config import ADMIN_CONSENT_SCOPE, callback_url, microsoft_app

CONSENT_SALT = "looop.sso.admin-consent"
CONSENT_SECONDS = 30 * 24 * 3600
STATE_PREFIX = "consent:"


def admin_consent_url(*, organisation: str) -> str:
    app = microsoft_app()
    state = STATE_PREFIX + signing.dumps({"org": organisation}, salt=CONSENT_SALT)
    query = urlencode(
        {
            "client_id": app.client_id,
            "scope": ADMIN_CONSENT_SCOPE,
            "redirect_uri": callback_url(),
            "state": state,
        }
    )
    return f"{app.admin_consent_endpoint}?{query}"


def admin_consent_organisation(state: str) -> str | None:
    """The organisation an admin-consent answer is for, or None if `state` isn't one of ours."""
    if not state.startswith(STATE_PREFIX):
        return None
    try:
        data = signing.loads(
            state.removeprefix(STATE_PREFIX), salt=CONSENT_SALT, max_age=CONSENT_SECONDS
        )
        return str(data["org"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
