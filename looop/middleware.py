"""Per-request tenant routing with the domain lookup cached in memory."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.shortcuts import render
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from accounts.models import Domain, Organisation
from looop.csp import ContentSecurityPolicyMiddleware
from looop.urls_util import org_url, public_url

ROUTING_KEY = "looop:route:{host}"
SCIM_PREFIX = "/scim/v2"
SCIM_MEDIA_TYPE = "application/scim+json"


def is_scim_path(path: str) -> bool:
    """/scim/v2 and what is under it (not /scim/v2x)."""
    return path.startswith(SCIM_PREFIX) and path[len(SCIM_PREFIX) : len(SCIM_PREFIX) + 1] in "/"


def routing_cache_key(host: str) -> str:
    return ROUTING_KEY.format(host=host)


class CachedTenantMiddleware(TenantMainMiddleware):
    """Routes by Host. The public host needs no database row; org hosts hit a cache.

    `request.tenant` is a routing snapshot (id, slug, name). Settings that an admin
    can change are read fresh through `accounts.selectors` where they matter.

    Requests under /scim/v2 on an organisation host leave the middleware chain here and
    go to the SCIM API behind SecurityMiddleware only (HTTPS redirect, HSTS, nosniff).
    A bearer-token JSON API has no use for sessions, CSRF, messages, CSP or the sign-in
    lockout, and running them cost a fifth of a SCIM request's CPU.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self._scim: Callable[[HttpRequest], HttpResponse] | None = None
        # Unknown and malformed hosts are answered here, before the middlewares that add the
        # security headers to every other response: those headers are added by hand.
        self._security = SecurityMiddleware(get_response)
        self._frame_options = XFrameOptionsMiddleware(get_response)
        self._csp_header = ContentSecurityPolicyMiddleware(get_response).header

    def scim(self, request: HttpRequest) -> HttpResponse:
        if self._scim is None:
            from scim.entry import scim_response  # the SCIM app imports models

            self._scim = SecurityMiddleware(scim_response)
        return self._scim(request)

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request).lower()
        except Exception:  # DisallowedHost and malformed Host headers
            return self.unknown_host(request, None, status=400)
        if hostname == settings.BASE_DOMAIN:
            if is_scim_path(request.path_info):  # Entra pointed at the bare domain
                return self.unknown_host(request, hostname, status=404)
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None
        tenant = self.cached_tenant(hostname)
        if tenant is None:
            return self.unknown_host(request, hostname, status=404)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        if is_scim_path(request.path_info):
            return self.scim(request)
        return None

    def unknown_host(
        self, request: HttpRequest, hostname: str | None, *, status: int
    ) -> HttpResponse:
        """The page for a host that is no organisation's, or a SCIM error under /scim/v2
        (Entra reads the body as SCIM), with the security headers of every other response."""
        if is_scim_path(request.path_info):
            from scim.errors import ScimError  # the SCIM app imports models

            detail = f"There is no organisation at {hostname or 'this host'}."
            if hostname == settings.BASE_DOMAIN:
                example = org_url("<organisation>", SCIM_PREFIX)
                detail = f"SCIM lives on each organisation's own host, such as {example}."
            response: HttpResponse = JsonResponse(
                ScimError(status, detail).body(), status=status, content_type=SCIM_MEDIA_TYPE
            )
        else:
            context = {"hostname": hostname, "find_url": public_url("/find")}
            response = render(request, "public/unknown_organisation.html", context, status=status)
        self._security.process_response(request, response)
        self._frame_options.process_response(request, response)
        response.headers.setdefault("Content-Security-Policy", self._csp_header)
        return response

    @staticmethod
    def cached_tenant(hostname: str) -> Organisation | None:
        key = routing_cache_key(hostname)
        cache = caches["routing"]
        row = cache.get(key)
        if row is None:
            domain = (
                Domain.objects.select_related("tenant")
                .only("tenant__id", "tenant__schema_name", "tenant__name")
                .filter(domain=hostname)
                .first()
            )
            if domain is None:
                return None  # misses are not cached, so a new organisation routes at once
            row = (domain.tenant.id, domain.tenant.schema_name, domain.tenant.name)
            cache.set(key, row, settings.TENANT_ROUTING_CACHE_SECONDS)
        org_id, schema_name, name = row
        return Organisation(id=org_id, schema_name=schema_name, name=name)
