"""The one base class of every /scim/v2 endpoint.

It holds what RFC 7644 asks of every response, so endpoint modules stay short:
bearer-token authentication against this host's organisation, `application/scim+json`
(and `application/json`) content negotiation, the request size limit, JSON parsing,
the SCIM error body for every failure (never a traceback), 503 + Retry-After when the
database fails, and one provisioning-log event per request, written after the request's
own transaction so that failed and rolled-back requests are logged too.
"""

import json
import logging
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.exceptions import APIException, MethodNotAllowed
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scim.attributes import Projection
from scim.errors import ScimError, invalid_syntax, invalid_value, uniqueness
from scim.listing import ListParams
from scim.models import ScimToken
from scim.services import event_submit, rejected_request_count, token_authenticate
from scim.values import Fields

logger = logging.getLogger("looop.scim")

SCIM_MEDIA_TYPE = "application/scim+json"
JSON_MEDIA_TYPES = (SCIM_MEDIA_TYPE, "application/json")
RETRY_AFTER_SECONDS = "5"


class ScimJSONRenderer(JSONRenderer):
    media_type = SCIM_MEDIA_TYPE
    format = "scim"


class ScimNegotiation(BaseContentNegotiation):
    """`application/json` only when asked for it alone; otherwise SCIM's own media type.

    Never 406: a SCIM client always gets a body it can parse.
    """

    def select_parser(self, request: Request, parsers: list[Any]) -> None:
        return None

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "")
        scim, plain = renderers[0], renderers[1]
        if "application/json" in accept and SCIM_MEDIA_TYPE not in accept and "*/*" not in accept:
            return plain, plain.media_type
        return scim, scim.media_type


class ScimView(APIView):
    renderer_classes = [ScimJSONRenderer, JSONRenderer]
    parser_classes: list[Any] = []
    # Bearer tokens are checked in `initial`, against this organisation's schema only.
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []
    content_negotiation_class = ScimNegotiation
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    # Resource type named in the provisioning log ("User", "Group", "" for discovery).
    resource_type = ""

    token: ScimToken | None = None
    log_resource_id = ""
    log_error: ScimError | None = None

    # --- request lifecycle --------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        response = super().dispatch(request, *args, **kwargs)
        self._log(request, response.status_code, started)
        # DRF keeps `self.response`, and the view is in a cycle with its DRF request: drop it,
        # or the response lives until a full garbage collection (scim/response_memory.py).
        self.__dict__.pop("response", None)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # content negotiation
        self.token = self._authenticate(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.SCIM_MAX_BODY_BYTES:
            raise self._too_large()

    @staticmethod
    def _authenticate(request: Request) -> ScimToken:
        """RFC 6750 bearer token, looked up in this host's organisation schema only."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            raise ScimError(401, "Authentication required: send 'Authorization: Bearer <token>'.")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ScimError(401, "Malformed Authorization header: expected 'Bearer <token>'.")
        token = token_authenticate(secret.strip())
        if token is None:
            raise ScimError(401, "The token is invalid, revoked or expired.")
        return token

    @staticmethod
    def _too_large() -> ScimError:
        return ScimError(
            413, f"The request body is larger than {settings.SCIM_MAX_BODY_BYTES} bytes."
        )

    def handle_exception(self, exc: Exception) -> Response:
        error = self._as_scim_error(exc)
        self.log_error = error
        headers: dict[str, str] = {}
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="SCIM"'
            if "HTTP_AUTHORIZATION" in self.request.META:
                headers["WWW-Authenticate"] += ', error="invalid_token"'
        elif error.status == 503:
            headers["Retry-After"] = RETRY_AFTER_SECONDS
        elif error.status == 405:
            headers["Allow"] = ", ".join(self.allowed_methods)
        return Response(error.body(), status=error.status, headers=headers)

    def _as_scim_error(self, exc: Exception) -> ScimError:
        if isinstance(exc, ScimError):
            return exc
        if isinstance(exc, MethodNotAllowed):
            return ScimError(405, f"{self.request.method} is not supported on this endpoint.")
        if isinstance(exc, Http404):
            return ScimError(404, "Not found.")
        if isinstance(exc, RequestDataTooBig):
            return self._too_large()
        if isinstance(exc, IntegrityError):
            return uniqueness("The request conflicts with existing data.")
        if isinstance(exc, DataError):
            return invalid_value("A value is not valid for its attribute.")
        if isinstance(exc, DatabaseError):
            # An outage or overload: nothing was committed, so the client can safely retry.
            logger.exception("Database error on %s %s", self.request.method, self.request.path)
            return ScimError(503, "The service is temporarily unavailable; retry later.")
        if isinstance(exc, APIException):
            return ScimError(exc.status_code, str(exc.detail))
        logger.exception("Unexpected error on %s %s", self.request.method, self.request.path)
        return ScimError(500, "Internal server error.")

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
        }
        try:
            if connection.in_atomic_block:  # keep an enclosing transaction usable on failure
                with transaction.atomic():
                    event_submit(**fields)
            else:
                event_submit(**fields)
        except DatabaseError:
            logger.warning("Could not record the provisioning event for %s", fields["path"])

    # --- helpers for endpoints ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Absolute base of this organisation's SCIM API, for `meta.location` and `$ref`."""
        request = self.request
        return f"{request.scheme}://{request.get_host()}/scim/v2"

    def query(self) -> Fields:
        return Fields({k: v for k, v in self.request.query_params.items()})

    def body(self) -> Any:
        """The JSON request body (RFC 7644 §3.1: application/scim+json or application/json)."""
        request = self.request
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type and content_type not in JSON_MEDIA_TYPES:
            raise ScimError(415, f"Send JSON ({SCIM_MEDIA_TYPE}), not '{content_type}'.")
        raw = request._request.body
        if len(raw) > settings.SCIM_MAX_BODY_BYTES:
            raise self._too_large()
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid_syntax("The request body is not valid JSON.") from None

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

    def respond_json(self, body: str) -> HttpResponse:
        """A 200 whose body is already JSON text, in the negotiated media type."""
        media_type = getattr(self.request, "accepted_media_type", SCIM_MEDIA_TYPE)
        return HttpResponse(body.encode(), content_type=media_type)


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
