"""GET /ServiceProviderConfig, /ResourceTypes[/{name}], /Schemas[/{urn}] (RFC 7644 §4).

Only GET is allowed; other methods get 405 with a SCIM error body.
"""

from rest_framework.request import Request
from rest_framework.response import Response

from scim.discovery import (
    RESOURCE_TYPES,
    resource_type_document,
    schema_documents,
    service_provider_config,
)
from scim.errors import not_found
from scim.listing import list_document
from scim.schemas import schema_get
from scim.views.base import ScimView


class ServiceProviderConfigView(ScimView):
    def get(self, request: Request) -> Response:
        return self.respond(service_provider_config(base_url=self.base_url))


class ResourceTypesView(ScimView):
    def get(self, request: Request) -> Response:
        types = [resource_type_document(name, base_url=self.base_url) for name in RESOURCE_TYPES]
        return self.respond(list_document(types, total=len(types), start_index=1))


class ResourceTypeView(ScimView):
    def get(self, request: Request, name: str) -> Response:
        known = next((known for known in RESOURCE_TYPES if known.lower() == name.lower()), None)
        if known is None:
            raise not_found(f"Resource type {name} not found.")
        return self.respond(resource_type_document(known, base_url=self.base_url))


class SchemasView(ScimView):
    def get(self, request: Request) -> Response:
        schemas = schema_documents(base_url=self.base_url)
        return self.respond(list_document(schemas, total=len(schemas), start_index=1))


class SchemaView(ScimView):
    def get(self, request: Request, urn: str) -> Response:
        schema = schema_get(urn)
        if schema is None:
            raise not_found(f"Schema {urn} not found.")
        return self.respond(schema.to_dict(base_url=self.base_url))


class BaseUrlView(ScimView):
    """The base URL itself, which the console shows admins to copy: RFC 7644 defines no
    resource there, so a SCIM 404 whose detail names the endpoints that exist."""

    def _base(self, request: Request) -> Response:
        base = self.base_url
        endpoints = ", ".join(f"{base}/{name}" for name in ROOT_ENDPOINTS)
        raise not_found(
            f"{base} is the SCIM base URL (the Tenant URL in Microsoft Entra ID), not a "
            f"resource. The endpoints are {endpoints}."
        )

    get = post = put = patch = delete = head = _base


ROOT_ENDPOINTS = ("Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas")
