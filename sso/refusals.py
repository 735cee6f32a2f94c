"""Why a Microsoft sign-in was refused: one code per reason, with what the person is told.

Every refusal renders the same page (`sso/refused.html`), creates and binds nothing, and is
logged on the `looop.sso` logger with its code, so support can match a page to a log line.
"""

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

logger = logging.getLogger("looop.sso")


class Refusal(StrEnum):
    # Configuration and the organisation
    NOT_CONFIGURED = "not_configured"
    UNKNOWN_ORGANISATION = "unknown_organisation"
    MICROSOFT_OFF = "microsoft_off"
    # The protocol: state, the provider, the ID token
    STATE_MISMATCH = "state_mismatch"
    PROVIDER_ERROR = "provider_error"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    MALFORMED_TOKEN = "malformed_token"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED_TOKEN = "expired_token"
    BAD_AUDIENCE = "bad_audience"
    BAD_TENANT_ID = "bad_tenant_id"
    BAD_ISSUER = "bad_issuer"
    NONCE_MISMATCH = "nonce_mismatch"
    # The hand-off ticket
    TICKET_INVALID = "ticket_invalid"
    TICKET_EXPIRED = "ticket_expired"
    TICKET_OTHER_ORGANISATION = "ticket_other_organisation"
    TICKET_USED = "ticket_used"
    TICKET_COOKIE_MISMATCH = "ticket_cookie_mismatch"
    # Identity rules
    OTHER_TENANT = "other_tenant"
    NOT_CONNECTED = "not_connected"
    DEACTIVATED = "deactivated"
    DELETED = "deleted"
    UNKNOWN_USER = "unknown_user"
    AMBIGUOUS = "ambiguous"
    ADMIN_NOT_LINKED = "admin_not_linked"
    USER_NAME_TAKEN = "user_name_taken"
    # Connecting the organisation's tenant
    NOT_ADMIN = "not_admin"
    ALREADY_CONNECTED = "already_connected"
    IDENTITY_TAKEN = "identity_taken"


@dataclass(frozen=True)
class RefusalText:
    title: str
    message: str
    status: int


