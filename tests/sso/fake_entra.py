"""A tiny HTTP server on loopback shaped like Entra's `organizations` endpoints, for unit tests.

It serves the discovery document, the JWKS and a token endpoint. Tests choose the ID token
the token endpoint returns, signed with RSA keys generated here, so every claim check can
be exercised with a real signature over real HTTP.
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "3f0b8c1e-5a4d-4c2b-9e7f-6a1d2c3b4e5f"
CLIENT_SECRET = "test-client-secret"
CONTOSO = "0c6a1f5e-7d52-4b8e-9a55-3f7a2b1c4d01"
FABRIKAM = "a3d9e2b4-51c7-4f0e-8b6d-9e4f2c7a1b02"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str) -> "SigningKey":
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig"}


@dataclass
class FakeEntra:
    port: int = 0
    keys: list[SigningKey] = field(default_factory=list)  # published in the JWKS
    id_token: str = ""  # what the token endpoint returns next
    token_status: int = 200
    token_requests: list[dict[str, str]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.id_token = ""
        self.token_status = 200
        self.token_requests.clear()
        self.hits.clear()

    def discovery(self) -> dict[str, Any]:
        base = f"{self.url}/organizations"
        return {
            "issuer": f"{self.url}/{{tenantid}}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def claims(self, *, tid: str, oid: str, nonce: str, **overrides: Any) -> dict[str, Any]:
        """Valid Microsoft v2.0 ID token claims; override any of them."""
        now = int(time.time())
        claims = {
            "ver": "2.0",
            "iss": f"{self.url}/{tid}/v2.0",
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "tid": tid,
            "oid": oid,
            "sub": f"pairwise-{oid[:8]}",
            "nonce": nonce,
            "name": "Test Person",
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def sign(
        self, claims: dict[str, Any], *, key: SigningKey | None = None, kid: str | None = None
    ) -> str:
        key = key or self.keys[0]
        return jwt.encode(
            claims, key.private, algorithm="RS256", headers={"kid": kid or key.kid, "typ": "JWT"}
        )


def _handler(fake: FakeEntra) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.hits[self.path] = fake.hits.get(self.path, 0) + 1
            if self.path == "/organizations/v2.0/.well-known/openid-configuration":
                self._json(200, fake.discovery())
            elif self.path == "/organizations/discovery/v2.0/keys":
                self._json(200, {"keys": [key.public_jwk() for key in fake.keys]})
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            fake.hits[self.path] = fake.hits.get(self.path, 0) + 1
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path != "/organizations/oauth2/v2.0/token":
                self._json(404, {"error": "not_found"})
                return
            fake.token_requests.append(form)
            if fake.token_status != 200:
                self._json(fake.token_status, {"error": "invalid_grant"})
                return
            self._json(
                200,
                {
                    "token_type": "Bearer",
                    "access_token": "opaque-access-token",
                    "expires_in": 3600,
                    "id_token": fake.id_token,
                },
            )

    return Handler


def fake_entra_serve() -> Iterator[FakeEntra]:
    """Run the fake on a free loopback port for as long as the generator is open."""
    fake = FakeEntra(keys=[SigningKey.generate(f"key-{uuid.uuid4().hex[:8]}")])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
