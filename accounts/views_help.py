"""In-app help for admins: setting up Sign in with Microsoft and provisioning from Entra ID."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import admin_required
from looop.urls_util import org_url
from sso.config import microsoft_missing_settings


@admin_required
def microsoft_setup(request: HttpRequest) -> HttpResponse:
    """The admin's half of docs/microsoft-setup.md, in the console's words."""
    context = {
        "server_ready": not microsoft_missing_settings(),
        "scim_endpoint": org_url(request.tenant.schema_name, "/scim/v2"),
    }
    return render(request, "console/help_microsoft.html", context)
