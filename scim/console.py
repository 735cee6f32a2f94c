"""The console's SCIM pages: Account > Provisioning (tokens, the provisioning log) and
Reset Token on Account > Authentication.

Creating or resetting a token is POST -> redirect -> GET; the next page shows the new
secret once (scim/new_secret.py) and says `Cache-Control: no-store`, so it doesn't linger
in a cache either.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.forms import TokenCreateForm
from accounts.paging import page_of
from accounts.permissions import admin_required
from accounts.selectors import audit_entries
from accounts.views_account import scim_endpoint
from scim.new_secret import secret_keep, secret_take
from scim.selectors import (
    provisioning_events,
    provisioning_summary,
    rejected_requests_by_hour,
    scim_token_get,
    scim_tokens,
    scim_tokens_active_count,
)
from scim.services import token_create, token_reset, token_revoke

EVENTS_PER_PAGE = 25
TOKEN_AUDIT = ("scim_token.",)


def _render_once(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    if "new_secret" in context:
        add_never_cache_headers(response)
    return response


@admin_required
def token_reset_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST revokes every active token, makes one new one and
    redirects to Account > Authentication, which shows its secret once."""
    if request.method == "POST":
        token, secret = token_reset(actor=request.user)
        secret_keep(request, token, secret)
        return HttpResponseRedirect(reverse("account_authentication"), status=303)
    context = {"active_tokens": scim_tokens_active_count()}
    return render(request, "console/token_reset_confirm.html", context)


def _provisioning_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    errors_only = request.GET.get("errors") == "1"
    return {
        "scim_endpoint": scim_endpoint(request),
        "tokens": scim_tokens()[:100],
        "summary": provisioning_summary(),
        "events": page_of(provisioning_events(errors_only=errors_only), request, EVENTS_PER_PAGE),
        "errors_only": errors_only,
        "rejected_hours": rejected_requests_by_hour(hours=24),
        "audit": audit_entries(actions=TOKEN_AUDIT)[:10],
        "form": TokenCreateForm(),
        **extra,
    }


@admin_required
def provisioning(request: HttpRequest) -> HttpResponse:
    context = _provisioning_context(request, **secret_take(request))
    return _render_once(request, "console/provisioning.html", context)


@require_POST
@admin_required
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = token_create(
                name=form.cleaned_data["name"], expires_at=form.expires_at(), actor=request.user
            )
        except ValueError as exc:  # TokenNameTaken, or a bad name or expiry
            form.add_error("name", str(exc))
        else:
            secret_keep(request, token, secret)
            return HttpResponseRedirect(reverse("account_provisioning"), status=303)
    context = _provisioning_context(request, form=form)
    return render(request, "console/provisioning.html", context, status=400)


@admin_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    token = scim_token_get(token_id=token_id)
    if token is None:
        raise Http404("No such token in this organisation.")
    if request.method == "POST":
        token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” is revoked; it no longer works.")
        return HttpResponseRedirect(reverse("account_provisioning"))
    return render(request, "console/token_revoke_confirm.html", {"token": token})
