"""My profile ▸ API tokens: every signed-in person manages their own tokens.

Creating one is POST -> redirect -> GET, as for SCIM tokens (accounts.views_account): the
POST keeps the new secret in the session just long enough for the next page to show it
once, with `Cache-Control: no-store`; a reload shows no secret and creates nothing.
"""

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.forms import TokenCreateForm
from api.models import ApiToken
from api.selectors import api_token_of, api_tokens_of
from api.services import TokenRefused, api_token_create, api_token_revoke

NEW_SECRET_KEY = "api_new_secret"  # session key
NEW_SECRET_SECONDS = 600  # a secret not picked up by then is dropped, not shown
TOKENS_SHOWN = 100


def _secret_keep(request: HttpRequest, token: ApiToken, secret: str) -> None:
    request.session[NEW_SECRET_KEY] = {"token": token.pk, "secret": secret, "at": time.time()}


def _secret_take(request: HttpRequest) -> dict[str, Any]:
    """The new token and its secret, once: taken out of the session as they are shown."""
    kept = request.session.pop(NEW_SECRET_KEY, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > NEW_SECRET_SECONDS:
        return {}
    token = api_token_of(user=request.user, token_id=kept.get("token"))
    if token is None or token.revoked_at is not None:
        return {}
    return {"new_token": token, "new_secret": kept["secret"]}


def _page(request: HttpRequest, form: TokenCreateForm, status: int = 200,
          **extra: Any) -> HttpResponse:  # fmt: skip
    context = {"tokens": api_tokens_of(user=request.user)[:TOKENS_SHOWN], "form": form, **extra}
    response = render(request, "api/tokens.html", context, status=status)
    if "new_secret" in extra:
        add_never_cache_headers(response)
    return response


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return _page(request, TokenCreateForm(), **_secret_take(request))


@require_POST
@login_required
def api_token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except TokenRefused as exc:
            form.add_error("name", str(exc))
        else:
            _secret_keep(request, token, secret)
            return HttpResponseRedirect(reverse("api_tokens"), status=303)
    return _page(request, form, status=400)


@login_required
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes. Someone else's token id is a 404."""
    token = api_token_of(user=request.user, token_id=token_id)
    if token is None:
        raise Http404("No such token of yours.")
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” is revoked; it no longer works.")
        return HttpResponseRedirect(reverse("api_tokens"))
    return render(request, "api/token_revoke_confirm.html", {"token": token})
