"""The seed flow's binding intent: which admin may bind the organisation's Entra tenant
by signing in with Microsoft, in which browser.

When an admin switches Microsoft on, their browser gets a signed, short-lived cookie naming
them and the organisation. While the organisation is not bound to a tenant, a "Sign in with
Microsoft" binds it only if it finishes in a browser holding that cookie and the Microsoft
identity matches that admin (sso.services.microsoft_sign_in). Nothing else binds on a first
sign-in, so a SCIM token (which can write any person's externalId) cannot.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.models import Organisation, User

COOKIE = "looop_sso_seed"
COOKIE_PATH = "/sso/microsoft/"  # sent to the hand-off landing page only
SECONDS = 30 * 60  # switch on, sign out, sign in with Microsoft: minutes, not days
_SALT = "looop.sso.seed-intent"


def seed_intent_set(response: HttpResponse, *, organisation: Organisation, admin: User) -> None:
    value = signing.dumps({"org": organisation.schema_name, "admin": str(admin.pk)}, salt=_SALT)
    response.set_cookie(
        COOKIE,
        value,
        max_age=SECONDS,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def seed_intent_admin_id(request: HttpRequest, *, organisation: Organisation) -> uuid.UUID | None:
    """The admin named by this browser's unexpired intent for `organisation`, else None."""
    value = request.COOKIES.get(COOKIE, "")
    if not value or len(value) > 500:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=SECONDS)
        if data["org"] != organisation.schema_name:
            return None
        return uuid.UUID(data["admin"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def seed_intent_clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Lax")
