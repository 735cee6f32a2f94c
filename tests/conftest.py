"""Shared fixtures: two organisations (acme, globex) on real PostgreSQL, and a live server.

The organisations are created once per test session; tests that use the `db` fixture run
inside a transaction that is rolled back, so they can change acme and globex freely.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import Organisation, User
from accounts.services import organisation_create, organisation_host
from accounts.tenancy import template_schema_migrate
from tests.sso.entra_provider import entra_provider_fixture  # noqa: F401 (used by live_app)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _static_files() -> None:
    """Production settings serve hashed static files, so collect them once per session."""
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker) -> Iterator[None]:
    """Always create the test database (live-server tests use it without a db marker).

    Replaces pytest-django's fixture, which skips setup when no test asks for `db`.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
        )
        assert connection.settings_dict["NAME"].startswith("test_"), "not a test database"
        template_schema_migrate()
        for slug, name, email in [
            ("acme", "Acme", "alice@acme.test"),
            ("globex", "Globex", "gina@globex.test"),
        ]:
            organisation_create(slug=slug, name=name, admin_email=email, admin_password=PASSWORD)
    yield
    with django_db_blocker.unblock():
        # Server processes may still hold connections for a moment after they exit.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        teardown_databases(config, verbosity=0)


@pytest.fixture(autouse=True)
def _token_cache_off(settings) -> None:
    """Tests in this process roll back, so a token change never sends its NOTIFY: read tokens
    from the database. The cache has its own tests and is on in the live server."""
    settings.SCIM_TOKEN_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _interest_forgotten() -> None:
    """Every test's organisations are new, whatever their names: no answer from an earlier
    test's "acme" about following provisioning (campaigns/interest.py) may linger."""
    from campaigns import interest

    interest._known.clear()


@pytest.fixture
def acme(db) -> Organisation:
    return Organisation.objects.get(schema_name="acme")


@pytest.fixture
def globex(db) -> Organisation:
    return Organisation.objects.get(schema_name="globex")


@pytest.fixture
def alice(acme) -> User:
    """Acme's admin."""
    with schema_context("acme"):
        return User.objects.get(user_name="alice@acme.test")


@pytest.fixture
def gina(globex) -> User:
    """Globex's admin."""
    with schema_context("globex"):
        return User.objects.get(user_name="gina@globex.test")


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()


def host_client(slug: str | None) -> Client:
    """A test client that talks to an organisation's host (or the public host for None)."""
    host = organisation_host(slug) if slug else settings.BASE_DOMAIN
    return Client(HTTP_HOST=host)


@pytest.fixture
def public_client(db) -> Client:
    return host_client(None)


@pytest.fixture
def acme_client(acme) -> Client:
    return host_client("acme")


@pytest.fixture
def globex_client(globex) -> Client:
    return host_client("globex")


@pytest.fixture
def alice_client(acme_client, alice) -> Client:
    # Sessions live in each organisation's schema, so log in from inside acme's.
    with schema_context("acme"):
        acme_client.force_login(alice)
    return acme_client


# --- a real server process (gunicorn) on loopback, for API, concurrency and browser tests ---


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    host = quote(db["HOST"], safe="")  # a socket directory becomes %2F...
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT']}/{db['NAME']}"


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen

    def url(self, slug: str | None, path: str = "/") -> str:
        host = organisation_host(slug) if slug else settings.BASE_DOMAIN
        return f"http://{host}:{self.port}{path}"


@contextmanager
def gunicorn_server(**env_overrides: str) -> Iterator[LiveServer]:
    """gunicorn serving the test database, as production would (DEBUG off), until exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "LOOOP_PUBLIC_PORT": f":{port}",
        "LOOOP_SCHEME": "http",
        "LOOOP_SECURE": "0",
        "DB_CONN_MAX_AGE": "0",
        # Races need parallel requests of one organisation; the fairness caps have their own
        # servers in tests/scim/test_scim_fairness.py.
        "LOOOP_ORG_CONCURRENT_REQUESTS": "0",
        "LOOOP_ORG_CONCURRENT_COSTLY_FILTERS": "0",
        **env_overrides,
    }
    (ROOT / ".looop").mkdir(exist_ok=True)
    log = open(ROOT / ".looop" / f"live-server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "looop.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
            "--worker-class", "gthread", "--timeout", "60",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"live server exited; see {log.name}") from None
            time.sleep(0.2)
    try:
        yield LiveServer(port=port, process=process)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(scope="session")
def live_app(django_db_setup, django_db_blocker, entra_provider) -> Iterator[LiveServer]:
    """gunicorn serving the test database, as production would (DEBUG off).

    Its Microsoft sign-in points at the local Entra-shaped provider (tests/sso) when installed.
    """
    with gunicorn_server(**(entra_provider.env if entra_provider else {})) as server:
        yield server


@pytest.fixture
def live_org(live_app, django_db_blocker) -> Iterator[Organisation]:
    """A fresh, committed organisation that the live server can see."""
    slug = f"live{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation, _ = organisation_create(
            slug=slug,
            name=f"Live {slug}",
            admin_email=f"admin@{slug}.test",
            admin_password=PASSWORD,
        )
    yield organisation
