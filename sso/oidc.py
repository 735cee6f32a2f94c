"""OpenID Connect with Microsoft Entra ID, built on mozilla-django-oidc.

mozilla-django-oidc supplies the code exchange, PKCE, state and nonce handling. It falls
short for a multi-tenant Entra app, so the subclass here adds what it does not do:

- endpoints come from the `organizations` discovery document instead of fixed settings;
- the signing key comes from a cached JWKS that is refetched when an unknown `kid` appears;
- `aud` must equal our client id (the base class skips the audience check);
- `tid` must be a GUID and `iss` must equal `<authority>/<tid>/v2.0`: the discovery issuer is a
  template (`{tenantid}`), so any tenant's token would otherwise pass;
- claims come from the ID token, because Entra's UserInfo response has no `tid` or `oid`.
"""

import re
from dataclasses import asdict, dataclass
from typing import Any

import jwt
import requests
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts.models import User
from sso.config import MicrosoftApp, callback_url
from sso.metadata import HTTP_TIMEOUT_SECONDS, ProviderMetadata, jwks_cache
from sso.refusals import Refusal, SignInRefused

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# Microsoft advises tolerating a few minutes of clock skew between its servers and ours.
CLOCK_SKEW_SECONDS = 120
SIGNING_ALGORITHM = "RS256"

# mozilla-django-oidc reads its options from Django settings; these are fixed for Microsoft,
# so they live here instead of in looop/settings.py.
OIDC_OPTIONS: dict[str, Any] = {
    "OIDC_RP_SIGN_ALGO": SIGNING_ALGORITHM,
    "OIDC_RP_SCOPES": "openid profile email",
    "OIDC_USE_NONCE": True,
    "OIDC_USE_PKCE": True,
    "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
    "OIDC_PKCE_CODE_VERIFIER_SIZE": 64,
    "OIDC_STATE_SIZE": 32,
    "OIDC_NONCE_SIZE": 32,
    "OIDC_MAX_STATES": 20,
    "OIDC_ALLOW_UNSECURED_JWT": False,
    "OIDC_TOKEN_USE_BASIC_AUTH": False,
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
    "OIDC_VERIFY_SSL": True,
    "OIDC_TIMEOUT": HTTP_TIMEOUT_SECONDS,
    "OIDC_PROXY": None,
}


def oidc_option(attr: str, *args: Any) -> Any:
    """The `get_settings` of our mozilla-django-oidc subclasses."""
    if attr in OIDC_OPTIONS:
        return OIDC_OPTIONS[attr]
    return import_from_settings(attr, *args)


def is_guid(value: object) -> bool:
    return isinstance(value, str) and bool(GUID.match(value))


def _flag(value: object) -> bool:
    # Entra sends optional boolean claims as JSON true; some tenants send "true" or "1".
    return value is True or (isinstance(value, str) and value.strip().lower() in {"true", "1"})


