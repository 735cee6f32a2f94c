"""Prometheus metrics: what they count, how they stay bounded, and who may read them.

Under gunicorn every worker writes its figures to files in `PROMETHEUS_MULTIPROC_DIR`
(prometheus-client's multiprocess mode; looop/gunicorn_conf.py sets it up), and `/metrics`
adds up the files of all workers, so any worker answers for the whole server. Without that
variable (runserver, manage.py, tests) the figures are this process's own.

Label values are bounded:
- `route` is the URL pattern, not the path (a few dozen values);
- `method` is one of the HTTP methods the app serves, else "other";
- `organisation` (SCIM events only) is the organisation's slug for the first
  `METRICS_MAX_ORGANISATIONS` organisations a process sees, and "_other" after that;
- `kind` is a psycopg exception class name (a fixed set in the driver).
"""

import hmac
import ipaddress
import os
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_ORGANISATIONS = "_other"
# Seconds; SCIM requests take a few milliseconds, console pages tens, slow filters seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "looop_http_requests",
    "HTTP requests by route (URL pattern), method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "looop_http_request_duration_seconds",
    "Time from the first middleware to the response, by route and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
SCIM_EVENTS = Counter(
    "looop_scim_events",
    "SCIM requests (provisioning events) by organisation and outcome.",
    ["organisation", "outcome"],
)
DATABASE_ERRORS = Counter(
    "looop_database_errors",
    "Database errors by phase (connect, query) and psycopg exception class.",
    ["phase", "kind"],
)

_organisations: set[str] = set()
_organisations_lock = threading.Lock()


def organisation_label(slug: str) -> str:
    """The slug while this process has labelled fewer than the cap, else "_other"."""
    if slug in _organisations:
        return slug
    with _organisations_lock:
        if len(_organisations) < settings.METRICS_MAX_ORGANISATIONS:
            _organisations.add(slug)
            return slug
    return OTHER_ORGANISATIONS


def scim_outcome(status: int) -> str:
    if status == 401:
        return "unauthorised"
    if status == 429:
        return "throttled"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return "ok"


# Label children by their label values: `labels()` takes a lock and builds a key each call
# (a third of this module's cost per request, measured). As bounded as the labels are.
_request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_scim_children: dict[tuple[str, str], Any] = {}


def request_observe(
    *, route: str, method: str, status: int, seconds: float, scim_organisation: str | None
) -> None:
    """Count one finished request (called once per request by the observability middleware)."""
    method = method if method in METHODS else "other"
    children = _request_children.get((route, method, status))
    if children is None:
        children = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method))
        _request_children[route, method, status] = children
    children[0].inc()
    children[1].observe(seconds)
    if scim_organisation is not None:
        outcome = scim_outcome(status)
        child = _scim_children.get((scim_organisation, outcome))
        if child is None:
            child = SCIM_EVENTS.labels(organisation_label(scim_organisation), outcome)
            _scim_children[scim_organisation, outcome] = child
        child.inc()


def database_error_count(exc: BaseException, *, phase: str) -> None:
    """Count a database failure by the driver's exception class (QueryCanceled for a
    statement timeout, LockNotAvailable for a lock timeout, OperationalError when the
    server is unreachable, …). Errors of the request's own data (unique violations, bad
    values) are the client's, answered with 4xx, and are not counted here."""
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
    if isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
        DATABASE_ERRORS.labels(phase, type(cause).__name__).inc()


def _count_query_errors(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
) -> Any:
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        database_error_count(exc, phase="query")
        raise


@receiver(connection_created)
def _install_query_error_counter(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Every connection counts its failed queries. The list outlives reconnects, so the
    wrapper goes in once; it goes first because `execute_wrapper()` blocks pop from the end."""
    if _count_query_errors not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _count_query_errors)


# --- the /metrics endpoint ------------------------------------------------------------


def metrics_allowed(request: HttpRequest) -> bool | None:
    """True with the bearer token or from an allowed address; None when metrics are closed
    (nothing configured), False when configured but this request has no credential."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOW_FROM
    if not token and not networks:
        return None
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        given_bytes = given.strip().encode("utf-8", "surrogateescape")  # any header is bytes
        if scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode()):
            return True
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


def registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    collected = CollectorRegistry()
    MultiProcessCollector(collected)
    return collected


def metrics_response(request: HttpRequest) -> HttpResponse:
    allowed = metrics_allowed(request)
    if allowed is None:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not allowed:
        return HttpResponse(
            "A metrics credential is required.\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(
        generate_latest(registry()),
        content_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
