"""Account > Authentication and Account > Provisioning: sign-in settings and SCIM tokens.

A new token secret is rendered in the response to the POST that created it and is never
stored (only its SHA-256 is): reloading the page can't show it again. Those responses say
`Cache-Control: no-store` so the secret doesn't linger in a cache either.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.forms import TokenCreateForm
from accounts.models import Organisation
from accounts.paging import page_of
from accounts.permissions import admin_required
from accounts.selectors import (
    audit_entries,
    organisation_get,
    provisioning_events,
    provisioning_summary,
    scim_token_get,
    scim_tokens,
    scim_tokens_active_count,
)
from accounts.services import organisation_microsoft_set
from looop.urls_util import org_url
from scim.selectors import rejected_requests_by_hour
from scim.services import token_create, token_reset, token_revoke

EVENTS_PER_PAGE = 25
TOKEN_AUDIT = ("scim_token.",)
AUTHENTICATION_AUDIT = ("scim_token.", "organisation.microsoft")


def _organisation(request: HttpRequest) -> Organisation:
    """Fresh settings: request.tenant is only the routing snapshot."""
    organisation = organisation_get(slug=request.tenant.schema_name)
    if organisation is None:  # deleted while the routing cache still knew it
        raise Http404("This organisation no longer exists.")
    return organisation


def _scim_endpoint(organisation: Organisation) -> str:
    return org_url(organisation.schema_name, "/scim/v2")


def _render_once(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


# --- Account > Authentication ---


def _authentication_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    organisation = _organisation(request)
    return {
        "org": organisation,
        "scim_endpoint": _scim_endpoint(organisation),
        "active_tokens": scim_tokens_active_count(),
        "audit": audit_entries(actions=AUTHENTICATION_AUDIT)[:10],
        **extra,
    }


@admin_required
def authentication(request: HttpRequest) -> HttpResponse:
    return render(request, "console/authentication.html", _authentication_context(request))


@require_POST
@admin_required
def microsoft_switch(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    organisation_microsoft_set(
        organisation=_organisation(request), enabled=enabled, actor=request.user
    )
    messages.success(
        request, "Microsoft Azure sign-in is on." if enabled else "Microsoft Azure sign-in is off."
    )
    return HttpResponseRedirect(reverse("account_authentication"))


@admin_required
def token_reset_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST revokes every active token and shows the new one once."""
    if request.method == "POST":
        token, secret = token_reset(actor=request.user)
        context = _authentication_context(request, new_token=token, new_secret=secret)
        return _render_once(request, "console/authentication.html", context)
    context = {"active_tokens": scim_tokens_active_count()}
    return render(request, "console/token_reset_confirm.html", context)


# --- Account > Provisioning ---


def _provisioning_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    errors_only = request.GET.get("errors") == "1"
    return {
        "scim_endpoint": _scim_endpoint(_organisation(request)),
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
    return render(request, "console/provisioning.html", _provisioning_context(request))


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
            context = _provisioning_context(request, new_token=token, new_secret=secret)
            return _render_once(request, "console/provisioning.html", context)
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
