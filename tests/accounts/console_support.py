"""Helpers for the console tests: signed-in clients and a few people in acme."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from tests.conftest import PASSWORD, host_client


def signed_in(slug: str, user: User) -> Client:
    """A client on the organisation's host, signed in as `user` (sessions are per schema)."""
    client = host_client(slug)
    with schema_context(slug):
        client.force_login(user)
    return client


@pytest.fixture
def bob(acme) -> User:
    """A member of acme who signs in with a password."""
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM,
            user_name="bob@acme.test",
            email="bob@acme.test",
            password=PASSWORD,
            name_given="Bob",
            name_family="Builder",
        )


@pytest.fixture
def scott(acme) -> User:
    """A member of acme provisioned by SCIM."""
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM,
            user_name="scott@acme.test",
            email="scott@acme.test",
            source=User.Source.SCIM,
            external_id="ext-scott",
            name_given="Scott",
            name_family="Provisioned",
            title="Engineer",
        )


@pytest.fixture
def bob_client(bob) -> Client:
    return signed_in("acme", bob)


@pytest.fixture
def gina_client(gina) -> Client:
    return signed_in("globex", gina)


class _Statements:
    """Counts the SQL statements of a block, leaving out django-tenants' SET search_path."""

    def __init__(self, limit: int) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.limit = limit
        self.capture = CaptureQueriesContext(connection)

    def __enter__(self) -> "_Statements":
        self.capture.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.capture.__exit__(*exc)
        statements = [
            q["sql"] for q in self.capture.captured_queries if not q["sql"].startswith("SET ")
        ]
        assert len(statements) <= self.limit, "\n".join(statements)


@pytest.fixture
def sql_statements():
    """`with sql_statements(6): …` fails if the block runs more than 6 SQL statements."""
    return _Statements
