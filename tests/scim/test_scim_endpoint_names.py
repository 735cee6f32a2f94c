"""Endpoint names match without regard to case, as in Microsoft's reference SCIM service.

`/scim/v2/users` is `/Users`; ids and schema URNs after the name are passed on as sent.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.models import Group, User
from tests.scim.conftest import GROUP_SCHEMA, LIST, PATCH_OP, USER_SCHEMA, error_body, in_schema

pytestmark = pytest.mark.django_db


def test_users_in_any_case(scim):
    created = scim.post("/users", {"schemas": [USER_SCHEMA], "userName": "ann@acme.test"})
    assert created.status_code == 201
    user_id = created.json()["id"]
    # The document names the canonical endpoint, whatever the request spelt.
    assert (
        created.json()["meta"]["location"] == f"http://acme.looop.localhost/scim/v2/Users/{user_id}"
    )
    assert scim.get(f"/USERS/{user_id}").json() == scim.get(f"/Users/{user_id}").json()
    found = scim.get('/uSeRs?filter=userName eq "ann@acme.test"').json()
    assert [r["id"] for r in found["Resources"]] == [user_id]
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "title", "value": "X"}],
    }
    assert scim.patch(f"/users/{user_id}/", patch).status_code == 200
    assert scim.delete(f"/users/{user_id}").status_code == 204
    assert in_schema("acme", lambda: User.objects.get(pk=user_id).deleted_at) is not None


def test_groups_in_any_case(scim):
    created = scim.post("/groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales"})
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert scim.get(f"/GROUPS/{group_id}").json()["displayName"] == "Sales"
    assert scim.delete(f"/groups/{group_id}").status_code == 204
    assert in_schema("acme", Group.objects.count) == 0


@pytest.mark.parametrize(
    ("lower", "canonical"),
    [
        ("/serviceproviderconfig", "/ServiceProviderConfig"),
        ("/resourcetypes", "/ResourceTypes"),
        ("/resourcetypes/user", "/ResourceTypes/User"),
        ("/schemas", "/Schemas"),
        ("/schemas/urn:ietf:params:scim:schemas:core:2.0:group", f"/Schemas/{GROUP_SCHEMA}"),
    ],
)
def test_discovery_in_any_case(scim, lower, canonical):
    response = scim.get(lower)
    assert response.status_code == 200
    assert response.json() == scim.get(canonical).json()


def test_search_in_any_case(scim):
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
              "filter": 'userName eq "alice@acme.test"'}  # fmt: skip
    for path in ("/users/.SEARCH", "/.Search", "/groups/.search"):
        response = scim.post(path, search if "groups" not in path else {"count": 0})
        assert response.status_code == 200, path
        assert response.json()["schemas"] == [LIST]
    users = scim.post("/users/.search", search).json()
    assert [r["userName"] for r in users["Resources"]] == ["alice@acme.test"]


def test_unknown_names_are_still_404_and_bulk_501(scim):
    assert scim.get("/userz").json() == error_body(
        404, "There is no SCIM endpoint at /scim/v2/userz."
    )
    assert scim.post("/bulk", {}).status_code == 501
    with schema_context("acme"):
        assert User.objects.count() == 1
