"""The outermost middleware: health probes, /metrics, one log line and metrics per request.

It runs before host routing, so it sees every request, including SCIM requests (which
leave the middleware chain inside the routing middleware) and unknown hosts. `/healthz`,
`/readyz` and `/metrics` are answered here on any host and are neither logged nor counted
(probes would drown everything else).

Each other request gets a request id: the caller's `X-Request-ID` when it is sane
(`REQUEST_ID_PATTERN`), else a new one. It is echoed in the response header and is on
every log line written while the request runs. After the response, one line on the
`looop.request` logger says: request id, organisation, actor, route (the URL pattern,
not the path, whose query may hold people's addresses), method, status and duration.
Production writes log lines as JSON (`JsonFormatter`), development as readable text.

Cost on the SCIM hot path (bench/entra_load.py, A/B): see docs/performance.md,
"Cost of logs and metrics".
"""

import contextvars
import json
import logging
import os
import re
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from looop import health, metrics

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
ACTOR_ATTRIBUTE = "looop_actor"
UNMATCHED_ROUTE = "<unmatched>"
SCIM_ROUTE_PREFIX = "scim/v2/"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "looop_request_id", default=None
)
request_logger = logging.getLogger("looop.request")

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics.metrics_response,
}


def note_actor(request: HttpRequest, actor: str) -> None:
    """Name who is acting when it is not a console session (e.g. "scim-token:<name>")."""
    setattr(request, ACTOR_ATTRIBUTE, actor[:200])


def request_id_from(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID_PATTERN.fullmatch(given) else os.urandom(16).hex()


def actor_of(request: HttpRequest) -> str:
    """Who made the request, without a query: a session user is named only if the request
    already loaded it (a view that never asked for the user acted for no one)."""
    noted = getattr(request, ACTOR_ATTRIBUTE, None)
    if noted:
        return noted
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anonymous"


@lru_cache(maxsize=512)
def readable_route(pattern: str) -> str:
    """`^Users/(?P<resource_id>[^/]+)/?$` → `Users/<resource_id>`; `path()` routes unchanged."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    route = re.sub(r"\(\?i:([^)]*)\)", r"\1", route)  # case-insensitive SCIM names
    route = route.removeprefix("^").removesuffix("$").replace("/?", "")
    return route.replace("[\\s\\S]*", "*").replace(".*", "*").replace("\\", "")


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or match.route is None:
        return UNMATCHED_ROUTE
    route = readable_route(match.route)
    # SCIM views are resolved against scim.urls alone (scim/entry.py), below /scim/v2/.
    if request.path_info.startswith("/scim/v2") and not route.startswith(SCIM_ROUTE_PREFIX):
        route = SCIM_ROUTE_PREFIX + route
    return route


def organisation_of(request: HttpRequest) -> str | None:
    tenant = getattr(request, "tenant", None)
    return tenant.schema_name if tenant is not None else None


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            response = probe(request)
            # Not one "Service Unavailable" error line (and Sentry event) per probe during
            # an outage: the prober reports it, and health.py logs why once per check.
            response._has_been_logged = True
            return response
        started = time.perf_counter()
        request_id = request_id_from(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self.record(request, response.status_code, time.perf_counter() - started)
        finally:
            request_id_var.reset(token)
        return response

    @staticmethod
    def record(request: HttpRequest, status: int, seconds: float) -> None:
        route = route_of(request)
        organisation = organisation_of(request)
        method = request.method or ""
        scim = organisation is not None and route.startswith(SCIM_ROUTE_PREFIX)
        metrics.request_observe(
            route=route,
            method=method,
            status=status,
            seconds=seconds,
            scim_organisation=organisation if scim else None,
        )
        if request_logger.isEnabledFor(logging.INFO):
            fields = {
                "request_id": request_id_var.get(),
                "organisation": organisation,
                "actor": actor_of(request),
                "method": method[:16],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            }
            request_logger.info("request", extra={"fields": fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid, request_id, the record's
    `fields`, and the exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            "request_id": request_id_var.get(),
        }
        document.update(getattr(record, "fields", {}))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str)  # ASCII: a lone surrogate cannot break it


class TextFormatter(logging.Formatter):
    """Development: `level logger [request id] message key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        extra = " ".join(f"{key}={value}" for key, value in fields.items())
        request_id = request_id_var.get()
        line = f"{record.levelname} {record.name} "
        line += f"[{request_id}] " if request_id else ""
        line += record.getMessage() + (f" {extra}" if extra else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
