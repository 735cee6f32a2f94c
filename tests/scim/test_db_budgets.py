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
    statement_timeout_ms,
    use,
)
from scim.budgets import budget_choose
from tests.conftest import test_database_url as database_url
from tests.scim.conftest import error_body, eventually, other_session
from tests.scim.live_servers import Scim, gunicorn


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


LOOKUP = 'userName eq "bjensen@example.com"'
COSTLY = 'displayName co "x"'


@pytest.mark.parametrize(
    ("method", "path", "body", "kind"),
    [
        ("GET", "/scim/v2/Users", None, "list"),
        ("GET", "/scim/v2/Groups/?startIndex=3", None, "list"),
        ("GET", f"/scim/v2/users?filter={COSTLY}", None, "list"),
        ("GET", f"/scim/v2/Users?filter={LOOKUP}", None, "web"),  # Entra's: an index answers
        ("GET", '/scim/v2/Groups?filter=displayName eq "Sales"', None, "web"),
        ("GET", '/scim/v2/Groups?filter=members.value eq "x"', None, "list"),
        ("POST", "/scim/v2/Users/.search", {"filter": COSTLY}, "list"),
        ("POST", "/scim/v2/Users/.search", {"filter": LOOKUP}, "web"),
        ("POST", "/scim/v2/Groups/.search", {}, "list"),
        ("POST", "/scim/v2/.search", {"filter": COSTLY}, "list"),
        ("POST", "/scim/v2/.search", [1, 2], "list"),
        ("GET", "/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", None, "web"),
        ("POST", "/scim/v2/Users", {"filter": COSTLY}, "web"),
        ("PATCH", "/scim/v2/Groups/x", None, "web"),
        ("GET", "/scim/v2/Users/.search", None, "web"),
    ],
)
def test_the_budget_of_a_scim_request(db, method, path, body, kind):
    factory = RequestFactory()
    data = json.dumps(body) if body is not None else ""
    request = factory.generic(method, path, data, content_type="application/scim+json")
    use("web")
    try:
        budget_choose(request)
        assert connection.statement_timeout_ms == statement_timeout_ms(kind)
    finally:
        use("background")


def budget_sets(run) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        run()
    return [q["sql"] for q in context.captured_queries if "statement_timeout" in q["sql"]]


def test_each_request_runs_under_its_kinds_budget(scim, alice):
    """A request sets its kind's budget, and only when the session has another one: Entra's
    lookups and reads by id share the web budget, so they never send it."""
    show("statement_timeout")  # the session now has the background budget
    web, listing = settings.DB_STATEMENT_TIMEOUT_MS, settings.DB_LIST_STATEMENT_TIMEOUT_MS
    background = settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS

    def lookup() -> None:
        assert scim.get('/Users?filter=userName eq "nobody@acme.test"').status_code == 200

    def costly() -> None:
        assert scim.get('/Users?filter=displayName co "nobody"').status_code == 200

    def get_alice() -> None:
        assert scim.get(f"/Users/{alice.pk}").status_code == 200

    assert budget_sets(lookup) == [f"SET statement_timeout = {web}"]
    assert budget_sets(get_alice) == []  # the session has it already: no round trip
    assert budget_sets(lookup) == []
    assert budget_sets(costly) == [f"SET statement_timeout = {listing}"]
    assert budget_sets(costly) == []
    assert budget_sets(get_alice) == [f"SET statement_timeout = {web}"]
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


def test_a_search_body_over_the_limit_is_still_413(scim, settings):
    """Choosing the budget reads a search's filter; a body too large is left to the view."""
    settings.SCIM_MAX_BODY_BYTES = 100
    response = scim.post("/Users/.search", {"filter": 'displayName co "' + "x" * 200 + '"'})
    assert (response.status_code, response.json()) == (
        413,
        error_body(413, "The request body is larger than 100 bytes."),
    )


def test_a_server_whose_database_hangs_answers_503(django_db_setup, silent_database):
    """Routing cannot look the organisation up: after the connect timeout, a SCIM 503."""
    hanging = {
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{silent_database}/none",
        "LOOOP_DB_CONNECT_TIMEOUT_SECONDS": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    with gunicorn(hanging) as port:
        status, headers, answer = Scim(port, "acme", "looop_scim_x").request("GET", "/Users")
    assert (status, answer) == (
        503,
        error_body(503, "The service is temporarily unavailable; retry later."),
    )
    assert headers["Retry-After"] == "5"
