"""Console and public pages: query and form parameters with NUL or a lone surrogate are
refused with a 400 before any view reads them (PostgreSQL cannot store or compare them).

The SCIM API never reaches this middleware; it checks its own input (scim.views.base), as
do views whose class says `checks_own_input` (the /api/v1 views answer in JSON).
Placed after CsrfViewMiddleware, so a forged form is still a 403 first.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from looop.input_limits import params_check


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        if getattr(getattr(view, "cls", None), "checks_own_input", False):
            return
        params_check(request.GET.lists())
        if request.method == "POST":
            params_check(request.POST.lists())
