"""Sign in with Microsoft on an organisation's host: start, hand-off landing, connect, sign-out."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.actors import Actor
from accounts.models import Organisation
from accounts.permissions import admin_required
from accounts.seed_intent import seed_intent_admin_id, seed_intent_clear
from accounts.selectors import organisation_get
from looop.urls_util import public_url
from sso.config import microsoft_app, microsoft_configured
from sso.handoff import (
    BINDING_COOKIE,
    LOGIN_PATH,
    FlowStart,
    binding_cookie_clear,
    binding_cookie_set,
    binding_cookie_value,
    binding_hash,
    ticket_consume,
    ticket_identity,
)
from sso.metadata import discovery_cache
from sso.models import HandoffTicket
from sso.refusals import Refusal, SignInRefused
from sso.responses import refusal_response
from sso.services import (
    microsoft_sign_in,
    organisation_entra_connect,
    organisation_entra_disconnect,
    organisation_sign_in_creation_set,
)

BACKEND = "sso.backend.MicrosoftBackend"
# Set in the session of a Microsoft sign-in: the nav then signs out through `sign_out`,
# which offers to sign out of Microsoft too.
SESSION_FLAG = "signed_in_with_microsoft"


def _organisation(request: HttpRequest) -> Organisation:
    """A fresh read: request.tenant is only the routing snapshot."""
    organisation = organisation_get(slug=request.tenant.schema_name)
    if organisation is None:
        raise Http404("This organisation no longer exists.")
    return organisation


def _available(organisation: Organisation) -> None:
    if not microsoft_configured():
        raise SignInRefused(Refusal.NOT_CONFIGURED)
    if not organisation.microsoft_enabled:
        raise SignInRefused(Refusal.MICROSOFT_OFF)


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """Only a path on this host; anything else is dropped (no open redirect)."""
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return ""


def _start(
    request: HttpRequest, *, intent: str, next_path: str = "", actor_id: str = ""
) -> HttpResponse:
    """Send the browser to the public host, bound to a cookie on this host."""
    cookie = binding_cookie_value(request)
    start = FlowStart(
        organisation=request.tenant.schema_name,
        intent=intent,
        binding_hash=binding_hash(cookie),
        next_path=next_path,
        actor_id=actor_id,
    )
    query = urlencode({"request": start.sign()})
    response = HttpResponseRedirect(f"{public_url(LOGIN_PATH)}?{query}")
    binding_cookie_set(response, cookie)
    add_never_cache_headers(response)
    return response


@require_GET
def sign_in_start(request: HttpRequest) -> HttpResponse:
    """The sign-in form's "Sign in with Microsoft"."""
    organisation = _organisation(request)
    try:
        _available(organisation)
    except SignInRefused as refused:
        return refusal_response(
            request, refused, organisation=organisation.schema_name, back_url=reverse("login")
        )
    next_path = _safe_next(request, request.GET.get("next"))
    return _start(request, intent=HandoffTicket.Intent.SIGN_IN, next_path=next_path)


@require_POST
@admin_required
def connect_start(request: HttpRequest) -> HttpResponse:
    """Account > Authentication's "Connect Microsoft Entra ID", and, once connected, an
    admin's "Link my Microsoft account"."""
    organisation = _organisation(request)
    try:
        _available(organisation)
    except SignInRefused as refused:
        return refusal_response(
            request,
            refused,
            organisation=organisation.schema_name,
            back_url=reverse("account_authentication"),
        )
    return _start(request, intent=HandoffTicket.Intent.CONNECT, actor_id=str(request.user.pk))


@require_GET
def complete(request: HttpRequest) -> HttpResponse:
    """Where the public host sends the browser back, with a ticket: accept it once, then act."""
    slug = request.tenant.schema_name
    ticket = None
    try:
        ticket = ticket_consume(
            value=request.GET.get("ticket", ""),
            organisation=slug,
            binding_cookie=request.COOKIES.get(BINDING_COOKIE),
        )
        identity = ticket_identity(ticket)
        organisation = _organisation(request)
        if ticket.intent == HandoffTicket.Intent.CONNECT:
            user = request.user
            if not user.is_authenticated or str(user.pk) != str(ticket.actor_id):
                raise SignInRefused(Refusal.NOT_ADMIN, tid=identity.tid)
            organisation_entra_connect(organisation=organisation, admin=user, identity=identity)
            messages.success(request, f"Connected to tenant {identity.tid}.")
            response = redirect("account_authentication")
        else:
            user = microsoft_sign_in(
                organisation=organisation,
                identity=identity,
                seed_admin_id=seed_intent_admin_id(request, organisation=organisation),
            )
            login(request, user, backend=BACKEND)  # a new session key
            request.session[SESSION_FLAG] = True
            response = HttpResponseRedirect(_safe_next(request, ticket.next_path) or "/")
    except SignInRefused as refused:
        is_connect = ticket is not None and ticket.intent == HandoffTicket.Intent.CONNECT
        claims = ticket.claims if ticket is not None else {}
        return refusal_response(
            request,
            refused,
            organisation=slug,
            back_url=reverse("account_authentication" if is_connect else "login"),
            tid=claims.get("tid"),
            oid=claims.get("oid"),
        )
    binding_cookie_clear(response)
    seed_intent_clear(response)  # used, or no longer needed once signed in
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@admin_required
def disconnect(request: HttpRequest) -> HttpResponse:
    """Disconnect the Entra tenant, after a confirmation page."""
    organisation = _organisation(request)
    if not organisation.entra_tenant_id:
        messages.info(request, "No Microsoft Entra tenant is connected.")
        return redirect("account_authentication")
    if request.method == "POST":
        tenant = organisation.entra_tenant_id
        unlinked = organisation_entra_disconnect(organisation=organisation, actor=request.user)
        messages.success(
            request,
            f"Disconnected from tenant {tenant}. {unlinked} Microsoft account link"
            f"{'' if unlinked == 1 else 's'} removed.",
        )
        return redirect("account_authentication")
    return render(request, "sso/disconnect_confirm.html", {"org": organisation})


@require_POST
@admin_required
def creation_setting(request: HttpRequest) -> HttpResponse:
    """The organisation setting "create users at first sign-in" (off by default)."""
    enabled = request.POST.get("enabled") == "1"
    organisation_sign_in_creation_set(
        organisation=_organisation(request), enabled=enabled, actor=Actor.console(request.user)
    )
    messages.success(
        request,
        "People of your directory who aren't in Looop yet are now created at their first "
        "Microsoft sign-in."
        if enabled
        else "Only people already in Looop can now sign in with Microsoft.",
    )
    return redirect("account_authentication")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the Looop session; offer to sign out of Microsoft too (its end_session_endpoint)."""
    logout(request)
    microsoft_sign_out_url = ""
    if microsoft_configured():
        app = microsoft_app()
        try:
            microsoft_sign_out_url = discovery_cache.get(app.discovery_url).end_session_endpoint
        except SignInRefused:
            microsoft_sign_out_url = ""  # Microsoft unreachable: the Looop sign-out still stands
    response = render(
        request, "sso/signed_out.html", {"microsoft_sign_out_url": microsoft_sign_out_url}
    )
    add_never_cache_headers(response)
    return response
