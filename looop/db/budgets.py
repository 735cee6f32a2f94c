"""Database budgets: how long a statement may run, wait for a lock, or idle in a transaction.

Without them one organisation's costly filter ran for minutes after its client had left,
holding a request thread, a connection and a CPU of the database.

- Every connection starts with the *background* budget, sent in libpq's startup packet
  (`options=-c …`), so management commands, jobs and threads outside requests cost no
  round trip. Lock and idle-in-transaction timeouts are set the same way, for everyone.
- A request runs under the `web` statement timeout, unless its view asks for another with
  `use()`: SCIM lists and searches take the lower `list` budget (scim/budgets.py), except
  Entra's indexed lookups. The database wrapper (looop/db/base.py) sends
  `SET statement_timeout` only when the session has another value, so a connection that
  serves requests of one kind never sends it again (one round trip, ~0.1 ms, when it does;
  docs/performance.md).
- The connect timeout and TCP keepalives bound the wait for a database that hangs
  rather than refuses.

A statement cut off by its budget is cancelled by the server itself, so nothing is left
running; `over_budget` tells such errors apart for the error pages.
"""

from collections.abc import Callable
from typing import Any, Literal

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

Kind = Literal["web", "list", "background"]

# SQLSTATE of a statement cancelled by statement_timeout (or pg_cancel_backend), and of a
# lock not granted within lock_timeout.
QUERY_CANCELED = "57014"
LOCK_NOT_AVAILABLE = "55P03"

# TCP keepalives: a peer that vanished (network cut, host gone) is noticed in about a
# minute instead of the kernel's two hours; unacknowledged writes fail after 30 s.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def statement_timeout_ms(kind: Kind) -> int:
    """The statement timeout of a kind of work, in milliseconds (0: none)."""
    return {
        "web": settings.DB_STATEMENT_TIMEOUT_MS,
        "list": settings.DB_LIST_STATEMENT_TIMEOUT_MS,
        "background": settings.DB_BACKGROUND_STATEMENT_TIMEOUT_MS,
    }[kind]


def connection_options(
    *,
    background_statement_ms: int,
    lock_ms: int,
    idle_in_transaction_ms: int,
    connect_timeout_s: int,
    given: dict[str, Any],
) -> dict[str, Any]:
    """psycopg connection OPTIONS carrying the budgets; options already given win."""
    startup = (
        f"-c statement_timeout={background_statement_ms}"
        f" -c lock_timeout={lock_ms}"
        f" -c idle_in_transaction_session_timeout={idle_in_transaction_ms}"
    )
    if given.get("options"):  # e.g. ?options=… in DATABASE_URL: later -c settings win
        startup = f"{startup} {given['options']}"
    return {
        **KEEPALIVES,
        "connect_timeout": connect_timeout_s,
        **given,
        "options": startup,
    }


def use(kind: Kind) -> None:
    """Run the rest of this request (this thread's connection) under `kind`'s budget."""
    connection.statement_timeout_ms = statement_timeout_ms(kind)


def over_budget(exc: BaseException) -> str | None:
    """QUERY_CANCELED or LOCK_NOT_AVAILABLE if a database error is a budget running out."""
    cause: BaseException | None = exc
    while cause is not None:
        state = getattr(cause, "sqlstate", None)
        if state in (QUERY_CANCELED, LOCK_NOT_AVAILABLE):
            return state
        cause = cause.__cause__
    return None


class DatabaseBudgetMiddleware:
    """Runs each request under the web budget (first in MIDDLEWARE, so that it covers the
    routing lookup and the SCIM API, which leaves the chain early).

    Outside the SCIM API, whose views answer SCIM errors themselves, a statement cut off by
    its budget answers 503 with Retry-After instead of a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        use("web")
        try:
            return self.get_response(request)
        finally:
            # Only remembered: the next query outside a request (tests, threads) sets it.
            use("background")

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if over_budget(exception) is None:
            return None
        return budget_exceeded_response(request)


def budget_exceeded_response(request: HttpRequest) -> HttpResponse:
    """503 for a page or JSON request whose statement ran out of budget (not SCIM)."""
    headers = {"Retry-After": str(settings.DB_RETRY_AFTER_SECONDS)}
    message = "The server is busy and could not finish this request in time. Retry shortly."
    if "application/json" in request.META.get("HTTP_ACCEPT", ""):
        return JsonResponse({"detail": message}, status=503, headers=headers)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Busy</title>'
        f"</head><body><h1>Busy</h1><p>{message}</p></body></html>"
    )
    return HttpResponse(page, status=503, headers=headers)
