"""Fixtures for the Microsoft sign-in unit tests: a fake Entra on loopback and flow helpers."""

import base64
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Organisation, User
from accounts.services import user_create
from sso.metadata import discovery_cache, jwks_cache
from tests.conftest import host_client
from tests.sso.fake_entra import CLIENT_ID, CLIENT_SECRET, CONTOSO, FakeEntra, fake_entra_serve


@pytest.fixture(scope="session")
def _fake_entra_server() -> Iterator[FakeEntra]:
    yield from fake_entra_serve()


@pytest.fixture
def fake_entra(_fake_entra_server: FakeEntra, settings) -> Iterator[FakeEntra]:
    """Microsoft settings pointing at the fake, with empty caches."""
    settings.MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.MICROSOFT_CLIENT_SECRET = CLIENT_SECRET
    settings.MICROSOFT_AUTHORITY = _fake_entra_server.url
    _fake_entra_server.reset()
    discovery_cache.clear()
    jwks_cache.clear()
    yield _fake_entra_server
    _fake_entra_server.keys[1:] = []  # tests that rotate keys leave only the first
    discovery_cache.clear()
    jwks_cache.clear()


def organisation_update(organisation: Organisation, **fields: object) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(**fields)
    organisation.refresh_from_db()
    return organisation


@pytest.fixture
def acme_microsoft(acme, fake_entra) -> Organisation:
    """Acme with Microsoft switched on and bound to the Contoso tenant."""
    return organisation_update(acme, microsoft_enabled=True, entra_tenant_id=CONTOSO)


def new_oid() -> str:
    return str(uuid.uuid4())


def person(slug: str, user_name: str, **fields: object) -> User:
    """A person in an organisation, as SCIM would provision them (no password)."""
    with schema_context(slug):
        return user_create(
            actor=SYSTEM,
            user_name=user_name,
            email=fields.pop("email", user_name),
            source="scim",
            **fields,
        )


def reload(slug: str, user: User) -> User:
    with schema_context(slug):
        return User.objects.get(pk=user.pk)


@dataclass
class Flow:
    """One browser's trip: its client on the organisation host and on the public host."""

    org: Client
    public: Client
    slug: str
    authorize: dict[str, str] | None = None

    def start(self, path: str = "/sso/microsoft/start", method: str = "get") -> HttpResponse:
        """Press the button on the organisation host, then follow to the public host."""
        response = getattr(self.org, method)(path)
        if response.status_code != 302:
            return response
        location = urlsplit(response["Location"])
        assert location.netloc.startswith("looop.localhost"), response["Location"]
        login = self.public.get(location.path, parse_qs(location.query))
        if login.status_code == 302:
            query = parse_qs(urlsplit(login["Location"]).query)
            self.authorize = {key: values[0] for key, values in query.items()}
        return login

    def callback(self, **params: str) -> HttpResponse:
        """Microsoft's redirect to the public host's callback (state taken from the start)."""
        assert self.authorize is not None, "start() first"
        query = {"code": "code-123", "state": self.authorize["state"], **params}
        return self.public.get("/sso/microsoft/callback", {k: v for k, v in query.items() if v})

    def complete(self, callback: HttpResponse) -> HttpResponse:
        """Follow the callback's redirect back to the organisation host."""
        assert callback.status_code == 302, callback.content.decode()[:500]
        location = urlsplit(callback["Location"])
        assert location.netloc.startswith(f"{self.slug}.looop.localhost"), callback["Location"]
        return self.org.get(location.path, parse_qs(location.query))

    def sign_in(self, fake: FakeEntra, **claims: object) -> HttpResponse:
        """The whole trip with an ID token carrying `claims` (tid and oid required)."""
        self.start()
        assert self.authorize is not None
        fake.id_token = fake.sign(fake.claims(nonce=self.authorize["nonce"], **claims))
        return self.complete(self.callback())


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.fixture
def flow(acme) -> Flow:
    return Flow(org=host_client("acme"), public=host_client(None), slug="acme")


def new_flow(slug: str) -> Flow:
    return Flow(org=host_client(slug), public=host_client(None), slug=slug)


def session_user_id(client: Client, slug: str) -> str | None:
    with schema_context(slug):
        return client.session.get("_auth_user_id")


def signed_in_flow(slug: str, user: User) -> Flow:
    """A browser already signed in to the organisation host as `user` (sessions are per schema)."""
    flow = new_flow(slug)
    with schema_context(slug):
        flow.org.force_login(user)
    return flow
