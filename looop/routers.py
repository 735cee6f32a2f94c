"""Decides which tables live in the public schema and which in each organisation's."""

from typing import Any

from django.db import connections
from django_tenants.routers import TenantSyncRouter
from django_tenants.utils import get_public_schema_name

# `accounts` is both a shared and a tenant app; these models belong to one side only.
PUBLIC_ONLY = {
    ("accounts", "organisation"),
    ("accounts", "domain"),
    ("accounts", "schematemplate"),
}
TENANT_ONLY = {("accounts", "group"), ("accounts", "membership"), ("accounts", "auditentry")}


class SchemaRouter(TenantSyncRouter):
    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        allowed = super().allow_migrate(db, app_label, model_name=model_name, **hints)
        if allowed is False or model_name is None:
            return allowed
        is_public = connections[db].schema_name == get_public_schema_name()
        key = (app_label, model_name.lower())
        if key in PUBLIC_ONLY and not is_public:
            return False
        if key in TENANT_ONLY and is_public:
            return False
        return allowed
