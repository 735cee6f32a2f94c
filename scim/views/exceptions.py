"""The SCIM error mapping (RFC 7644 §3.12), as the DRF exception handler of /scim/v2.

Every failure becomes a SCIM error body, never a traceback: ScimError as raised, DRF's
own exceptions (authentication, method, media type) with SCIM wording, a uniqueness
violation as 409, a value PostgreSQL refuses as 400, and a database outage as 503 with
Retry-After, since nothing was committed and the client can safely retry.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import set_rollback

from looop.input_limits import InputRefused
from scim.budgets import over_budget_error
from scim.errors import ScimError, from_refusal, invalid_syntax, invalid_value, uniqueness
from scim.views.authentication import MISSING
from scim.views.media import SCIM_MEDIA_TYPE, body_too_large

logger = logging.getLogger("looop.scim")

RETRY_AFTER_SECONDS = "5"


def scim_error(exc: Exception, request: Request) -> ScimError:
    """The SCIM error a failure is answered with."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, InputRefused):
        return from_refusal(exc)
    if isinstance(exc, exceptions.NotAuthenticated):
        return ScimError(401, MISSING)
    if isinstance(exc, exceptions.AuthenticationFailed):
        return ScimError(401, str(exc.detail))
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ScimError(405, f"{request.method} is not supported on this endpoint.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        return ScimError(415, f"Send JSON ({SCIM_MEDIA_TYPE}), not '{content_type}'.")
    if isinstance(exc, exceptions.ParseError):
        return invalid_syntax("The request body is not valid JSON.")
    if isinstance(exc, Http404):
        return ScimError(404, "Not found.")
    if isinstance(exc, RequestDataTooBig):
        return body_too_large()
    if isinstance(exc, IntegrityError):
        return uniqueness("The request conflicts with existing data.")
    if isinstance(exc, DataError):
        return invalid_value("A value is not valid for its attribute.")
    if isinstance(exc, DatabaseError):
        # A statement cut off by its budget (scim/budgets.py): 400 tooMany or 503.
        if budget := over_budget_error(exc, request._request):
            return budget
        # An outage or overload: nothing was committed, so the client can safely retry.
        logger.exception("Database error on %s %s", request.method, request.path)
        return ScimError(503, "The service is temporarily unavailable; retry later.")
    if isinstance(exc, exceptions.APIException):
        return ScimError(exc.status_code, str(exc.detail))
    logger.exception("Unexpected error on %s %s", request.method, request.path)
    return ScimError(500, "Internal server error.")


def scim_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER for the SCIM views (set on ScimView, not globally)."""
    view, request = context["view"], context["request"]
    error = scim_error(exc, request)
    view.log_error = error  # for the provisioning log
    headers: dict[str, str] = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = view.get_authenticate_header(request)
    elif error.status == 503:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    elif error.status == 429:
        headers["Retry-After"] = str(settings.ORG_RETRY_AFTER_SECONDS)
    elif error.status == 405:
        headers["Allow"] = ", ".join(view.allowed_methods)
    set_rollback()
    return Response(error.body(), status=error.status, headers=headers)
