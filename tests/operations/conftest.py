"""Live gunicorn servers for the operations tests, and a TCP path to the database that a
test can cut (a real outage for the server: refused connections, reset sessions)."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from accounts.services import organisation_create, organisation_host
from scim.services import token_create
from tests.conftest import PASSWORD, ROOT, free_port, test_database_url

METRICS_TOKEN = "metrics-" + "t" * 32


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def request(
        self, path: str, *, host: str | None = None, method: str = "GET", **headers: str
    ) -> Response:
        """One request on its own connection (so that requests spread over workers)."""
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers={"Host": host or settings.BASE_DOMAIN,
                                                "Connection": "close", **headers})  # fmt: skip
            response = conn.getresponse()
            return Response(response.status, dict(response.getheaders()), response.read())
        finally:
            conn.close()

    def log_lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


def start_server(*, workers: int, env: dict[str, str], name: str) -> Server:
    """gunicorn with production settings and the metrics hooks, as `make serve` runs it."""
    port = free_port()
    log = ROOT / ".looop" / f"ops-{name}-{port}.log"
    log.parent.mkdir(exist_ok=True)
    full_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "LOOOP_PUBLIC_PORT": f":{port}",
        "LOOOP_SCHEME": "http",
        "LOOOP_SECURE": "0",
        **env,
    }
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # looop.gunicorn_conf makes and removes one
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "looop.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "1",
         "--worker-class", "sync", "--timeout", "60",
         "--config", "python:looop.gunicorn_conf"],
        cwd=ROOT, env=full_env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server(process, port, log)
    deadline = time.monotonic() + 30
    while True:  # up once every worker answers /healthz
        try:
            if server.request("/healthz").status == 200:
                return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start; see {log}")
        time.sleep(0.2)


@dataclass
class Organisation:
    slug: str
    host: str
    token: str
    token_name: str


@pytest.fixture(scope="module")
def ops_org(django_db_setup, django_db_blocker) -> Organisation:
    """A committed organisation with a SCIM token, that live servers can see."""
    slug = f"ops{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation_create(
            slug=slug, name=f"Ops {slug}", admin_email=f"admin@{slug}.test",
            admin_password=PASSWORD,
        )  # fmt: skip
        with schema_context(slug):
            _, secret = token_create(name="Entra ops")
    return Organisation(slug, organisation_host(slug), secret, "Entra ops")


@pytest.fixture(scope="module")
def ops_server(django_db_setup, ops_org) -> Iterator[Server]:
    """Three single-process workers behind one port, metrics open to METRICS_TOKEN."""
    server = start_server(workers=3, env={"LOOOP_METRICS_TOKEN": METRICS_TOKEN}, name="metrics")
    yield server
    server.stop()


def shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@dataclass
class DatabaseLink:
    """A TCP port that forwards to the database's socket until `cut()`, again after `mend()`."""

    target: str | tuple[str, int]  # the database's socket path, or its host and port
    port: int = field(default_factory=free_port)
    _listener: socket.socket | None = None
    _sockets: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def mend(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        with self._lock:
            if self._listener is not None:
                shutdown(self._listener)  # wakes the blocked accept(); close() alone would not
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                shutdown(sock)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            family = socket.AF_UNIX if isinstance(self.target, str) else socket.AF_INET
            upstream = socket.socket(family)
            upstream.connect(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            shutdown(source)
            shutdown(sink)

    def url(self) -> str:
        db = settings.DATABASES["default"]
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@127.0.0.1:{self.port}/{db['NAME']}"


@pytest.fixture
def database_link(django_db_setup) -> Iterator[DatabaseLink]:
    db = settings.DATABASES["default"]
    host, port = str(db["HOST"]), int(db["PORT"] or 5432)
    target = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
    link = DatabaseLink(target=target)
    link.mend()
    yield link
    link.cut()
