"""The Microsoft app registration, read from settings at call time (tests override them)."""

from dataclasses import dataclass

from django.conf import settings

from looop.urls_util import public_url

# The one redirect URI registered in Entra: the public host's callback.
CALLBACK_PATH = "/sso/microsoft/callback"
SCOPES = "openid profile email"


@dataclass(frozen=True)
class MicrosoftApp:
    client_id: str
    client_secret: str
    authority: str  # e.g. https://login.microsoftonline.com, without a trailing slash

    @property
    def discovery_url(self) -> str:
        # The multi-tenant ("organizations") metadata: any work or school account.
        return f"{self.authority}/organizations/v2.0/.well-known/openid-configuration"

    @property
    def admin_consent_endpoint(self) -> str:
        return f"{self.authority}/organizations/v2.0/adminconsent"

    def issuer_for(self, tid: str) -> str:
        """The only issuer accepted for a token of tenant `tid`."""
        return f"{self.authority}/{tid}/v2.0"


def microsoft_app() -> MicrosoftApp:
    return MicrosoftApp(
        client_id=settings.MICROSOFT_CLIENT_ID.strip(),
        client_secret=settings.MICROSOFT_CLIENT_SECRET.strip(),
        authority=(
            settings.MICROSOFT_AUTHORITY.strip() or "https://login.microsoftonline.com"
        ).rstrip("/"),
    )


def microsoft_missing_settings() -> list[str]:
    """The settings an operator still has to provide; empty when Microsoft is configured."""
    app = microsoft_app()
    missing = []
    if not app.client_id:
        missing.append("MICROSOFT_CLIENT_ID")
    if not app.client_secret:
        missing.append("MICROSOFT_CLIENT_SECRET")
    return missing


def microsoft_configured() -> bool:
    return not microsoft_missing_settings()


def callback_url() -> str:
    return public_url(CALLBACK_PATH)


# Admin consent asks for every permission configured on the app registration at once.
ADMIN_CONSENT_SCOPE = "https://graph.microsoft.com/.default"
