"""gunicorn servers with settings of their own, for tests of limits that a server enforces
(budgets, fairness), and a client that also returns the response headers."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from typing import Any

from accounts.services import organisation_host
from tests.conftest import ROOT, free_port
from tests.conftest import test_database_url as database_url


@contextmanager
def gunicorn(settings: dict[str, str], *, workers: int = 1, threads: int = 4) -> Iterator[int]:
    """A gunicorn on the test database with these LOOOP_* settings; yields its port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LOOOP_PUBLIC_PORT": f":{port}",
        "LOOOP_SCHEME": "http",
        "LOOOP_SECURE": "0",
        **settings,
    }
    log = open(ROOT / ".looop" / f"live-server-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "looop.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        log.close()


class Scim:
    """One organisation's /scim/v2 on a live server."""

    def __init__(self, port: int, slug: str, token: str | None) -> None:
        self.port, self.host, self.token = port, organisation_host(slug), token

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
        """(status, headers, parsed JSON body) of one request on a connection of its own."""
        conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": self.host, "Content-Type": "application/scim+json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        conn.request(method, f"/scim/v2{path}", json.dumps(body) if body else None, headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), json.loads(raw) if raw else None
