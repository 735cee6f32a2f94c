"""Error pages of the console and the public site (the SCIM API answers its own errors).

- 503 with Retry-After while the database is unreachable, rather than a 500: nothing was
  done, and trying again shortly is the right advice. The page is rendered without the
  request, so that no context processor or session touches the database.
- 400 that says which input was refused (looop.input_limits), in fixed words.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.views.defaults import server_error as django_server_error

from looop.input_limits import InputRefused

# How long a client should wait before trying again during an outage.
OUTAGE_RETRY_AFTER_SECONDS = "5"
# Connection refused, lost or timed out; a statement cancelled by the server.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_response() -> HttpResponse:
    body = loader.get_template("503.html").render({})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = OUTAGE_RETRY_AFTER_SECONDS
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 of both URLconfs: called inside Django's `except`, so the error is known."""
    if is_outage(sys.exc_info()[1]):
        return outage_response()
    return django_server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: InputRefused carries a message fit to show; other refusals do not.
    A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, as in the SCIM API."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = loader.get_template("400.html").render(
            {"detail": f"The request is larger than {limit} bytes."}
        )
        return HttpResponse(body, status=413)
    detail = exception.message if isinstance(exception, InputRefused) else ""
    body = loader.get_template("400.html").render({"detail": detail})
    return HttpResponseBadRequest(body)
