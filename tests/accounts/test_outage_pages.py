"""A real database outage: a gunicorn server on a PostgreSQL of its own, which the test stops.

While it is down, console and public pages answer a 503 page with Retry-After (they gave a
500 page before), SCIM answers its 503 error body, and once it is back the same server
answers normally again, over fresh connections.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings

from accounts.services import organisation_host
from tests.conftest import PASSWORD, ROOT, free_port
from tests.conftest import test_database_url as database_url

pgserver = pytest.importorskip("pgserver")
from pgserver._commands import POSTGRES_BIN_PATH, pg_ctl  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class OwnDatabase:
    """A PostgreSQL cluster of its own (pgserver), holding a copy of the test database."""

    server: object
    pgdata: Path

    @property
    def socket_dir(self) -> str:
        return str(self.server.get_postmaster_info().socket_dir)

    @property
    def url(self) -> str:
        return f"postgres://postgres@{quote(self.socket_dir, safe='')}:5432/looop"

    def stop(self) -> None:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=self.pgdata, user=self.server.system_user)

    def start(self) -> None:
        pg_ctl(
            ["-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"),
             "start"],
            pgdata=self.pgdata, user=self.server.system_user, timeout=30,
        )  # fmt: skip


@pytest.fixture
def own_database(live_org, django_db_blocker) -> Iterator[OwnDatabase]:
    """The public schema and the live organisation's schema, copied with pg_dump."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("needs the embedded PostgreSQL binaries")
    root = ROOT / ".looop" / f"outage-{uuid.uuid4().hex[:8]}"
    root.mkdir(parents=True)
    server = pgserver.get_server(root / "pgdata", cleanup_mode="delete")
    database = OwnDatabase(server=server, pgdata=root / "pgdata")
    try:
        server.psql("CREATE DATABASE looop;")
        source = database_url().replace("postgres://", "postgresql://")
        dump = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_dump"), "--no-owner", "-n", "public",
             "-n", live_org.schema_name, source],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        # The dump creates the public schema itself.
        restore = subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
             f"postgresql://postgres@/looop?host={database.socket_dir}"],
            input=b"DROP SCHEMA public;\n" + dump, capture_output=True,
        )  # fmt: skip
        assert restore.returncode == 0, restore.stderr.decode()[-2000:]
        yield database
    finally:
        server.cleanup()
        subprocess.run(["rm", "-rf", str(root)], check=False)


@pytest.fixture
def outage_app(own_database) -> Iterator[int]:
    """gunicorn on the copied database, with persistent connections as in production."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": own_database.url, "LOOOP_PUBLIC_PORT": f":{port}",
           "LOOOP_SCHEME": "http", "LOOOP_SECURE": "0", "DB_CONN_MAX_AGE": "600"}  # fmt: skip
    log = open(ROOT / ".looop" / f"outage-server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "2", "--worker-class", "gthread"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.name
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        log.close()


class Browser:
    """Cookies per host, over plain HTTP to the server on loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, dict[str, str]] = {}

    def request(
        self, method: str, host: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        jar = self.cookies.setdefault(host, {})
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body, {"Host": host, **headers})
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and (cookie := re.match(r"([^=]+)=([^;]*)", value)):
                jar[cookie[1]] = cookie[2]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def form(self, host: str, path: str, data: dict[str, str]) -> tuple[int, dict, str]:
        token = self.cookies[host]["csrftoken"]
        body = urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self.request("POST", host, path, body, **{"Content-Type": FORM["Content-Type"]})


def assert_outage_page(answer: tuple[int, dict, str]) -> None:
    status, headers, text = answer
    assert (status, headers["retry-after"]) == (503, "5"), text[:300]
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Looop is briefly unavailable</h1>" in text
    assert "Traceback" not in text


def test_pages_answer_503_while_the_database_is_stopped(live_org, own_database, outage_app):
    slug = live_org.schema_name
    org, public = organisation_host(slug), settings.BASE_DOMAIN
    browser = Browser(outage_app)
    # Signed in as the admin, with CSRF cookies for both hosts, while the database is up.
    assert browser.request("GET", org, "/login")[0] == 200
    signed_in = browser.form(org, "/login", {"username": f"admin@{slug}.test",
                                             "password": PASSWORD})  # fmt: skip
    assert signed_in[0] == 302, signed_in[2][:300]
    assert browser.request("GET", org, "/people")[0] == 200
    assert browser.request("GET", public, "/find")[0] == 200

    own_database.stop()
    try:
        assert_outage_page(browser.request("GET", org, "/people"))
        assert_outage_page(browser.request("GET", org, "/groups"))
        assert_outage_page(browser.request("GET", org, "/account/provisioning"))
        assert_outage_page(browser.form(public, "/find", {"slug": slug}))
        # A host this server has never routed: the organisation lookup itself fails.
        assert_outage_page(browser.request("GET", organisation_host("acme"), "/login"))
        status, headers, text = browser.request("GET", org, "/scim/v2/Users",
                                                Authorization="Bearer looop_scim_x")  # fmt: skip
        assert (status, headers["retry-after"], headers["content-type"]) == (
            503, "5", "application/scim+json",
        )  # fmt: skip
    finally:
        own_database.start()

    # Back: the same server reconnects, and the session is still valid.
    status, _, text = browser.request("GET", org, "/people")
    assert status == 200 and f"admin@{slug}.test" in text
    assert browser.form(public, "/find", {"slug": slug})[0] == 302
