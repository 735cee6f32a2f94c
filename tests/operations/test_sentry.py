"""Sentry is set up only when SENTRY_DSN is set, without personal data; events reach the
DSN's server (here a loopback listener standing in for Sentry)."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.conftest import ROOT

PRODUCTION = {
    "SECRET_KEY": "k3y-" + "q9Zx" * 16,
    "LOOOP_BASE_DOMAIN": "looop.co",
    "LOOOP_TRUSTED_PROXIES": "0",
}
REPORT = (
    "import sentry_sdk;"
    "c = sentry_sdk.get_client();"
    "print(c.is_active(), c.options['send_default_pii'], 'django' in c.integrations);"
    "sentry_sdk.capture_message('looop sentry check');"
    "sentry_sdk.flush(5)"
)


def shell(code: str, **env: str) -> str:
    ours = ("LOOOP_", "DJANGO_", "SENTRY_", "SECRET_KEY")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    base["LOOOP_DATA_DIR"] = os.environ.get("LOOOP_DATA_DIR", str(ROOT / ".looop"))
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**base, **PRODUCTION, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def fake_sentry():
    """An HTTP listener on loopback that keeps the bodies posted to it."""
    received: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            received.append((self.path, body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], received
    server.shutdown()


def test_no_sentry_without_a_dsn(fake_sentry):
    _, received = fake_sentry
    assert shell(REPORT) == "False None False"  # the no-op client: never initialised
    assert received == []


def test_sentry_with_a_dsn_sends_no_personal_data(fake_sentry):
    port, received = fake_sentry
    assert shell(REPORT, SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42") == "True False True"
    [(path, body)] = received
    assert path == "/api/42/envelope/"
    header, item_header, item = body.split(b"\n")[:3]
    event = json.loads(item)
    assert json.loads(item_header)["type"] == "event"
    assert event["message"] == "looop sentry check"
    assert event["environment"] == "production"
    assert "user" not in event and "server_name" in event
