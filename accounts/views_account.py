"""Account > Authentication and Account > Provisioning: sign-in settings and SCIM tokens.

Creating or resetting a token is POST -> redirect -> GET. The POST keeps the new secret in
the admin's session just long enough for the next page to show it once, and that page takes
it out again: a reload shows no secret and does nothing twice (resetting again would break a
freshly configured Entra). The database keeps only the secret's SHA-256. The page that shows
the secret says `Cache-Control: no-store` so it doesn't linger in a cache either.
"""

import time
from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts.csv_export import csv_stream
from accounts.forms import TokenCreateForm
from accounts.models import Organisation
from accounts.paging import page_of
from accounts.permissions import admin_required
from accounts.selectors import (
    audit_entries,
    organisation_get,
    provisioning_summary,
    scim_token_get,
    scim_tokens,
    scim_tokens_active_count,
)
from accounts.services import ConsoleRefused, organisation_microsoft_set
from looop.input_limits import InputRefused
from looop.urls_util import org_url
from scim.models import ScimToken
from scim.selectors import rejected_requests_by_hour
from scim.selectors_activity import (
    EXPORT_HEADER,
    METHODS,
    RESOURCES,
    STATUS_CLASSES,
    ActivityFilter,
    ActivityFilterRefused,
    activity_events,
    activity_export_rows,
    activity_rows,
)
from scim.services import token_create, token_reset, token_revoke
from sso.config import microsoft_missing_settings

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


NEW_SECRET_KEY = "scim_new_secret"  # session key
NEW_SECRET_SECONDS = 600  # a secret not picked up by then is dropped, not shown


def _secret_keep(request: HttpRequest, token: ScimToken, secret: str) -> None:
    """Hold a new secret in the session for the one page that shows it."""
    request.session[NEW_SECRET_KEY] = {"token": token.pk, "secret": secret, "at": time.time()}


def _secret_take(request: HttpRequest) -> dict[str, Any]:
    """The new token and its secret, once: taken out of the session as they are shown."""
    kept = request.session.pop(NEW_SECRET_KEY, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > NEW_SECRET_SECONDS:
        return {}
    token = scim_token_get(token_id=kept["token"])
    if token is None or token.revoked_at is not None:
        return {}
    return {"new_token": token, "new_secret": kept["secret"]}


def _render_once(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    if "new_secret" in context:
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
        "microsoft_missing": bool(microsoft_missing_settings()),
        **extra,
    }


@admin_required
def authentication(request: HttpRequest) -> HttpResponse:
    context = _authentication_context(request, **_secret_take(request))
    return _render_once(request, "console/authentication.html", context)


@require_POST
@admin_required
def microsoft_switch(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    try:
        organisation_microsoft_set(
            organisation=_organisation(request), enabled=enabled, actor=request.user
        )
    except ConsoleRefused as exc:  # no Microsoft app registration on this server
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Microsoft Azure sign-in is on." if enabled else "Microsoft Azure sign-in is off.",
        )
    return HttpResponseRedirect(reverse("account_authentication"))


@admin_required
def token_reset_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST revokes every active token, makes one new one and
    redirects to Account > Authentication, which shows its secret once."""
    if request.method == "POST":
        token, secret = token_reset(actor=request.user)
        _secret_keep(request, token, secret)
        return HttpResponseRedirect(reverse("account_authentication"), status=303)
    context = {"active_tokens": scim_tokens_active_count()}
    return render(request, "console/token_reset_confirm.html", context)


# --- Account > Provisioning ---


def _activity_filter(request: HttpRequest) -> ActivityFilter:
    try:
        return ActivityFilter.from_query(request.GET)
    except ActivityFilterRefused as exc:
        raise InputRefused(str(exc), kind="syntax") from None


def _provisioning_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    filters = _activity_filter(request)
    events = page_of(activity_events(filters=filters), request, EVENTS_PER_PAGE)
    return {
        "scim_endpoint": _scim_endpoint(_organisation(request)),
        "tokens": scim_tokens()[:100],
        "summary": provisioning_summary(),
        "events": events,
        "activity": activity_rows(list(events.object_list)),
        "filters": filters,
        "errors_only": filters.status == "errors",
        "status_choices": list(STATUS_CLASSES),
        "method_choices": METHODS,
        "resource_choices": list(RESOURCES),
        "rejected_hours": rejected_requests_by_hour(hours=24),
        "audit": audit_entries(actions=TOKEN_AUDIT)[:10],
        "form": TokenCreateForm(),
        **extra,
    }


@admin_required
def provisioning(request: HttpRequest) -> HttpResponse:
    context = _provisioning_context(request, **_secret_take(request))
    return _render_once(request, "console/provisioning.html", context)


@admin_required
def provisioning_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered provisioning activity as CSV, streamed."""
    filters = _activity_filter(request)
    return csv_stream(
        filename=f"provisioning-{request.tenant.schema_name}.csv",
        header=EXPORT_HEADER,
        rows=lambda: activity_export_rows(filters=filters),
    )


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
            _secret_keep(request, token, secret)
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
