"""SCIM errors for a request whose database budget ran out (looop/db/budgets.py).

- A list or search whose statement hit the list budget, with a filter other than Entra's
  indexed equality lookups, is 400 `tooMany`: "the specified filter yields many more results
  than the server is willing to calculate or process" (RFC 7644 §3.12). Retrying the same
  filter would fail the same way, so it must not be a 5xx that clients retry.
- Anything else (a lock not granted in time, a budget hit under overload) is 503 with
  Retry-After: nothing was committed, and the client may retry.
"""

import json

from django.http import HttpRequest

from looop.db.budgets import QUERY_CANCELED, over_budget, request_kind, statement_timeout_ms
from scim.errors import ScimError, too_many
from scim.filters.equality import simple_equality


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
    if request_kind(request) != "list":
        return False
    expression = _filter(request)
    resource = "Group" if "/groups" in request.path_info.lower() else "User"
    return bool(expression) and simple_equality(expression, resource) is None


def _filter(request: HttpRequest) -> str:
    if request.method == "GET":
        return request.GET.get("filter", "")
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # the view answers the body's own error
        return ""
    value = body.get("filter") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""
