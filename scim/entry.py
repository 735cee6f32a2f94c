"""Where a request under /scim/v2 enters the SCIM API (from the routing middleware)."""

from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver

from looop.middleware import SCIM_PREFIX
from scim.budgets import budget_choose
from scim.response_memory import memory_return_after, response_cycles_break


def scim_response(request: HttpRequest) -> HttpResponse:
    """Resolve the path after /scim/v2 against `scim.urls` and run its view.

    The URL patterns end in a catch-all, so every path gets a SCIM response.
    """
    budget_choose(request)  # lists and searches: the list budget, from the token lookup on
    rest = request.path_info[len(SCIM_PREFIX) :] or "/"
    match = get_resolver("scim.urls").resolve(rest)
    request.resolver_match = match
    response = match.func(request, *match.args, **match.kwargs)
    render = getattr(response, "render", None)
    if callable(render):  # a DRF Response renders its data here, as Django's handler would
        response = render()
        response_cycles_break(response)
    # As CommonMiddleware would: with a length, keep-alive responses need no chunking.
    if not response.streaming and not response.has_header("Content-Length"):
        response.headers["Content-Length"] = str(len(response.content))
    memory_return_after(response)
    return response
