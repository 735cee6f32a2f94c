"""Who may open which console page: admins manage; members see Home and their own profile."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """Signed-out visitors go to sign-in; signed-in members get the 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_admin:
            raise PermissionDenied("Only organisation admins can open this page.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
