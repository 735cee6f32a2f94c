"""API fixtures: acme's people and catalogue from tests/learning, personal API tokens, and
clients that call /api/v1 on acme's host with a token or a session."""

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from api.services import api_token_create
from tests.conftest import host_client
from tests.learning.conftest import (  # noqa: F401  (fixtures)
    Catalogue,
    bob,
    carol,
    catalogue,
    in_acme,
    starters,
)

API = "/api/v1"


class ApiClient:
    """Calls /api/v1 on one organisation's host with a bearer token (or none)."""

    def __init__(self, slug: str, secret: str | None) -> None:
        self.client = host_client(slug)
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def _call(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {"headers": {**self.headers, **extra.pop("headers", {})}}
        if body is not None:
            kwargs |= {"data": body, "content_type": "application/json"}
        return getattr(self.client, method)(API + path, **kwargs, **extra)

    def get(self, path: str, **extra: Any) -> Any:
        return self._call("get", path, **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._call("post", path, body if body is not None else {}, **extra)

    def put(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._call("put", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._call("patch", path, body, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self._call("delete", path, **extra)


@pytest.fixture
def alice_api(alice, in_acme) -> ApiClient:  # noqa: F811
    """Acme's admin, with a personal API token."""
    return ApiClient("acme", api_token_create(user=alice, name="Admin script")[1])


@pytest.fixture
def bob_api(bob) -> ApiClient:  # noqa: F811
    """Bob, a member of acme, with a personal API token."""
    return ApiClient("acme", api_token_create(user=bob, name="Bob's phone")[1])


@pytest.fixture
def carol_api(carol) -> ApiClient:  # noqa: F811
    return ApiClient("acme", api_token_create(user=carol, name="Carol's phone")[1])


@pytest.fixture
def anonymous_api(acme) -> ApiClient:
    return ApiClient("acme", None)


def session_client(user: User, *, csrf_checks: bool = False) -> Client:
    client = host_client("acme")
    client.enforce_csrf_checks = csrf_checks
    client.handler.enforce_csrf_checks = csrf_checks
    with schema_context("acme"):
        client.force_login(user)
    return client
