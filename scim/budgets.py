"""Database budgets of SCIM requests (looop/db/budgets.py), and the errors when they run out.

Lists and searches run under the lower list budget, except Entra's lookups (`userName`,
`externalId`, `displayName` eq), which an index answers in a millisecond: they keep the web
budget of the requests around them, so Entra's traffic never changes a connection's budget.

- A list or search whose statement hit the list budget, with a filter other than Entra's
  indexed equality lookups, is 400 `tooMany`: "the specified filter yields many more results
  than the server is willing to calculate or process" (RFC 7644 §3.12). Retrying the same
  filter would fail the same way, so it must not be a 5xx that clients retry.
- Anything else (a lock not granted in time, a budget hit under overload) is 503 with
  Retry-After: nothing was committed, and the client may retry.
"""

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from looop.db.budgets import QUERY_CANCELED, over_budget, statement_timeout_ms, use
from scim.errors import ScimError, too_many
from scim.filters.equality import simple_equality

# List and search endpoints: GET /Users, GET /Groups, POST …/.search (RFC 7644 §3.4).
_LIST = re.compile(r"^/scim/v2/(?:Users|Groups)/?$", re.IGNORECASE)
_SEARCH = re.compile(r"^/scim/v2/(?:(?:Users|Groups)/)?\.search/?$", re.IGNORECASE)


def is_list(request: HttpRequest) -> bool:
    path = request.path_info
    if request.method == "GET":
        return _LIST.match(path) is not None
    return request.method == "POST" and _SEARCH.match(path) is not None


def budget_choose(request: HttpRequest) -> None:
    """The list budget for a list or search, unless it is one of Entra's lookups."""
    if is_list(request) and not _lookup(request):
        use("list")


def over_budget_error(exc: BaseException, request: HttpRequest) -> ScimError | None:
    state = over_budget(exc)
    if state is None:
        return None
    if state == QUERY_CANCELED and costly_filter(request):
        budget = statement_timeout_ms("list")
        return too_many(
            f"The filter is too costly: it was stopped after {budget} ms. Use fewer "
            "comparisons, or eq on userName, externalId, id or emails."
        )
    return ScimError(503, "The service is busy and could not finish in time; retry later.")


def costly_filter(request: HttpRequest) -> bool:
    """A list or search with a filter other than Entra's indexed equality lookups."""
    return is_list(request) and bool(_filter(request)) and not _lookup(request)


def _lookup(request: HttpRequest) -> bool:
    """Entra's lookup by one indexed attribute (scim/filters/equality.py)."""
    expression = _filter(request)
    resource = "Group" if "/groups" in request.path_info.lower() else "User"
    return bool(expression) and simple_equality(expression, resource) is not None


def _filter(request: HttpRequest) -> str:
    found = getattr(request, "_scim_filter", None)
    if found is None:
        found = request._scim_filter = _filter_read(request)  # type: ignore[attr-defined]
    return found


def _filter_read(request: HttpRequest) -> str:
    if request.method == "GET":
        return request.GET.get("filter", "")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > settings.SCIM_MAX_BODY_BYTES:
        return ""  # the view refuses it
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError, RequestDataTooBig, OSError):
        return ""  # the view answers the body's own error
    value = body.get("filter") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""
