"""Per-request tenant routing with the domain lookup cached in memory."""

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from accounts.models import Domain, Organisation
from looop.urls_util import public_url

ROUTING_KEY = "looop:route:{host}"


def routing_cache_key(host: str) -> str:
    return ROUTING_KEY.format(host=host)


class CachedTenantMiddleware(TenantMainMiddleware):
    """Routes by Host. The public host needs no database row; org hosts hit a cache.

    `request.tenant` is a routing snapshot (id, slug, name). Settings that an admin
    can change are read fresh through `accounts.selectors` where they matter.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request).lower()
        except Exception:  # DisallowedHost and malformed Host headers
            return render(
                request,
                "public/unknown_organisation.html",
                {"find_url": public_url("/find")},
                status=400,
            )
        if hostname == settings.BASE_DOMAIN:
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None
        tenant = self.cached_tenant(hostname)
        if tenant is None:
            return render(
                request,
                "public/unknown_organisation.html",
                {"hostname": hostname, "find_url": public_url("/find")},
                status=404,
            )
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None

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
