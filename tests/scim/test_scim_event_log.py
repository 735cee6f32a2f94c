"""The provisioning log's batch writer: queued events reach their own organisation's schema,
survive an outage and a server's shutdown, and a full queue drops its oldest events."""

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.client import HTTPConnection
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection
from django_tenants.utils import schema_context

from accounts.models import Organisation
from accounts.services import organisation_host
from scim.event_log import EVENT_FIELDS, EventQueue, event_row
from scim.models import ProvisioningEvent
from scim.services import token_create
from tests.conftest import ROOT, free_port
from tests.conftest import test_database_url as database_url
from tests.scim.conftest import eventually

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def row(path: str, status: int = 200) -> tuple[Any, ...]:
    return event_row(at=AT, method="GET", path=path, status=status, duration_ms=1.5)


def logged(slug: str) -> list[tuple[str, int]]:
    with schema_context(slug):
        return list(ProvisioningEvent.objects.order_by("id").values_list("path", "status"))


@pytest.fixture
def quiet_queue(settings) -> Iterator[EventQueue]:
    """A queue whose background thread does not flush during the test."""
    settings.SCIM_EVENT_FLUSH_MS = 600_000
    queue = EventQueue()
    yield queue
    queue._queue.clear()  # nothing left for its exit-time flush


def test_a_flush_writes_each_event_in_its_own_organisation(
    quiet_queue, two_orgs, django_db_blocker
):
    first, second = two_orgs
    for i in range(3):
        quiet_queue.put(first, row(f"/scim/v2/Users/{i}"))
        quiet_queue.put(second, row(f"/scim/v2/Groups/{i}", 404))
    with django_db_blocker.unblock():
        assert logged(first) == []  # queued, not yet written
        assert quiet_queue.flush() == 6
        assert len(quiet_queue) == 0
        assert logged(first) == [(f"/scim/v2/Users/{i}", 200) for i in range(3)]
        assert logged(second) == [(f"/scim/v2/Groups/{i}", 404) for i in range(3)]
        with schema_context(first):
            event = ProvisioningEvent.objects.first()
        assert (event.at, event.method, event.duration_ms, event.token_id) == (
            AT, "GET", 1.5, None,
        )  # fmt: skip
        assert quiet_queue.flush() == 0


def test_an_outage_keeps_events_queued_until_the_database_is_back(
    quiet_queue, two_orgs, django_db_blocker
):
    first, _ = two_orgs
    quiet_queue.put(first, row("/scim/v2/Users/a"))
    quiet_queue.put(first, row("/scim/v2/Users/b"))
    with django_db_blocker.unblock():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        with psycopg.connect(database_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(OperationalError):
            quiet_queue.flush()
        assert len(quiet_queue) == 2  # back at the head of the queue
        quiet_queue.put(first, row("/scim/v2/Users/c"))
        assert quiet_queue.flush() == 3  # a new connection, and the order is kept
        assert [path for path, _ in logged(first)] == [
            "/scim/v2/Users/a", "/scim/v2/Users/b", "/scim/v2/Users/c",
        ]  # fmt: skip


def test_a_full_queue_drops_its_oldest_events(quiet_queue, settings, two_orgs, caplog):
    first, _ = two_orgs
    settings.SCIM_EVENT_QUEUE_MAX = 3
    with caplog.at_level(logging.WARNING, logger="looop.scim"):
        for i in range(5):
            quiet_queue.put(first, row(f"/scim/v2/Users/{i}"))
    assert len(quiet_queue) == 3
    assert quiet_queue.dropped == 2
    assert "dropped the 1 oldest" in caplog.text


def test_events_of_a_removed_organisation_spare_the_others(
    quiet_queue, two_orgs, django_db_blocker, caplog
):
    first, _ = two_orgs
    quiet_queue.put("no_such_schema", row("/scim/v2/Users/x"))
    quiet_queue.put(first, row("/scim/v2/Users/y"))
    with django_db_blocker.unblock(), caplog.at_level(logging.WARNING, logger="looop.scim"):
        assert quiet_queue.flush() == 1
        assert logged(first) == [("/scim/v2/Users/y", 200)]
    assert "Dropped a provisioning event for schema no_such_schema" in caplog.text
    assert len(quiet_queue) == 0


def test_a_refused_event_loses_only_itself(quiet_queue, two_orgs, django_db_blocker, caplog):
    first, _ = two_orgs
    quiet_queue.put(first, row("/scim/v2/Users/1"))
    quiet_queue.put(first, event_row(at=AT, method="TOO-LONG-METHOD", path="/x", status=405,
                                     duration_ms=1.0))  # fmt: skip
    quiet_queue.put(first, row("/scim/v2/Users/2"))
    with django_db_blocker.unblock(), caplog.at_level(logging.WARNING, logger="looop.scim"):
        assert quiet_queue.flush() == 2
        assert logged(first) == [("/scim/v2/Users/1", 200), ("/scim/v2/Users/2", 200)]
    assert "Dropped a provisioning event for schema" in caplog.text


def test_a_request_with_an_overlong_method_is_logged(scim):
    response = scim.client.generic("VERYLONGMETHOD", "/scim/v2/Users")
    assert response.status_code == 405
    with schema_context("acme"):
        event = ProvisioningEvent.objects.get()
    assert (event.method, event.status) == ("VERYLONG", 405)


def test_a_request_inside_a_transaction_writes_its_event_at_once(scim):
    """The test client runs inside the test's transaction: the event shares it."""
    from scim import event_log

    before = len(event_log.queue)
    assert scim.get("/Users").status_code == 200
    assert len(event_log.queue) == before
    with schema_context("acme"):
        assert ProvisioningEvent.objects.filter(path="/scim/v2/Users").count() == 1


# --- a live server with production settings --------------------------------------------------


def scim_get(port: int, slug: str, token: str, path: str) -> int:
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/scim/v2{path}", headers={
        "Host": organisation_host(slug), "Authorization": f"Bearer {token}"})  # fmt: skip
    response = conn.getresponse()
    json.loads(response.read())
    conn.close()
    return response.status


