"""What the sign-in button and the connect panel need, whichever page includes them."""

from typing import Any

from django import template
from django.http import HttpRequest

from accounts.models import Organisation
from accounts.selectors import organisation_get
from sso.config import microsoft_missing_settings
from sso.consent import admin_consent_url

register = template.Library()


def _organisation(context: template.Context) -> Organisation | None:
    """The including page's fresh organisation if it has one, else a fresh read."""
    given = context.get("org")
    if isinstance(given, Organisation):
        return given
    request: HttpRequest | None = context.get("request")
    tenant = getattr(request, "tenant", None)
    return organisation_get(slug=tenant.schema_name) if tenant is not None else None


@register.simple_tag(takes_context=True)
def microsoft_sign_in(context: template.Context) -> dict[str, Any]:
    """Whether the sign-in form shows "Sign in with Microsoft"."""
    if microsoft_missing_settings():
        return {"available": False}
    organisation = _organisation(context)
    return {"available": bool(organisation and organisation.microsoft_enabled)}


def _user(context: template.Context) -> object:
    return getattr(context.get("request"), "user", None)


@register.simple_tag(takes_context=True)
def microsoft_connection(context: template.Context) -> dict[str, Any]:
    """The state of the organisation's Entra connection, for Account > Authentication."""
    organisation = _organisation(context)
    missing = microsoft_missing_settings()
    if organisation is None:
        return {"missing": missing, "enabled": False, "tenant": ""}
    return {
        "missing": missing,
        "enabled": organisation.microsoft_enabled,
        "tenant": organisation.entra_tenant_id,
        "connected_by": organisation.entra_connected_by,
        "connected_at": organisation.entra_connected_at,
        "create_users": organisation.create_users_at_first_sign_in,
        "me_linked": bool(
            getattr(getattr(context.get("request"), "user", None), "entra_oid", None)
        ),
        "admin_consent_url": (
            "" if missing else admin_consent_url(organisation=organisation.schema_name)
        ),
    }
