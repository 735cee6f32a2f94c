"""The 500 handler of organisation hosts: SCIM clients get a SCIM error, never an HTML page.

Failures before any SCIM view runs (the tenant lookup in the routing middleware, when the
database is down and the routing cache is cold) end here. For /scim/v2 a database error
is 503 with Retry-After, so Entra retries later; nothing was written.
"""

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse

from looop import error_pages
from scim.errors import ScimError
from scim.views.base import RETRY_AFTER_SECONDS, SCIM_MEDIA_TYPE


def server_error(request: HttpRequest) -> HttpResponse:
    if not request.path.startswith("/scim/v2"):
        return error_pages.server_error(request)  # 503 page during an outage
    if isinstance(sys.exc_info()[1], DatabaseError):
        error = ScimError(503, "The service is temporarily unavailable; retry later.")
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
    else:
        error, headers = ScimError(500, "Internal server error."), {}
    return JsonResponse(
        error.body(), status=error.status, content_type=SCIM_MEDIA_TYPE, headers=headers
    )
