"""/healthz and /readyz: on every host, before routing and redirects; /readyz says 503 while
the database is away or migrations are missing."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from looop import health
from tests.operations.conftest import start_server

READY = {"status": "ready", "database": "ok", "migrations": "applied"}
UNREACHABLE = {"status": "unavailable", "database": "unreachable"}
HOSTS = [
    "looop.localhost",  # public
    "acme.looop.localhost",  # an organisation
    "nobody.looop.localhost",  # no such organisation
    "10.1.2.3:8000",  # a bare address, as a load balancer probes (not in ALLOWED_HOSTS)
]


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.forget_migration_check()
    yield
    health.forget_migration_check()


@pytest.mark.parametrize("host", HOSTS)
def test_healthz_and_readyz_answer_on_every_host(db, host):
    client = Client(HTTP_HOST=host)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response["Cache-Control"] == "no-store"
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, READY)
    assert "X-Request-ID" not in response  # probes are not logged or counted


def test_probes_skip_the_https_redirect(db, settings):
    """Probes come over plain HTTP from inside the network; they must not get a 301."""
    settings.SECURE_SSL_REDIRECT = True
    client = Client(HTTP_HOST="acme.looop.localhost")
    assert client.get("/people").status_code == 301  # the rest of the site still redirects
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_while_a_migration_is_missing(db):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(
            "DELETE FROM looop_template.django_migrations WHERE (app, name) IN"
            " (SELECT app, max(name) FROM looop_template.django_migrations"
            "  WHERE app = 'scim' GROUP BY app)"
        )
    response = Client(HTTP_HOST="looop.localhost").get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "database": "ok", "migrations": "pending", "pending": 1,
    }  # fmt: skip
    assert response["Retry-After"] == "5"


def test_the_migration_check_is_cached(db):
    client = Client(HTTP_HOST="looop.localhost")

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/readyz").status_code == 200
        # Session settings (search_path, the statement budget) are not the check's queries.
        return [q["sql"] for q in queries if not q["sql"].startswith("SET ")]

    assert statements() == [
        "SELECT 1",
        'SELECT app, name FROM "public".django_migrations',
        'SELECT app, name FROM "looop_template".django_migrations',
    ]
    assert statements() == ["SELECT 1"]


def test_readyz_follows_a_real_database_outage(database_link):
    """A server that reaches PostgreSQL over a link we cut and mend: persistent connections
    break, new ones are refused, and /readyz says so while /healthz stays up."""
    server = start_server(
        workers=1, env={"DATABASE_URL": database_link.url(), "DB_CONN_MAX_AGE": "600"},
        name="outage",
    )  # fmt: skip
    try:
        response = server.request("/readyz", host="acme.looop.localhost")
        assert (response.status, response.json()) == (200, READY)

        database_link.cut()
        for host in ("acme.looop.localhost", "looop.localhost", "10.0.0.1"):
            response = server.request("/readyz", host=host)
            assert (response.status, response.json()) == (503, UNREACHABLE), host
            assert response.headers["Retry-After"] == "5"
            response = server.request("/healthz", host=host)
            assert (response.status, response.json()) == (200, {"status": "ok"})

        database_link.mend()
        deadline = time.monotonic() + 10
        while (response := server.request("/readyz")).status != 200:
            assert time.monotonic() < deadline, response
            time.sleep(0.1)
        assert response.json() == READY
    finally:
        server.stop()
    assert "Traceback" not in server.log.read_text()
