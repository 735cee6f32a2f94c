"""The API's one error shape, as DRF's exception handler for /api/v1 (set on ApiView, so
SCIM keeps its own): `{"status": 404, "message": "…"}`, plus `"errors"` (field → messages)
for invalid fields. Never a traceback: learning's refusals are 400, a quiz taken once is
409, a database outage is 503 with Retry-After, as everywhere else in Looop."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from learning.grading import QuizNotFound, RetryRefused
from learning.services import LearningRefused
from looop.error_pages import OUTAGE_RETRY_AFTER_SECONDS
from looop.input_limits import InputRefused

logger = logging.getLogger("looop.api")

NOT_AUTHENTICATED = "Authentication required: sign in, or send 'Authorization: Bearer looop_api_…'."


def error_body(status: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
        return "Invalid input."
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else "Invalid input."
    return str(detail)


def api_error(exc: Exception) -> tuple[int, str, dict[str, Any] | None]:
    """(status, message, field errors) for a failure."""
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return 400, _first_message(detail), exceptions.ValidationError(detail).get_full_details()
    if isinstance(exc, RetryRefused):
        return 409, str(exc), None
    if isinstance(exc, LearningRefused):
        return 400, str(exc), None
    if isinstance(exc, QuizNotFound):
        return 404, str(exc), None
    if isinstance(exc, InputRefused):
        return (413 if exc.kind == "too_large" else 400), exc.message, None
    if isinstance(exc, RequestDataTooBig):
        return 413, "The request body is too large.", None
    if isinstance(exc, exceptions.NotAuthenticated):
        return 401, NOT_AUTHENTICATED, None
    if isinstance(exc, Http404 | exceptions.NotFound):
        return 404, "Not found.", None
    if isinstance(exc, PermissionDenied):
        return 403, str(exc) or "You may not do this.", None
    if isinstance(exc, exceptions.ParseError):
        return 400, "The request body is not valid JSON.", None
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, "Send JSON (Content-Type: application/json).", None
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, _first_message(exc.detail), None
    if isinstance(exc, IntegrityError):
        return 409, "The request conflicts with existing data.", None
    if isinstance(exc, DataError):
        return 400, "A value is not valid for its field.", None
    if isinstance(exc, DatabaseError):
        logger.exception("Database error in the API")
        return 503, "The service is temporarily unavailable; retry later.", None
    logger.exception("Unexpected error in the API")
    return 500, "Internal server error.", None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    view, request = context["view"], context["request"]
    status, message, errors = api_error(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = view.get_authenticate_header(request) or "Bearer"
    elif status == 503:
        headers["Retry-After"] = OUTAGE_RETRY_AFTER_SECONDS
    elif status == 429 and getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    elif status == 405:
        headers["Allow"] = ", ".join(view.allowed_methods)
    set_rollback()
    return Response(error_body(status, message, errors), status=status, headers=headers)
