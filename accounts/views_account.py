"""Account > Authentication: the Microsoft sign-in switch, and the page its SCIM card is on.

The SCIM pages (tokens, the provisioning log, Reset Token) are scim/console.py.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.actors import Actor
from accounts.models import Organisation
from accounts.permissions import admin_required
from accounts.seed_intent import seed_intent_set
from accounts.selectors import audit_entries, organisation_get
from accounts.services import Refused, organisation_microsoft_set
from looop.urls_util import org_url
from scim.new_secret import secret_take
from scim.selectors import scim_tokens_active_count
from sso.config import microsoft_missing_settings

AUTHENTICATION_AUDIT = ("scim_token.", "organisation.microsoft")


def _organisation(request: HttpRequest) -> Organisation:
    """Fresh settings: request.tenant is only the routing snapshot."""
    organisation = organisation_get(slug=request.tenant.schema_name)
    if organisation is None:  # deleted while the routing cache still knew it
        raise Http404("This organisation no longer exists.")
    return organisation


def scim_endpoint(request: HttpRequest) -> str:
    return org_url(request.tenant.schema_name, "/scim/v2")


def authentication_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "org": _organisation(request),
        "scim_endpoint": scim_endpoint(request),
        "active_tokens": scim_tokens_active_count(),
        "audit": audit_entries(actions=AUTHENTICATION_AUDIT)[:10],
        "microsoft_missing": bool(microsoft_missing_settings()),
        **extra,
    }


@admin_required
def authentication(request: HttpRequest) -> HttpResponse:
    """Shows a secret that Reset Token has just made, once (scim/new_secret.py)."""
    context = authentication_context(request, **secret_take(request))
    response = render(request, "console/authentication.html", context)
    if "new_secret" in context:
        add_never_cache_headers(response)
    return response


@require_POST
@admin_required
def microsoft_switch(request: HttpRequest) -> HttpResponse:
    """Switching Microsoft on also gives this admin's browser the seed flow's binding intent
    (accounts/seed_intent.py), while no Entra tenant is bound."""
    organisation = _organisation(request)
    enabled = request.POST.get("enabled") == "1"
    response = HttpResponseRedirect(reverse("account_authentication"))
    try:
        organisation_microsoft_set(
            organisation=organisation, enabled=enabled, actor=Actor.console(request.user)
        )
    except Refused as exc:  # no Microsoft app registration on this server
        messages.error(request, str(exc))
        return response
    messages.success(
        request, "Microsoft Azure sign-in is on." if enabled else "Microsoft Azure sign-in is off."
    )
    if enabled and not organisation.entra_tenant_id:
        seed_intent_set(response, organisation=organisation, admin=request.user)
    return response