def org_token(slug: str) -> str:
    with schema_context(slug):
        return token_create(name="Entra")[1]


def test_the_live_server_writes_every_event_within_moments(
    live_app, live_org: Organisation, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock():
        token = org_token(slug)
        statuses = [scim_get(live_app.port, slug, token, f"/Users?count={i}") for i in range(40)]
        assert statuses == [200] * 40
        eventually(lambda: len(logged(slug)) == 40, seconds=10)
        assert sorted(logged(slug)) == sorted((f"/scim/v2/Users?count={i}", 200) for i in range(40))


def test_a_stopping_server_writes_its_queue(live_app, live_org: Organisation, django_db_blocker):
    """An interval longer than the test: only the shutdown can write these events."""
    slug, port = live_org.schema_name, free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "LOOOP_SECURE": "0",
           "LOOOP_SCIM_EVENT_FLUSH_MS": "600000"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with django_db_blocker.unblock():
            token = org_token(slug)
            eventually(lambda: scim_get_or_none(port, slug, token) == 200, 30)
            for i in range(25):
                assert scim_get(port, slug, token, f"/Groups?count={i}") == 200
            time.sleep(0.3)
            assert [p for p, _ in logged(slug) if p.startswith("/scim/v2/Groups")] == []
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            groups = sorted(p for p, _ in logged(slug) if p.startswith("/scim/v2/Groups"))
        assert groups == sorted(f"/scim/v2/Groups?count={i}" for i in range(25))
    finally:
        if process.poll() is None:
            process.kill()


def scim_get_or_none(port: int, slug: str, token: str) -> int | None:
    try:
        return scim_get(port, slug, token, "/ServiceProviderConfig")
    except OSError:
        return None


def test_a_poisoned_event_loses_only_itself_never_other_organisations_events(
    quiet_queue, two_orgs, django_db_blocker, caplog
):
    """A value psycopg cannot send fails the COPY in Python (no DatabaseError): only that
    event is lost, not its organisation's good events nor another organisation's."""
    first, second = two_orgs
    for i in range(10):
        quiet_queue.put(second, row(f"/scim/v2/Users/b{i}"))
    quiet_queue.put(first, row("/scim/v2/Users/a1"))
    poisoned = list(row("/scim/v2/Users/poisoned"))
    poisoned[EVENT_FIELDS.index("detail")] = "\ud800"  # bypasses event_row's escaping
    quiet_queue.put(first, tuple(poisoned))
    quiet_queue.put(first, row("/scim/v2/Users/a2"))
    with django_db_blocker.unblock(), caplog.at_level(logging.WARNING, logger="looop.scim"):
        assert quiet_queue.flush() == 12
        assert logged(first) == [("/scim/v2/Users/a1", 200), ("/scim/v2/Users/a2", 200)]
        assert logged(second) == [(f"/scim/v2/Users/b{i}", 200) for i in range(10)]
    assert "Dropped a provisioning event for schema" in caplog.text
    assert len(quiet_queue) == 0


def test_surrogates_and_nul_are_written_as_escapes(quiet_queue, two_orgs, django_db_blocker):
    first, _ = two_orgs
    quiet_queue.put(first, event_row(at=AT, method="GET", path="/scim/v2/Users?x=\ud800\x00",
                                     status=400, duration_ms=1.0, detail="bad \udfff"))  # fmt: skip
    quiet_queue.put(first, row("/scim/v2/Users/ok"))
    with django_db_blocker.unblock():
        assert quiet_queue.flush() == 2
        with schema_context(first):
            events = list(ProvisioningEvent.objects.order_by("id").values_list("path", "detail"))
    assert events == [
        ("/scim/v2/Users?x=\\ud800\\x00", "bad \\udfff"),
        ("/scim/v2/Users/ok", ""),
    ]
