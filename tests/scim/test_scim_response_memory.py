"""A SCIM response is freed by reference counting as soon as the server drops it, not at
the cyclic garbage collector's next full pass (bench/memory.py measures the worker)."""

import gc
import io
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django_tenants.utils import schema_context

from accounts.models import Group, User
from accounts.services import organisation_host
from scim import entry, response_memory
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
MEMBERS = 3000


@pytest.fixture
def big_group(acme) -> Group:
    with schema_context("acme"), connection.cursor() as cursor:
        group = Group.objects.create(display_name="Everyone")
        cursor.execute(
            f"""
            INSERT INTO {User._meta.db_table} (id, password, user_name, active, emails,
                phone_numbers, addresses, role, source, created, last_modified, version,
                session_epoch, is_staff, is_superuser, display_name)
            SELECT gen_random_uuid(), '!', 'm' || g || '@acme.test', true, '[]', '[]', '[]',
                'member', 'scim', now(), now(), 1, 0, false, false, 'Member ' || g
            FROM generate_series(1, %s) AS g
            """,
            [MEMBERS],
        )
        cursor.execute(
            "INSERT INTO accounts_membership (group_id, user_id, created)"
            " SELECT %s, id, now() FROM accounts_user WHERE user_name LIKE 'm%%'",
            [group.pk],
        )
    return group


@pytest.fixture
def wsgi() -> Iterator[WSGIHandler]:
    """Django's own WSGI handler, as gunicorn calls it, on the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    collecting = gc.isenabled()
    gc.disable()  # only reference counting frees anything in these tests
    try:
        yield WSGIHandler()
    finally:
        if collecting:
            gc.enable()
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def serve(handler: WSGIHandler, path: str, token: str) -> tuple[weakref.ref, bytes]:
    """One request as a WSGI server makes it: iterate the body, close, drop the response."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "x",
        "SERVER_PORT": "80", "HTTP_HOST": organisation_host("acme"),
        "HTTP_AUTHORIZATION": f"Bearer {token}", "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }  # fmt: skip
    response = handler(environ, lambda status, headers: None)
    body = b"".join(response)
    response.close()
    return weakref.ref(response), body


def test_a_full_group_is_freed_when_the_server_drops_it(wsgi, acme_token, big_group):
    freed, body = serve(wsgi, f"/scim/v2/Groups/{big_group.pk}", acme_token)
    assert body.count(b'"type":"User"') == MEMBERS
    assert freed() is None


@pytest.mark.parametrize("path", ["/scim/v2/Users/nope", "/scim/v2/Printers", "/scim/v2/Users"])
def test_errors_and_lists_are_freed_too(wsgi, acme_token, path):
    freed, _ = serve(wsgi, path, acme_token)
    assert freed() is None


def test_without_the_fix_the_cycle_keeps_the_response(wsgi, acme_token, big_group, monkeypatch):
    """The control: DRF's cycles alone keep the response alive until a collection."""
    monkeypatch.setattr(entry, "response_cycles_break", lambda response: None)
    freed, _ = serve(wsgi, f"/scim/v2/Groups/{big_group.pk}", acme_token)
    assert freed() is not None
    gc.collect()
    assert freed() is None


def test_a_large_response_releases_memory_once_closed(wsgi, acme_token, big_group, monkeypatch):
    calls: list[str] = []
    release = response_memory.memory_release
    monkeypatch.setattr(response_memory, "memory_release", lambda: calls.append(release()))
    monkeypatch.setattr(response_memory, "LARGE_RESPONSE_BYTES", 100_000)
    _, body = serve(wsgi, f"/scim/v2/Groups/{big_group.pk}", acme_token)
    assert len(body) > 100_000 and len(calls) == 1
    serve(wsgi, "/scim/v2/ServiceProviderConfig", acme_token)
    assert len(calls) == 1  # a small response leaves its connection and the heap alone


def test_make_serve_recycles_its_workers():
    """What the allocator keeps despite all this is bounded by replacing each worker after
    a few thousand requests, at jittered times (gunicorn's max_requests)."""
    recipe = subprocess.run(
        ["make", "-s", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    gunicorn = recipe[recipe.index("gunicorn looop.wsgi:application") :]
    assert "--max-requests ${GUNICORN_MAX_REQUESTS:-5000}" in gunicorn
    assert "--max-requests-jitter ${GUNICORN_MAX_REQUESTS_JITTER:-500}" in gunicorn


def test_releasing_closes_the_connection_that_carried_the_result(db):
    """libpq keeps its input buffer at the size of the largest result for the connection's
    life: a worker thread's connection is closed after a large response, and reopens."""
    states: list[bool] = []

    def worker_thread() -> None:  # a connection of its own, outside any transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT repeat('x', 5000000)")
        states.append(connection.connection is None)
        response_memory.memory_release()
        states.append(connection.connection is None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            states.append(cursor.fetchone() == (1,))
        connection.close()

    thread = threading.Thread(target=worker_thread)
    thread.start()
    thread.join()
    assert states == [False, True, True]


def test_releasing_inside_a_transaction_keeps_the_connection(db):
    with schema_context("acme"):
        before = Group.objects.count()
        response_memory.memory_release()
        assert connection.connection is not None
        assert Group.objects.count() == before


def test_large_blocks_are_mapped_on_their_own(monkeypatch):
    """glibc's threshold no longer slides up to the largest block freed (scim.apps sets it)."""
    assert response_memory.malloc_tune() is True
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert response_memory.malloc_tune() is False  # the operator's value stands
