"""Rate limits hold across processes and machines: two gunicorn servers, one count.

Each server runs two worker processes. With per-process counters, four processes would allow
four times each limit; the shared cache (the database cache table, or Redis with REDIS_URL)
makes the limit hold for the whole fleet. Both are run here.
"""

import json
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.client import HTTPConnection, HTTPResponse
from urllib.parse import urlencode

import pytest
import redis
from django.conf import settings

from accounts.models import Organisation
from accounts.services import organisation_create, organisation_host
from tests.conftest import PASSWORD, LiveServer, free_port, gunicorn_server

SIGNUPS_PER_HOUR = 3
CHECKS_PER_MINUTE = 8
SIGNIN_FAILURES = 4  # one account from one address; the pause after 3 doesn't count


@contextmanager
def redis_server() -> Iterator[str]:
    """A real Redis on loopback, for the REDIS_URL configuration; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make e2e-deps installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module", params=["database", "redis"])
def two_servers(request, django_db_setup) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers behind one (imagined) load balancer that sets X-Forwarded-For, sharing
    the database cache table, or a Redis."""
    env = {
        "LOOOP_TRUSTED_PROXIES": "1",
        "LOOOP_SIGNUP_PER_HOUR": str(SIGNUPS_PER_HOUR),
        "LOOOP_SLUG_CHECKS_PER_MINUTE": str(CHECKS_PER_MINUTE),
        "LOOOP_SIGNIN_FAILURE_LIMIT": str(SIGNIN_FAILURES),
    }
    with ExitStack() as stack:
        if request.param == "redis":
            env["REDIS_URL"] = stack.enter_context(redis_server())
        first = stack.enter_context(gunicorn_server(**env))
        second = stack.enter_context(gunicorn_server(**env))
        yield first, second
        if request.param == "redis":  # the counts really were in Redis, keyed per schema
            keys = redis.Redis.from_url(env["REDIS_URL"]).keys("*")
            assert {key.decode().split(":ratelimit:")[1].split(":")[0] for key in keys} == {
                "signup",
                "slug-check",
            }
            assert all(key.startswith(b"public::1:ratelimit:") for key in keys)


def away_from_window_edge(window_seconds: int, needed: float = 20) -> None:
    """The limits count in fixed windows: don't let a test straddle two of them."""
    left = window_seconds - time.time() % window_seconds
    if left < needed:
        time.sleep(left + 0.5)


def request(
    server: LiveServer,
    method: str,
    path: str,
    *,
    address: str,
    body: dict[str, str] | None = None,
    cookie: str = "",
    host: str = "",
) -> tuple[HTTPResponse, str]:
    connection = HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {
        "Host": f"{host or settings.BASE_DOMAIN}:{server.port}",
        "X-Forwarded-For": address,
    }
    if cookie:
        headers["Cookie"] = cookie
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response, text


def submit(
    server: LiveServer, path: str, fields: dict[str, str], *, address: str, host: str = ""
) -> HTTPResponse:
    """A form as a browser sends it: GET for the CSRF cookie and token, then POST."""
    form, html = request(server, "GET", path, address=address, host=host)
    assert form.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", form.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response, _ = request(
        server,
        "POST",
        path,
        address=address,
        host=host,
        body={"csrfmiddlewaretoken": token, **fields},
        cookie=f"csrftoken={cookie}",
    )
    return response


def sign_up(server: LiveServer, *, address: str, slug: str, password: str) -> HTTPResponse:
    fields = {
        "name": f"Org {slug}",
        "slug": slug,
        "email": f"admin@{slug}.test",
        "password": password,
    }
    return submit(server, "/signup", fields, address=address)


def sign_in(server: LiveServer, slug: str, password: str, *, address: str) -> HTTPResponse:
    fields = {"username": f"admin@{slug}.test", "password": password}
    return submit(server, "/login", fields, address=address, host=organisation_host(slug))


def test_slug_checks_are_counted_once_across_both_servers(two_servers):
    away_from_window_edge(60)
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    answers = []
    for n in range(CHECKS_PER_MINUTE + 4):
        server = two_servers[n % 2]
        response, text = request(
            server, "GET", f"/signup/slug-available?slug=free{n}", address=address
        )
        answers.append((response.status, json.loads(text)["available"]))
    assert answers == [(200, True)] * CHECKS_PER_MINUTE + [(429, None)] * 4
    # Another client behind the same balancer has its own allowance.
    other, text = request(
        two_servers[1], "GET", "/signup/slug-available?slug=x", address="192.0.2.1"
    )
    assert (other.status, json.loads(text)["available"]) == (200, True)


def test_sign_ups_are_counted_once_across_both_servers(two_servers, django_db_blocker):
    away_from_window_edge(3600, needed=60)
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    run = uuid.uuid4().hex[:8]
    first, second = two_servers
    statuses = []
    for n, server in enumerate([first, second, first]):
        # A refused submission (too short a password) on the other server costs nothing ...
        other = second if server is first else first
        typo = sign_up(other, address=address, slug=f"s{run}-{n}", password="short")
        # ... and the corrected one is a completed sign-up.
        done = sign_up(server, address=address, slug=f"s{run}-{n}", password="a long pass phrase")
        statuses += [typo.status, done.status]
    assert statuses == [400, 302] * SIGNUPS_PER_HOUR
    refused = [
        sign_up(server, address=address, slug=f"s{run}-late{n}", password="a long pass phrase")
        for n, server in enumerate([second, first])
    ]
    assert [(r.status, r.getheader("Retry-After")) for r in refused] == [(429, "3600")] * 2
    with django_db_blocker.unblock():
        created = sorted(
            Organisation.objects.filter(schema_name__startswith=f"s{run}").values_list(
                "schema_name", flat=True
            )
        )
    assert created == [f"s{run}-{n}" for n in range(SIGNUPS_PER_HOUR)]


def test_a_sign_in_lock_holds_on_both_servers_for_that_address_only(two_servers, django_db_blocker):
    slug = f"lock{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        organisation_create(
            slug=slug, name="Lock", admin_email=f"admin@{slug}.test", admin_password=PASSWORD
        )
    first, second = two_servers
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    failures = [
        sign_in(server, slug, "wrong", address=address) for server in [first, second, first]
    ]
    assert [r.status for r in failures] == [200, 200, 200]  # "don't match", counted in PostgreSQL
    time.sleep(2.5)  # the pause after three failures
    locked = sign_in(second, slug, "wrong", address=address)
    assert locked.status == 429
    assert 14 * 60 < int(locked.getheader("Retry-After")) <= 15 * 60
    # Locked on both servers for this address, even with the right password ...
    assert [sign_in(s, slug, PASSWORD, address=address).status for s in two_servers] == [429, 429]
    # ... and not for the account's owner elsewhere.
    assert sign_in(first, slug, PASSWORD, address="192.0.2.254").status == 302
