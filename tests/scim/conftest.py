"""SCIM API fixtures: a bearer token per organisation and a client that speaks SCIM JSON."""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from accounts.services import organisation_create, organisation_host
from scim.services import token_create
from tests.conftest import test_database_url

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class ScimClient:
    """A test client for one organisation's /scim/v2 with a bearer token."""

    def __init__(self, slug: str, token: str | None) -> None:
        self.slug = slug
        self.base = f"http://{organisation_host(slug)}/scim/v2"
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        self.client = Client(HTTP_HOST=organisation_host(slug), **headers)

    def request(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        kwargs: dict[str, Any] = {"content_type": SCIM_JSON} if data is not None else {}
        return getattr(self.client, method.lower())(f"/scim/v2{path}", data, **kwargs, **extra)

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(f"/scim/v2{path}", **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("POST", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PUT", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self.request("PATCH", path, body, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self.client.delete(f"/scim/v2{path}", **extra)


def eventually(check: Callable[[], bool], seconds: float = 5) -> None:
    """Wait for what another thread, process or session does in its own time."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def other_session() -> psycopg.Connection:
    """A database connection of its own, as another server process would have."""
    url = test_database_url().replace("postgres://", "postgresql://")
    return psycopg.connect(url, autocommit=True)


def token_for(slug: str, name: str = "Microsoft Entra ID") -> str:
    with schema_context(slug):
        _, secret = token_create(name=name)
    return secret


@pytest.fixture
def two_orgs(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    """Two fresh committed organisations, for what only committed data shows (NOTIFY,
    background writers); yielded with database access unblocked."""
    slugs = tuple(f"org{uuid.uuid4().hex[:10]}" for _ in range(2))
    with django_db_blocker.unblock():
        for slug in slugs:
            organisation_create(
                slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password=None
            )
        yield slugs  # type: ignore[misc]
        connection.set_schema_to_public()


@pytest.fixture
def acme_token(acme) -> str:
    return token_for("acme")


@pytest.fixture
def globex_token(globex) -> str:
    return token_for("globex")


@pytest.fixture
def scim(acme_token) -> ScimClient:
    """Acme's SCIM API with a valid token."""
    return ScimClient("acme", acme_token)


@pytest.fixture
def globex_scim(globex_token) -> ScimClient:
    return ScimClient("globex", globex_token)


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict:
    body = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def meta(resource_type: str, obj, *, slug: str = "acme") -> dict:
    """The `meta` a resource must carry, from its database row."""
    plural = "Users" if resource_type == "User" else "Groups"
    return {
        "resourceType": resource_type,
        "created": iso(obj.created),
        "lastModified": iso(obj.last_modified),
        "location": f"http://{organisation_host(slug)}/scim/v2/{plural}/{obj.pk}",
        "version": f'W/"{obj.version}"',
    }


def in_schema(slug: str, query):
    """Evaluate a database read inside an organisation's schema."""
    with schema_context(slug):
        return query()


# --- the same API on the live gunicorn server (committed data, real concurrency) ---


class LiveScim:
    def __init__(self, port: int, slug: str, token: str) -> None:
        self.port, self.host, self.token = port, organisation_host(slug), token

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": self.host, "Authorization": f"Bearer {self.token}",
                   "Content-Type": "application/scim+json"}  # fmt: skip
        conn.request(method, f"/scim/v2{path}", json.dumps(body) if body else None, headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, json.loads(raw) if raw else None


@pytest.fixture
def live_scim(live_app, live_org, django_db_blocker) -> LiveScim:
    with django_db_blocker.unblock(), schema_context(live_org.schema_name):
        _, secret = token_create(name="Entra")
    return LiveScim(live_app.port, live_org.schema_name, secret)


def parallel(count: int, job) -> list:
    """Run job(0..count-1) in threads that all start at once."""
    barrier = threading.Barrier(count)

    def run(i: int):
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
