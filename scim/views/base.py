"""The one base class of every /scim/v2 endpoint: DRF's APIView with SCIM's parts.

- authentication: the bearer token (scim.views.authentication), against this host's
  organisation only; `request.auth` is the ScimToken;
- content: `application/scim+json` (and `application/json`) parsers and renderers, with
  the request size limit (scim.views.media);
- errors: the SCIM error body for every failure, 503 + Retry-After when the database
  fails (scim.views.exceptions, this view's exception handler);
- and one provisioning-log event per request, written after the request's own
  transaction, so that failed and rolled-back requests are logged too.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from looop.input_limits import params_check, text_problem
from looop.observability import note_actor
from scim import fairness
from scim.attributes import Projection
from scim.errors import ScimError, invalid_syntax
from scim.event_body import body_for_log
from scim.listing import ListParams
from scim.models import ScimToken
from scim.services import event_submit, rejected_request_count
from scim.values import Fields
from scim.views.authentication import HasScimToken, ScimTokenAuthentication
from scim.views.exceptions import RETRY_AFTER_SECONDS, scim_exception_handler
from scim.views.media import (
    SCIM_MEDIA_TYPE,
    PlainJSONParser,
    PlainJSONRenderer,
    RawJSON,
    ScimJSONParser,
    ScimJSONRenderer,
    ScimNegotiation,
    body_too_large,
)

__all__ = [
    "RETRY_AFTER_SECONDS",
    "SCIM_MEDIA_TYPE",
    "NotFoundView",
    "NotImplementedView",
    "ScimJSONRenderer",
    "ScimNegotiation",
    "ScimView",
]

logger = logging.getLogger("looop.scim")


class ScimView(APIView):
    renderer_classes = [ScimJSONRenderer, PlainJSONRenderer]
    parser_classes = [ScimJSONParser, PlainJSONParser]
    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [HasScimToken]
    throttle_classes: list[Any] = []
    content_negotiation_class = ScimNegotiation
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    # Resource type named in the provisioning log ("User", "Group", "" for discovery).
    resource_type = ""

    token: ScimToken | None = None
    slots: list[fairness.Slot]  # this request's places in its organisation's share
    log_resource_id = ""
    log_error: ScimError | None = None

    # --- request lifecycle --------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        self.slots = []
        try:
            response = super().dispatch(request, *args, **kwargs)
        finally:
            fairness.release(self.slots)
        self._log(request, response.status_code, started)
        # DRF keeps `self.response`, and the view is in a cycle with its DRF request: drop it,
        # or the response lives until a full garbage collection (scim/response_memory.py).
        self.__dict__.pop("response", None)
        return response

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # A body without a Content-Type is read as SCIM JSON (RFC 7644 §3.1), as DRF would
        # otherwise ignore it.
        if "CONTENT_TYPE" not in request.META or not request.META["CONTENT_TYPE"]:
            request.META["CONTENT_TYPE"] = SCIM_MEDIA_TYPE
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # negotiation, token, permission
        self.token = request.auth
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.SCIM_MAX_BODY_BYTES:
            raise body_too_large()  # before reading any of it
        note_actor(request._request, f"scim-token:{self.token.name}")
        # NUL or a lone surrogate in the path or the query: refused before any view runs.
        if any(text_problem(str(part)) for part in kwargs.values()):
            raise ScimError(404, f"There is no SCIM resource at {request.path}.")
        params_check(request.query_params.lists(), skip={"filter"})  # the grammar checks it
        fairness.admit(request._request, self.slots)  # 429 past the fair share

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return scim_exception_handler

    def _log(self, request: HttpRequest, status: int, started: float) -> None:
        """One provisioning event per request, in this organisation's schema; a request
        without a valid token (401) is only counted, per minute (RejectedRequestCount)."""
        if status == 401:
            try:
                rejected_request_count(authorization=request.META.get("HTTP_AUTHORIZATION"))
            except DatabaseError:
                logger.warning("Could not count a rejected request for %s", request.path)
            return
        error = self.log_error
        fields = {
            "at": timezone.now(),
            "token": self.token,
            "token_name": self.token.name if self.token else "",
            "method": (request.method or "")[:8],  # any token is a method
            "path": request.get_full_path()[:2048],
            "resource_type": self.resource_type,
            "resource_id": self.log_resource_id[:64],
            "status": status,
            "scim_type": (error.scim_type or "") if error else "",
            "detail": error.detail[:2000] if error else "",
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "body": self._log_body(),
        }
        try:
            if connection.in_atomic_block:  # keep an enclosing transaction usable on failure
                with transaction.atomic():
                    event_submit(**fields)
            else:
                event_submit(**fields)
        except DatabaseError:
            logger.warning("Could not record the provisioning event for %s", fields["path"])

    def _log_body(self) -> str:
        """The body as parsed for the view, redacted and capped; never parsed for the log
        alone (a body the view did not read, or could not parse, is not kept)."""
        drf_request = getattr(self, "request", None)
        if drf_request is None or drf_request.method not in ("POST", "PUT", "PATCH"):
            return ""
        data = getattr(drf_request, "_full_data", None)
        return body_for_log(data) if isinstance(data, (dict, list)) else ""

    # --- helpers for endpoints ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Absolute base of this organisation's SCIM API, for `meta.location` and `$ref`."""
        request = self.request
        return f"{request.scheme}://{request.get_host()}/scim/v2"

    def query(self) -> Fields:
        return Fields({k: v for k, v in self.request.query_params.items()})

    def body(self) -> Any:
        """The JSON request body, parsed by ScimJSONParser (an empty one is not JSON)."""
        data = self.request.data
        if self.request.stream is None:
            raise invalid_syntax("The request body is not valid JSON.")
        return data

    def search_params(self) -> ListParams:
        """The parameters of a SearchRequest body (POST …/.search, RFC 7644 §3.4.3)."""
        body = self.body()
        if not isinstance(body, dict):
            raise invalid_syntax("A search request must be a JSON object.")
        return ListParams.parse(Fields(body))

    def projection(self) -> Projection:
        query = self.query()
        return Projection.parse(query.get("attributes"), query.get("excludedAttributes"))

    def if_match(self) -> str | None:
        return self.request.META.get("HTTP_IF_MATCH")

    def respond(
        self,
        data: dict[str, Any] | None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return Response(data, status=status, headers=headers)

    def respond_json(
        self, body: str, *, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        """A response whose body is already JSON text, through the negotiated renderer."""
        return Response(RawJSON(body), status=status, headers=headers)


class NotFoundView(ScimView):
    """Any other path under /scim/v2 gets a SCIM 404 (after authentication)."""

    def _missing(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ScimError(404, f"There is no SCIM endpoint at {request.path}.")

    get = post = put = patch = delete = head = _missing


class NotImplementedView(ScimView):
    """Endpoints of RFC 7644 that Looop does not offer (/Bulk, /Me): 501."""

    def _not_implemented(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise ScimError(501, f"{request.path.rsplit('/', 1)[-1]} is not supported.")

    get = post = put = patch = delete = _not_implemented
