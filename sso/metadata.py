"""Microsoft's discovery document and signing keys, fetched over HTTPS and cached per process.

Both are the same for every organisation, so they are cached in memory by URL rather than in
the tenant-aware Django cache. The key set is fetched again when a token names a key id we
have not seen (Microsoft rotates its keys), at most once per `min_refresh_seconds`.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from sso.refusals import Refusal, SignInRefused

HTTP_TIMEOUT_SECONDS = 10


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        error = type(exc).__name__
        raise SignInRefused(Refusal.PROVIDER_UNAVAILABLE, url=url, error=error) from exc
    if not isinstance(document, dict):
        raise SignInRefused(Refusal.PROVIDER_UNAVAILABLE, url=url, error="not a JSON object")
    return document


@dataclass(frozen=True)
class ProviderMetadata:
    issuer_template: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str

    @classmethod
    def from_document(cls, document: dict[str, Any], url: str) -> "ProviderMetadata":
        try:
            return cls(
                issuer_template=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                end_session_endpoint=str(document.get("end_session_endpoint") or ""),
            )
        except KeyError as exc:
            raise SignInRefused(
                Refusal.PROVIDER_UNAVAILABLE, url=url, error=f"discovery lacks {exc}"
            ) from exc


class DiscoveryCache:
    """The discovery document of each authority, kept for `max_age_seconds`."""

    def __init__(self, max_age_seconds: float = 24 * 3600) -> None:
        self.max_age_seconds = max_age_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, ProviderMetadata]] = {}

    def get(self, url: str) -> ProviderMetadata:
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None and time.monotonic() - entry[0] < self.max_age_seconds:
                return entry[1]
            metadata = ProviderMetadata.from_document(_get_json(url), url)
            self._entries[url] = (time.monotonic(), metadata)
            return metadata

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class JwksCache:
    """Signing keys by key id for each JWKS URL, refreshed when an unknown key id appears."""

    def __init__(self, max_age_seconds: float = 24 * 3600, min_refresh_seconds: float = 5) -> None:
        self.max_age_seconds = max_age_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict[str, jwt.PyJWK]]] = {}
        self.fetches = 0  # how many times a key set was downloaded (tests read it)

    def _fetch(self, url: str) -> dict[str, jwt.PyJWK]:
        document = _get_json(url)
        self.fetches += 1
        keys: dict[str, jwt.PyJWK] = {}
        for data in document.get("keys", []):
            if not isinstance(data, dict) or data.get("kty") != "RSA" or "kid" not in data:
                continue
            if data.get("use", "sig") != "sig" or data.get("alg", "RS256") != "RS256":
                continue
            try:
                keys[str(data["kid"])] = jwt.PyJWK(data, algorithm="RS256")
            except jwt.PyJWTError:
                continue  # one unusable key must not hide the others
        self._entries[url] = (time.monotonic(), keys)
        return keys

    def key(self, url: str, kid: str) -> jwt.PyJWK:
        with self._lock:
            entry = self._entries.get(url)
            age = time.monotonic() - entry[0] if entry else None
            if entry is None or age is None or age >= self.max_age_seconds:
                keys = self._fetch(url)
            else:
                keys = entry[1]
                if kid not in keys and age >= self.min_refresh_seconds:
                    keys = self._fetch(url)  # a key we have not seen: Microsoft rotated
            if kid not in keys:
                raise SignInRefused(Refusal.BAD_SIGNATURE, kid=kid, error="unknown signing key")
            return keys[kid]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.fetches = 0


discovery_cache = DiscoveryCache()
jwks_cache = JwksCache()
