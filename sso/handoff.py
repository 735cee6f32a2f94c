"""The trip between an organisation's host and the public host, and the ticket that ends it.

Entra accepts one registered redirect URI, so every organisation shares the public host's
callback. The organisation host starts a flow by sending the browser to the public host with
a signed *start request* (the organisation, the intent, and the SHA-256 of a random cookie it
set on its own host). After the callback has verified the ID token, the public host stores a
*hand-off ticket* in the organisation's schema and sends the browser back with a signed
reference to it. The organisation host accepts the ticket once, within 60 seconds, and only
from the browser holding the cookie: that cookie check is what stops login CSRF (someone
making your browser finish *their* sign-in).
"""

import hashlib
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_tenants.utils import schema_context

from sso.models import HandoffTicket
from sso.oidc import MicrosoftIdentity
from sso.refusals import Refusal, SignInRefused

# The public host's start page and the organisation host's landing page for the ticket.
LOGIN_PATH = "/sso/microsoft/login"
COMPLETE_PATH = "/sso/microsoft/complete"
BINDING_COOKIE = "looop_sso_binding"
BINDING_COOKIE_PATH = "/sso/microsoft/"
BINDING_COOKIE_SECONDS = 15 * 60  # long enough to type a password and approve MFA
START_SALT = "looop.sso.start"
START_SECONDS = 10 * 60
TICKET_SALT = "looop.sso.handoff"
TICKET_SECONDS = 60
TICKET_RETENTION = timedelta(days=1)  # consumed and expired tickets are kept this long


def binding_hash(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def binding_cookie_value(request: HttpRequest) -> str:
    """Reuse this browser's cookie if it has one, so two tabs signing in don't undo each other."""
    existing = request.COOKIES.get(BINDING_COOKIE, "")
    if 32 <= len(existing) <= 128:
        return existing
    return secrets.token_urlsafe(32)


def binding_cookie_set(response: HttpResponse, value: str) -> None:
    response.set_cookie(
        BINDING_COOKIE,
        value,
        max_age=BINDING_COOKIE_SECONDS,
        path=BINDING_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",  # sent on the top-level redirect back from the public host
    )


def binding_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(BINDING_COOKIE, path=BINDING_COOKIE_PATH, samesite="Lax")


@dataclass(frozen=True)
class FlowStart:
    """What the organisation host asks the public host to do."""

    organisation: str
    intent: str  # a HandoffTicket.Intent value
    binding_hash: str
    next_path: str = ""
    actor_id: str = ""  # for a connect: the admin who pressed Connect

    def sign(self) -> str:
        return signing.dumps(asdict(self), salt=START_SALT, compress=True)

    @classmethod
    def load(cls, value: str) -> "FlowStart":
        try:
            data = signing.loads(value, salt=START_SALT, max_age=START_SECONDS)
            start = cls(**data)
        except signing.SignatureExpired as exc:
            raise SignInRefused(Refusal.STATE_MISMATCH, error="start request expired") from exc
        except (signing.BadSignature, TypeError) as exc:
            raise SignInRefused(Refusal.STATE_MISMATCH, error="bad start request") from exc
        if start.intent not in HandoffTicket.Intent.values or len(start.binding_hash) != 64:
            raise SignInRefused(Refusal.STATE_MISMATCH, error="bad start request")
        return start


def tickets_prune() -> int:
    """Delete the current organisation's tickets that expired over TICKET_RETENTION ago."""
    deleted, _ = HandoffTicket.objects.filter(
        expires_at__lt=timezone.now() - TICKET_RETENTION
    ).delete()
    return deleted


def ticket_issue(*, start: FlowStart, identity: MicrosoftIdentity) -> str:
    """Store the verified sign-in in the organisation's schema; return the signed reference."""
    now = timezone.now()
    with schema_context(start.organisation):
        HandoffTicket.objects.filter(expires_at__lt=now - TICKET_RETENTION).delete()
        ticket = HandoffTicket.objects.create(
            intent=start.intent,
            binding_hash=start.binding_hash,
            actor_id=uuid.UUID(start.actor_id) if start.actor_id else None,
            claims=identity.as_dict(),
            next_path=start.next_path,
            issued_at=now,
            expires_at=now + timedelta(seconds=TICKET_SECONDS),
        )
    return signing.dumps({"org": start.organisation, "id": str(ticket.id)}, salt=TICKET_SALT)


def ticket_consume(*, value: str, organisation: str, binding_cookie: str | None) -> HandoffTicket:
    """Accept a ticket once, on the host of its organisation, in the browser that started.

    Runs in the organisation host's schema. The conditional UPDATE is atomic: of two requests
    racing with the same ticket, exactly one sees a row count of 1.
    """
    try:
        data = signing.loads(value, salt=TICKET_SALT, max_age=TICKET_SECONDS)
        ticket_id = uuid.UUID(data["id"])
        ticket_organisation = str(data["org"])
    except signing.SignatureExpired as exc:
        raise SignInRefused(Refusal.TICKET_EXPIRED) from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise SignInRefused(Refusal.TICKET_INVALID) from exc
    if ticket_organisation != organisation:
        raise SignInRefused(Refusal.TICKET_OTHER_ORGANISATION, ticket_for=ticket_organisation)

    now = timezone.now()
    won = HandoffTicket.objects.filter(
        pk=ticket_id, consumed_at__isnull=True, expires_at__gt=now
    ).update(consumed_at=now)
    ticket = HandoffTicket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise SignInRefused(Refusal.TICKET_INVALID, ticket=str(ticket_id))
    if won != 1:
        refusal = Refusal.TICKET_USED if ticket.consumed_at else Refusal.TICKET_EXPIRED
        raise SignInRefused(refusal, ticket=str(ticket_id))
    # Checked after consuming: a ticket shown without its cookie is burnt, never reusable.
    if not binding_cookie or not constant_time_compare(
        binding_hash(binding_cookie), ticket.binding_hash
    ):
        raise SignInRefused(Refusal.TICKET_COOKIE_MISMATCH, ticket=str(ticket_id))
    return ticket


def ticket_identity(ticket: HandoffTicket) -> MicrosoftIdentity:
    return MicrosoftIdentity.from_dict(ticket.claims)
