"""Sign in with Microsoft on the public host: send the browser to Microsoft, take the answer.

The public host's `/sso/microsoft/callback` is the one redirect URI registered in Entra. It
never logs anyone in here: it verifies the answer and hands a ticket to the organisation host.
"""

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import get_random_string
from django.views.generic import View
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.models import Organisation
from accounts.selectors import organisation_get
from looop.urls_util import org_url, public_url
from sso.config import SCOPES, callback_url, microsoft_app, microsoft_configured
from sso.consent import admin_consent_organisation
from sso.handoff import COMPLETE_PATH, FlowStart, ticket_issue
from sso.metadata import discovery_cache
from sso.models import HandoffTicket
from sso.oidc import MicrosoftTokenVerifier, oidc_option
from sso.provider_errors import provider_error
from sso.refusals import Refusal, SignInRefused, logger
from sso.responses import refusal_response


def _organisation_for_flow(slug: str) -> Organisation:
    """The organisation a flow is for, if Microsoft sign-in may run for it right now."""
    if not microsoft_configured():
        raise SignInRefused(Refusal.NOT_CONFIGURED)
    organisation = organisation_get(slug=slug)
    if organisation is None:
        raise SignInRefused(Refusal.UNKNOWN_ORGANISATION)
    if not organisation.microsoft_enabled:
        raise SignInRefused(Refusal.MICROSOFT_OFF)
    return organisation


def _refused(request: HttpRequest, refused: SignInRefused, start: FlowStart | None) -> HttpResponse:
    """The refusal page, linking back to where this flow started."""
    return refusal_response(
        request,
        refused,
        organisation=start.organisation if start else None,
        back_url=_back_url(start),
    )


def _back_url(start: FlowStart | None) -> str:
    if start is None:
        return public_url("/find")
    if start.intent == HandoffTicket.Intent.CONNECT:
        return org_url(start.organisation, "/account/authentication")
    return org_url(start.organisation, "/login")


class MicrosoftLoginView(OIDCAuthenticationRequestView):
    """GET /sso/microsoft/login?request=<signed start request from an organisation host>."""

    get_settings = staticmethod(oidc_option)

    def __init__(self, **kwargs: Any) -> None:
        # The base class reads a fixed authorization endpoint from settings; ours comes from
        # the discovery document, fetched per request from the cache.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        start = None
        try:
            start = FlowStart.load(request.GET.get("request", ""))
            _organisation_for_flow(start.organisation)
            app = microsoft_app()
            metadata = discovery_cache.get(app.discovery_url)
        except SignInRefused as refused:
            return _refused(request, refused, start)

        state = get_random_string(self.get_settings("OIDC_STATE_SIZE"))
        code_verifier = get_random_string(self.get_settings("OIDC_PKCE_CODE_VERIFIER_SIZE"))
        params = {
            "client_id": app.client_id,
            "response_type": "code",
            "response_mode": "query",
            "redirect_uri": callback_url(),
            "scope": SCOPES,
            "state": state,
            "nonce": get_random_string(self.get_settings("OIDC_NONCE_SIZE")),
            "code_challenge": generate_code_challenge(code_verifier, "S256"),
            "code_challenge_method": "S256",
        }
        if start.intent == HandoffTicket.Intent.CONNECT:
            params["prompt"] = "consent"  # the admin sees, and may grant for everyone, consent
        # mozilla-django-oidc keeps state -> (nonce, PKCE verifier) in this host's session;
        # the flow (organisation, intent, cookie hash) rides along in the same entry.
        add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
        request.session["oidc_states"][state]["flow"] = asdict(start)
        request.session.modified = True
        return HttpResponseRedirect(f"{metadata.authorization_endpoint}?{urlencode(params)}")


class MicrosoftCallbackView(OIDCAuthenticationCallbackView):
    """GET /sso/microsoft/callback: Microsoft's answer, for every organisation."""

    get_settings = staticmethod(oidc_option)

    def _pop_flow(self, request: HttpRequest) -> dict[str, Any] | None:
        """Take the state's entry out of the session: each state is answered once."""
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        if not state or not isinstance(states, dict) or state not in states:
            return None
        entry = states.pop(state)
        request.session.modified = True
        request.session.save()
        return entry if isinstance(entry, dict) and "flow" in entry else None

    def get(self, request: HttpRequest) -> HttpResponse:
        consent = admin_consent_organisation(request.GET.get("state", ""))
        if consent is not None:
            return _admin_consent_result(request, organisation=consent)

        entry = self._pop_flow(request)
        start = None
        try:
            if entry is None:
                raise SignInRefused(Refusal.STATE_MISMATCH)
            start = FlowStart(**entry["flow"])
            if request.GET.get("error") or not request.GET.get("code"):
                raise SignInRefused(
                    Refusal.PROVIDER_ERROR,
                    # For the log only, on one line: a query string can hold line breaks.
                    error=" ".join(request.GET.get("error", "no code").split())[:100],
                    description=" ".join(request.GET.get("error_description", "").split())[:300],
                    shown=provider_error(request.GET.get("error")).text,
                )
            _organisation_for_flow(start.organisation)
            app = microsoft_app()
            metadata = discovery_cache.get(app.discovery_url)
            verifier = MicrosoftTokenVerifier(app=app, metadata=metadata)
            identity = verifier.identity_from_code(
                code=request.GET["code"],
                code_verifier=entry["code_verifier"],
                nonce=entry["nonce"],
            )
        except SignInRefused as refused:
            return _refused(request, refused, start)
        ticket = ticket_issue(start=start, identity=identity)
        response = HttpResponseRedirect(
            org_url(start.organisation, f"{COMPLETE_PATH}?{urlencode({'ticket': ticket})}")
        )
        add_never_cache_headers(response)
        return response


def _admin_consent_result(request: HttpRequest, *, organisation: str) -> HttpResponse:
    """Microsoft's answer to the admin-consent link.

    The `tenant` parameter it returns is never trusted for binding: anyone can type it into
    this URL. Only a verified ID token (Connect, or an admin's first sign-in) binds a tenant.
    """
    granted = request.GET.get("admin_consent", "").lower() == "true" and not request.GET.get(
        "error"
    )
    error = None if granted else provider_error(request.GET.get("error"))
    logger.info(
        "Microsoft admin consent returned: organisation=%s granted=%s error=%s",
        organisation,
        granted,
        request.GET.get("error", "")[:100],
    )
    response = render(
        request,
        "sso/admin_consent.html",
        {
            "granted": granted,
            "error": error,  # fixed text per code: the query string is never shown
            "organisation_name": getattr(organisation_get(slug=organisation), "name", organisation),
            "back_url": org_url(organisation, "/account/authentication"),
        },
        status=200 if granted else 403,
    )
    add_never_cache_headers(response)
    return response
