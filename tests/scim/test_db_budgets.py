"""Database budgets (looop/db/budgets.py) on real PostgreSQL: what each session and request
kind gets, and what the server does when a budget runs out. Live-server cases are in
tests/scim/test_scim_budgets.py."""

import json
import socket
import threading
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from looop.db.budgets import (
    LOCK_NOT_AVAILABLE,
    QUERY_CANCELED,
    DatabaseBudgetMiddleware,
    connection_options,
    over_budget,
    request_kind,
)
from tests.conftest import test_database_url as database_url
from tests.scim.conftest import eventually, other_session


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def milliseconds(value: str) -> int:
    """PostgreSQL's display of a duration setting (`5s`, `10min`, `300ms`, `0`) in ms."""
    units = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}
    for unit in sorted(units, key=len, reverse=True):
        if value.endswith(unit):
            return int(value[: -len(unit)]) * units[unit]
    return int(value)


SESSION_BUDGETS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")


def test_a_session_starts_with_the_background_budget(db):
    """A new session, as a management command or a job opens it, with no SET sent."""
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with CaptureQueriesContext(fresh) as context, fresh.cursor() as cursor:
            found = {}
            for name in SESSION_BUDGETS:
                cursor.execute(f"SHOW {name}")
                found[name] = milliseconds(cursor.fetchone()[0])
    finally:
        fresh.close()
    assert found == {
        "statement_timeout": settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS,
        "lock_timeout": settings.DB_LOCK_TIMEOUT_MS,
        "idle_in_transaction_session_timeout": settings.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }
    assert [q["sql"] for q in context.captured_queries if q["sql"].startswith("SET st")] == []


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/scim/v2/Users", "list"),
        ("GET", "/scim/v2/Groups/", "list"),
        ("GET", "/scim/v2/users", "list"),
        ("POST", "/scim/v2/Users/.search", "list"),
        ("POST", "/scim/v2/Groups/.search", "list"),
        ("POST", "/scim/v2/.search", "list"),
        ("GET", "/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", "web"),
        ("POST", "/scim/v2/Users", "web"),
        ("PATCH", "/scim/v2/Groups/x", "web"),
        ("GET", "/scim/v2/Users/.search", "web"),
        ("GET", "/people", "web"),
        ("GET", "/", "web"),
    ],
)
def test_request_kind(method, path, kind):
    assert request_kind(RequestFactory().generic(method, path)) == kind


def budget_sets(run) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        run()
    return [q["sql"] for q in context.captured_queries if "statement_timeout" in q["sql"]]


def test_each_request_runs_under_its_kinds_budget(scim, alice):
    """A request sets its kind's budget, and only when the session has another one."""
    show("statement_timeout")  # the session now has the background budget
    web, listing = settings.DB_STATEMENT_TIMEOUT_MS, settings.DB_LIST_STATEMENT_TIMEOUT_MS
    background = settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS

    def list_users() -> None:
        assert scim.get('/Users?filter=userName eq "nobody@acme.test"').status_code == 200

    def get_alice() -> None:
        assert scim.get(f"/Users/{alice.pk}").status_code == 200

    assert budget_sets(list_users) == [f"SET statement_timeout = {listing}"]
    assert budget_sets(get_alice) == [f"SET statement_timeout = {web}"]
    assert budget_sets(get_alice) == []  # the session has it already: no round trip
    # Outside requests, the next statement runs under the background budget again.
    assert budget_sets(lambda: show("lock_timeout")) == [f"SET statement_timeout = {background}"]


def test_a_rolled_back_set_is_sent_again(db):
    """A SET inside a transaction that rolls back is undone by PostgreSQL: the wrapper must
    not believe the session still has it."""
    connection.statement_timeout_ms = 4321
    try:
        with transaction.atomic():
            assert show("statement_timeout") == "4321ms"
            transaction.set_rollback(True)
        assert show("statement_timeout") == "4321ms"
    finally:
        connection.statement_timeout_ms = settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS


def cancelled_statement() -> OperationalError:
    """The error Django raises for a statement that PostgreSQL cut off by statement_timeout."""
    with (
        pytest.raises(OperationalError) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(5)")
    return caught.value


def test_a_cancelled_statement_is_told_apart(db):
    assert over_budget(cancelled_statement()) == QUERY_CANCELED
    assert over_budget(OperationalError("connection refused")) is None


def test_a_lock_not_granted_in_time_is_told_apart(db):
    other = other_session()
    try:
        other.execute("BEGIN")
        other.execute("LOCK TABLE public.accounts_domain IN ACCESS EXCLUSIVE MODE")
        with (
            pytest.raises(OperationalError) as caught,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL lock_timeout = 50")
            cursor.execute("SELECT count(*) FROM public.accounts_domain")
    finally:
        other.close()
    assert over_budget(caught.value) == LOCK_NOT_AVAILABLE


@pytest.mark.parametrize(
    ("accept", "content_type", "body"),
    [
        ("application/json", "application/json", None),
        ("text/html", "text/html; charset=utf-8", None),
    ],
)
def test_pages_over_budget_answer_503_not_500(db, accept, content_type, body):
    request = RequestFactory().get("/people", HTTP_ACCEPT=accept)
    middleware = DatabaseBudgetMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    response = middleware.process_exception(request, cancelled_statement())
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DB_RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == content_type
    message = "The server is busy and could not finish this request in time. Retry shortly."
    if accept == "application/json":
        assert json.loads(response.content) == {"detail": message}
    else:
        assert f"<p>{message}</p>".encode() in response.content
    # Errors that are not budgets are left to Django's handlers.
    assert middleware.process_exception(request, OperationalError("gone")) is None


def budget_options(**overrides: int) -> dict:
    values = {
        "background_statement_ms": 60_000,
        "lock_ms": 10_000,
        "idle_in_transaction_ms": 60_000,
        "connect_timeout_s": 5,
    } | overrides
    return connection_options(**values, given={})


def test_a_session_idle_in_a_transaction_is_ended_by_the_server(db):
    conninfo = database_url().replace("postgres://", "postgresql://")
    session = psycopg.connect(conninfo, **budget_options(idle_in_transaction_ms=200))
    watcher = other_session()
    try:
        session.execute("BEGIN")
        pid = session.execute("SELECT pg_backend_pid()").fetchone()[0]

        def gone() -> bool:
            row = watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            return row.fetchone() is None

        eventually(gone, seconds=30)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            session.execute("SELECT 1")
    finally:
        session.close()
        watcher.close()


@pytest.fixture
def silent_database() -> Iterator[int]:
    """A port that accepts connections and never answers: a database that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def test_connecting_to_a_database_that_hangs_gives_up(silent_database):
    options = budget_options(connect_timeout_s=1)
    with pytest.raises(psycopg.OperationalError, match="timeout"):
        psycopg.connect(host="127.0.0.1", port=silent_database, user="x", dbname="x", **options)
