"""What Looop says when Microsoft answers with an error: fixed text per error code.

The callback's `error_description` comes from the query string, which anyone can write into
a link to Looop's own host, so it is never shown (only logged, shortened). The `error` code
picks one of these sentences; a code we don't know gets the general one.
"""

from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True)
class ProviderError:
    code: str  # a known OAuth 2.0 / Entra error code, or "other"
    text: str


# RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6 error codes, and the ones Entra adds.
TEXTS: dict[str, str] = {
    "access_denied": "The request was declined or cancelled at Microsoft.",
    "consent_required": "Consent to Looop's permissions is needed and was not given.",
    "interaction_required": "Microsoft needs you to sign in again or to answer a prompt.",
    "login_required": "Microsoft needs you to sign in again.",
    "account_selection_required": "Microsoft needs you to choose an account.",
    "invalid_request": "Microsoft refused the request as malformed.",
    "invalid_scope": "Microsoft refused the permissions Looop asked for.",
    "unauthorized_client": "Microsoft doesn't allow Looop to make this request.",
    "unsupported_response_type": "Microsoft refused the kind of answer Looop asked for.",
    "invalid_client": "Microsoft didn't recognise Looop's app registration.",
    "server_error": "Microsoft had an internal error. Try again in a few minutes.",
    "temporarily_unavailable": "Microsoft is busy or unavailable. Try again in a few minutes.",
}
GENERAL = "Microsoft reported a problem it didn't name."


def provider_error(code: str | None) -> ProviderError:
    """The fixed text for Microsoft's `error` parameter (whatever else it sent)."""
    code = (code or "").strip()
    if code in TEXTS:
        return ProviderError(code=code, text=TEXTS[code])
    return ProviderError(code=OTHER, text=GENERAL)
