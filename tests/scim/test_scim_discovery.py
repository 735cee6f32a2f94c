"""Discovery (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas tell the truth."""

import pytest

from tests.scim.conftest import ENTERPRISE, GROUP_SCHEMA, LIST, USER_SCHEMA, error_body

pytestmark = pytest.mark.django_db

BASE = "http://acme.looop.localhost/scim/v2"


def test_service_provider_config(scim):
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 1048576},
        "filter": {"supported": True, "maxResults": 200},
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
            "location": f"{BASE}/ServiceProviderConfig",
        },
    }


USER_TYPE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    "id": "User",
    "name": "User",
    "endpoint": "/Users",
    "description": "User Account",
    "schema": USER_SCHEMA,
    "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
    "meta": {"resourceType": "ResourceType", "location": f"{BASE}/ResourceTypes/User"},
}
GROUP_TYPE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    "id": "Group",
    "name": "Group",
    "endpoint": "/Groups",
    "description": "Group",
    "schema": GROUP_SCHEMA,
    "schemaExtensions": [],
    "meta": {"resourceType": "ResourceType", "location": f"{BASE}/ResourceTypes/Group"},
}


def test_resource_types(scim):
    response = scim.get("/ResourceTypes")
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 2,
        "startIndex": 1,
        "itemsPerPage": 2,
        "Resources": [USER_TYPE, GROUP_TYPE],
    }
    assert scim.get("/ResourceTypes/User").json() == USER_TYPE
    assert scim.get("/ResourceTypes/Group/").json() == GROUP_TYPE


def test_unknown_resource_type_is_scim_404(scim):
    response = scim.get("/ResourceTypes/Printer")
    assert response.status_code == 404
    assert response.json() == error_body(404, "Resource type Printer not found.")


def test_schemas_list_and_by_urn(scim):
    response = scim.get("/Schemas")
    assert response.status_code == 200
    body = response.json()
    assert [s["id"] for s in body["Resources"]] == [USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]
    assert body["totalResults"] == 3
    for schema in body["Resources"]:
        assert scim.get(f"/Schemas/{schema['id']}").json() == schema
    # URNs compare case-insensitively.
    assert scim.get(f"/Schemas/{USER_SCHEMA.lower()}").json()["id"] == USER_SCHEMA


def test_user_schema_declares_exactly_what_is_stored(scim):
    user = scim.get(f"/Schemas/{USER_SCHEMA}").json()
    names = [a["name"] for a in user["attributes"]]
    assert names == [
        "userName", "name", "displayName", "nickName", "profileUrl", "title", "userType",
        "preferredLanguage", "locale", "timezone", "active", "emails", "phoneNumbers",
        "addresses", "groups",
    ]  # fmt: skip
    user_name = user["attributes"][0]
    assert user_name == {
        "name": "userName",
        "type": "string",
        "multiValued": False,
        "description": "Unique identifier for the user, typically used to sign in.",
        "required": True,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "server",
    }
    groups = user["attributes"][-1]
    assert groups["mutability"] == "readOnly"
    assert {s["mutability"] for s in groups["subAttributes"]} == {"readOnly"}
    assert user["meta"] == {"resourceType": "Schema", "location": f"{BASE}/Schemas/{USER_SCHEMA}"}


def test_enterprise_and_group_schemas(scim):
    enterprise = scim.get(f"/Schemas/{ENTERPRISE}").json()
    assert [a["name"] for a in enterprise["attributes"]] == [
        "employeeNumber", "costCenter", "organization", "division", "department", "manager",
    ]  # fmt: skip
    manager = enterprise["attributes"][-1]
    assert [(s["name"], s["mutability"]) for s in manager["subAttributes"]] == [
        ("value", "readWrite"),
        ("$ref", "readWrite"),
        ("displayName", "readOnly"),
    ]
    group = scim.get(f"/Schemas/{GROUP_SCHEMA}").json()
    assert [a["name"] for a in group["attributes"]] == ["displayName", "members"]
    assert group["attributes"][0]["required"] is True


def test_unknown_schema_is_scim_404(scim):
    response = scim.get("/Schemas/urn:example:nothing")
    assert response.status_code == 404
    assert response.json() == error_body(404, "Schema urn:example:nothing not found.")


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_discovery_endpoints_only_allow_get(scim, path, method):
    response = getattr(scim, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json() == error_body(
        405, f"{method.upper()} is not supported on this endpoint."
    )


def test_bulk_and_me_are_not_implemented(scim):
    response = scim.post(
        "/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}
    )
    assert response.status_code == 501
    assert response.json() == error_body(501, "Bulk is not supported.")
    assert scim.get("/Me").status_code == 501


@pytest.mark.parametrize("path", ["/Printers", "/Users/1/photo"])  # the base: its own test
def test_unknown_paths_get_scim_404(scim, path):
    response = scim.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == error_body(404, f"There is no SCIM endpoint at /scim/v2{path}.")


def test_application_json_is_served_when_asked_for(scim):
    response = scim.get("/ServiceProviderConfig", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"
    response = scim.get("/ServiceProviderConfig", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