@dataclass(frozen=True)
class MicrosoftIdentity:
    """Who Microsoft says signed in. `(tid, oid)` is the identity; the rest only helps linking."""

    tid: str
    oid: str
    preferred_username: str = ""
    email: str = ""
    email_domain_verified: bool = False  # the `xms_edov` claim
    name: str = ""
    given_name: str = ""
    family_name: str = ""

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "MicrosoftIdentity":
        def text(key: str) -> str:
            value = claims.get(key)
            return value.strip() if isinstance(value, str) else ""

        return cls(
            tid=str(claims["tid"]).lower(),
            oid=str(claims["oid"]).lower(),
            preferred_username=text("preferred_username"),
            email=text("email"),
            email_domain_verified=_flag(claims.get("xms_edov")),
            name=text("name"),
            given_name=text("given_name"),
            family_name=text("family_name"),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MicrosoftIdentity":
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MicrosoftTokenVerifier(OIDCAuthenticationBackend):
    """Exchanges an authorization code and verifies the ID token like Microsoft requires.

    Used as a verifier on the public host, never as an authentication backend: the person
    is logged in later, on the organisation's host, by the hand-off ticket.
    """

    get_settings = staticmethod(oidc_option)

    def __init__(self, *, app: MicrosoftApp, metadata: ProviderMetadata) -> None:
        # The base __init__ insists on fixed endpoint settings; ours come from discovery.
        self.app = app
        self.OIDC_OP_TOKEN_ENDPOINT = metadata.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = None
        self.OIDC_OP_JWKS_ENDPOINT = metadata.jwks_uri
        self.OIDC_RP_CLIENT_ID = app.client_id
        self.OIDC_RP_CLIENT_SECRET = app.client_secret
        self.OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> None:
        return None

    def retrieve_matching_jwk(self, token: str) -> jwt.PyJWK:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SignInRefused(Refusal.MALFORMED_TOKEN, error=str(exc)) from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise SignInRefused(Refusal.MALFORMED_TOKEN, error="no kid in the token header")
        return jwks_cache.key(self.OIDC_OP_JWKS_ENDPOINT, kid)

    def _verify_jws(self, payload: str, key: jwt.PyJWK) -> dict[str, Any]:
        """Signature, lifetime and audience (PyJWT), then Microsoft's tenant and issuer rules."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != SIGNING_ALGORITHM:
            # Refuse "none", HS256 with a public key as secret, and every other surprise.
            raise SignInRefused(Refusal.BAD_SIGNATURE, error=f"alg {header.get('alg')!r}")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[SIGNING_ALGORITHM],
                audience=self.OIDC_RP_CLIENT_ID,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "tid", "oid"]},
            )
        except jwt.InvalidSignatureError as exc:
            raise SignInRefused(Refusal.BAD_SIGNATURE) from exc
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError) as exc:
            raise SignInRefused(Refusal.EXPIRED_TOKEN, error=str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise SignInRefused(Refusal.BAD_AUDIENCE, error=str(exc)) from exc
        except jwt.PyJWTError as exc:
            raise SignInRefused(Refusal.MALFORMED_TOKEN, error=str(exc)) from exc
        # PyJWT accepts our id anywhere in a list of audiences; we accept only ourselves.
        if claims["aud"] != self.OIDC_RP_CLIENT_ID and claims["aud"] != [self.OIDC_RP_CLIENT_ID]:
            raise SignInRefused(Refusal.BAD_AUDIENCE, error="several audiences")
        tid = claims["tid"]
        if not is_guid(tid):
            raise SignInRefused(Refusal.BAD_TENANT_ID, tid=str(tid)[:64])
        if claims["iss"] != self.app.issuer_for(tid):
            raise SignInRefused(Refusal.BAD_ISSUER, tid=tid, iss=str(claims["iss"])[:200])
        if not is_guid(claims["oid"]):
            raise SignInRefused(Refusal.MALFORMED_TOKEN, tid=tid, error="oid is not a GUID")
        return claims

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise SignInRefused(Refusal.MALFORMED_TOKEN, error="no id_token in the response")
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:  # the base class's nonce comparison
            raise SignInRefused(Refusal.NONCE_MISMATCH) from exc

    def identity_from_code(self, *, code: str, code_verifier: str, nonce: str) -> MicrosoftIdentity:
        """Redeem the code (with the PKCE verifier) and verify the ID token it returns."""
        try:
            token_info = self.get_token(
                {
                    "client_id": self.OIDC_RP_CLIENT_ID,
                    "client_secret": self.OIDC_RP_CLIENT_SECRET,
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": callback_url(),
                    "code_verifier": code_verifier,
                }
            )
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise SignInRefused(Refusal.PROVIDER_ERROR, token_status=status) from exc
        except (requests.RequestException, ValueError) as exc:
            raise SignInRefused(Refusal.PROVIDER_UNAVAILABLE, error=type(exc).__name__) from exc
        claims = self.verify_token(token_info.get("id_token"), nonce=nonce)
        return MicrosoftIdentity.from_claims(claims)
