"""After sign-up: the new admin arrives signed in on their organisation's host.

Sign-up runs on the public host; the admin's session must live on the organisation's host
(sessions are per host and per schema). The public host sends the browser there with a
signed ticket that names the organisation and the admin, lives 60 seconds and is accepted
once. It is also bound to this browser: the public host sets a random cookie for the base
domain (so the organisation's host receives it) and the ticket carries its SHA-256. A
ticket sent to someone else's browser therefore signs nobody in there (login CSRF).
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from accounts.models import User

WELCOME_PATH = "/welcome"
SALT = "looop.signup.welcome"
TICKET_SECONDS = 60
COOKIE = "looop_welcome"
BACKEND = "accounts.backends.EmailPasswordBackend"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def welcome_ticket(*, response: HttpResponse, slug: str, user: User) -> str:
    """A ticket for `user` of organisation `slug`, and its binding cookie on `response`."""
    binding = secrets.token_urlsafe(32)
    response.set_cookie(
        COOKIE, binding, max_age=TICKET_SECONDS, path=WELCOME_PATH,
        domain=settings.BASE_DOMAIN, secure=settings.SESSION_COOKIE_SECURE, httponly=True,
        samesite="Lax",  # sent on the top-level redirect to the organisation's host
    )  # fmt: skip
    data = {"org": slug, "user": str(user.pk), "jti": uuid.uuid4().hex, "bind": _hash(binding)}
    return signing.dumps(data, salt=SALT, compress=True)


def welcome_user(*, request: HttpRequest, ticket: str) -> User | None:
    """The admin a ticket signs in on this host, or None when it is not good here and now:
    bad or expired signature, another organisation, another browser, already used, or an
    admin who is no longer an active admin."""
    if len(ticket) > 1000:
        return None
    try:
        data = signing.loads(ticket, salt=SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("org") != request.tenant.schema_name:
        return None
    cookie = request.COOKIES.get(COOKIE, "")
    if not cookie or not secrets.compare_digest(_hash(cookie), str(data.get("bind", ""))):
        return None
    # Single use: the shared cache holds the ticket's id for as long as it could be valid.
    if not cache.add(f"signup-welcome:{data.get('jti')}", 1, TICKET_SECONDS + 5):
        return None
    user = User.objects.filter(pk=data.get("user"), deleted_at__isnull=True).first()
    if user is None or not user.is_active or not user.is_admin:
        return None
    return user


def welcome_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path=WELCOME_PATH, domain=settings.BASE_DOMAIN, samesite="Lax")