_TOKEN_PROBLEM = "Microsoft's answer could not be verified, so you were not signed in."
TEXTS: dict[Refusal, RefusalText] = {
    Refusal.NOT_CONFIGURED: RefusalText(
        "Sign in with Microsoft isn't set up",
        "This Looop server has no Microsoft app registration configured. "
        "Sign in with your email and password instead.",
        503,
    ),
    Refusal.UNKNOWN_ORGANISATION: RefusalText(
        "We can't find that organisation",
        "The sign-in was started for an organisation that doesn't exist on Looop.",
        404,
    ),
    Refusal.MICROSOFT_OFF: RefusalText(
        "Sign in with Microsoft is switched off",
        "An admin of this organisation has switched off Sign in with Microsoft. "
        "Sign in with your email and password, or ask an admin to switch it on.",
        403,
    ),
    Refusal.STATE_MISMATCH: RefusalText(
        "This sign-in can't be completed",
        "The answer from Microsoft doesn't belong to a sign-in started in this browser, "
        "or it was already used. Start again from your organisation's sign-in page.",
        400,
    ),
    Refusal.PROVIDER_ERROR: RefusalText(
        "Microsoft did not sign you in",
        "Microsoft reported a problem or the request was cancelled.",
        403,
    ),
    Refusal.PROVIDER_UNAVAILABLE: RefusalText(
        "Microsoft can't be reached",
        "Looop couldn't talk to Microsoft to finish signing you in. Try again in a minute.",
        502,
    ),
    Refusal.MALFORMED_TOKEN: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token was malformed or lacked a required claim.",
        400,
    ),
    Refusal.BAD_SIGNATURE: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token's signature is not valid.",
        400,
    ),
    Refusal.EXPIRED_TOKEN: RefusalText(
        "This sign-in has expired",
        f"{_TOKEN_PROBLEM} The ID token is expired or not valid yet. Start again.",
        400,
    ),
    Refusal.BAD_AUDIENCE: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token was issued for a different application.",
        400,
    ),
    Refusal.BAD_TENANT_ID: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token's tenant id is not a valid directory id.",
        400,
    ),
    Refusal.BAD_ISSUER: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token was not issued by the Microsoft directory it names.",
        400,
    ),
    Refusal.NONCE_MISMATCH: RefusalText(
        "This sign-in can't be verified",
        f"{_TOKEN_PROBLEM} The ID token doesn't belong to this sign-in attempt.",
        400,
    ),
    Refusal.TICKET_INVALID: RefusalText(
        "This sign-in link is not valid",
        "The link that brought you back from Microsoft is damaged. Start again.",
        400,
    ),
    Refusal.TICKET_EXPIRED: RefusalText(
        "This sign-in link has expired",
        "The link that brought you back from Microsoft is valid for one minute. Start again.",
        400,
    ),
    Refusal.TICKET_OTHER_ORGANISATION: RefusalText(
        "This sign-in link is for another organisation",
        "The link that brought you back from Microsoft was issued for a different "
        "organisation. Start again from this organisation's sign-in page.",
        400,
    ),
    Refusal.TICKET_USED: RefusalText(
        "This sign-in link was already used",
        "Each link back from Microsoft works once. Start again from the sign-in page.",
        400,
    ),
    Refusal.TICKET_COOKIE_MISMATCH: RefusalText(
        "This sign-in was started in another browser",
        "For your safety, a sign-in must finish in the browser that started it. "
        "Start again from the sign-in page.",
        400,
    ),
    Refusal.OTHER_TENANT: RefusalText(
        "This Microsoft account belongs to another directory",
        "This organisation accepts Microsoft accounts from its own Entra ID directory only. "
        "Sign in with your work account for this organisation.",
        403,
    ),
    Refusal.NOT_CONNECTED: RefusalText(
        "This organisation isn't connected to Microsoft yet",
        "Until an admin connects the organisation's Entra ID directory, nobody can sign in "
        "with Microsoft here, except the admin who just switched Microsoft on, in the same "
        "browser, with their own Microsoft account: that sign-in connects it. "
        "Nothing was connected.",
        403,
    ),
    Refusal.DEACTIVATED: RefusalText(
        "Your account is deactivated",
        "Your Looop account in this organisation is deactivated. Ask an admin if you need access.",
        403,
    ),
    Refusal.DELETED: RefusalText(
        "Your account was removed",
        "Your Looop account in this organisation was removed. Ask an admin if you need access.",
        403,
    ),
    Refusal.UNKNOWN_USER: RefusalText(
        "You don't have a Looop account here yet",
        "No account in this organisation matches your Microsoft account. Ask an admin to "
        "give you access to Looop in Microsoft Entra ID.",
        403,
    ),
    Refusal.AMBIGUOUS: RefusalText(
        "More than one account matches",
        "Several accounts in this organisation match your Microsoft account, so Looop can't "
        "tell which one is yours. Ask an admin to sort out the duplicates.",
        403,
    ),
    Refusal.ADMIN_NOT_LINKED: RefusalText(
        "Link your Microsoft account first",
        "Your account here is an admin's, and an admin's Microsoft account is linked only by "
        "that admin. Sign in with your email and password, then choose Link my Microsoft "
        "account on Account > Authentication.",
        403,
    ),
    Refusal.USER_NAME_TAKEN: RefusalText(
        "Your user name is already taken",
        "An account with your user name exists here but is linked to a different Microsoft "
        "account. Ask an admin to check it.",
        403,
    ),
    Refusal.NOT_ADMIN: RefusalText(
        "Only the admin who started can connect",
        "Connecting the organisation's Entra ID directory must finish in the session of the "
        "admin who pressed Connect. Sign in as an admin and try again.",
        403,
    ),
    Refusal.ALREADY_CONNECTED: RefusalText(
        "Already connected to another directory",
        "This organisation is connected to a different Entra ID directory. Disconnect it on "
        "Account > Authentication first.",
        409,
    ),
    Refusal.IDENTITY_TAKEN: RefusalText(
        "This Microsoft account is linked to someone else",
        "The Microsoft account you used is already linked to another person in this organisation.",
        409,
    ),
}


class SignInRefused(Exception):
    """Raised by the Microsoft sign-in code; the views turn it into the refusal page."""

    def __init__(self, refusal: Refusal, **detail: Any) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.detail = detail

    @property
    def text(self) -> RefusalText:
        return TEXTS[self.refusal]


def refusal_log(*, refused: SignInRefused, organisation: str | None, **context: Any) -> None:
    """One warning per refusal, with the code and what we knew (never a token or a secret)."""
    detail = {key: value for key, value in refused.detail.items() if key != "shown"}
    fields = {"organisation": organisation or "-", **context, **detail}
    logger.warning(
        "Microsoft sign-in refused: %s %s",
        refused.refusal.value,
        " ".join(f"{key}={value}" for key, value in fields.items() if value not in (None, "")),
    )
