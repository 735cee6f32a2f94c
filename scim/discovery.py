"""Discovery documents (RFC 7644 §4): what the service provider really supports."""

from typing import Any

from django.conf import settings

from scim.schemas import (
    RESOURCE_TYPE_SCHEMA,
    RESOURCES,
    SCHEMAS,
    SERVICE_PROVIDER_CONFIG_SCHEMA,
)

# RFC 7643 §6, from the registry's resource types.
RESOURCE_TYPES: dict[str, dict[str, Any]] = {
    name: {
        "id": name,
        "name": name,
        "endpoint": f"/{name}s",
        "description": resource.core.description,
        "schema": resource.core.id,
        "schemaExtensions": [{"schema": ext.id, "required": False} for ext in resource.extensions],
    }
    for name, resource in RESOURCES.items()
}


def service_provider_config(*, base_url: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": True},
        "bulk": {
            "supported": False,
            "maxOperations": 0,
            "maxPayloadSize": settings.SCIM_MAX_BODY_BYTES,
        },
        "filter": {"supported": True, "maxResults": settings.SCIM_MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": (
                    "A secret token created by an organisation admin (Account > Provisioning),"
                    " sent as 'Authorization: Bearer <token>'."
                ),
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_type_document(name: str, *, base_url: str) -> dict[str, Any]:
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        **RESOURCE_TYPES[name],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{name}"},
    }


def schema_documents(*, base_url: str) -> list[dict[str, Any]]:
    return [schema.to_dict(base_url=base_url) for schema in SCHEMAS.values()]
