"""Groups: Entra's create cycle, members as set-based SQL, and members never read when excluded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import GROUP_SCHEMA, error_body, in_schema, meta

pytestmark = pytest.mark.django_db
BASE = "http://acme.looop.localhost/scim/v2"
MICROSOFT_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

# The body Microsoft Entra ID sends to create a group (members follow in PATCHes).
ENTRA_CREATE_GROUP = {
    "schemas": [GROUP_SCHEMA, MICROSOFT_GROUP],
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "displayName",
    "meta": {"resourceType": "Group"},
}


@pytest.fixture
def people(acme) -> list[User]:
    with schema_context("acme"):
        return [
            user_create(
                actor=SYSTEM, user_name=f"p{i}@acme.test", source="scim", display_name=f"P{i}"
            )
            for i in range(3)
        ]


def member(user: User) -> dict:
    return {"value": str(user.pk), "$ref": f"{BASE}/Users/{user.pk}", "type": "User",
            "display": user.display_name}  # fmt: skip


def group_row(group_id: str) -> Group:
    return in_schema("acme", lambda: Group.objects.get(pk=group_id))


def member_ids(group_id: str) -> set[str]:
    return in_schema(
        "acme",
        lambda: {str(u) for u in Membership.objects.filter(group_id=group_id).values_list(
            "user_id", flat=True)},
    )  # fmt: skip


def test_entra_create_with_microsofts_schema_urn(scim):
    response = scim.post("/Groups", ENTRA_CREATE_GROUP)
    assert response.status_code == 201
    group = group_row(response.json()["id"])
    expected = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": meta("Group", group),
    }
    assert response.json() == expected
    assert response["Location"] == expected["meta"]["location"]
    assert response["ETag"] == 'W/"1"'
    assert scim.get(f"/Groups/{group.pk}?excludedAttributes=members").json() == expected


def test_create_with_members(scim, people):
    body = {"displayName": "Team", "members": [{"value": str(p.pk)} for p in people[:2]]}
    response = scim.post("/Groups", body)
    assert response.status_code == 201
    group = group_row(response.json()["id"])
    assert response.json() == {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "displayName": "Team",
        "members": [member(people[0]), member(people[1])],
        "meta": meta("Group", group),
    }
    assert member_ids(group.pk) == {str(people[0].pk), str(people[1].pk)}


@pytest.mark.parametrize(
    ("body", "detail", "scim_type"),
    [
        ({"externalId": "x"}, "'displayName' is required.", "invalidValue"),
        ({"displayName": 7}, "'displayName' must be a string.", "invalidValue"),
        (
            {"displayName": "T", "members": [{"value": "00000000-0000-0000-0000-000000000009"}]},
            "1 of the members are not users here.",
            "invalidValue",
        ),
        ({"displayName": "T", "members": [{"value": "nope"}]},
         "'members[0].value' is not a valid id: 'nope'.", "invalidValue"),
        ({"displayName": "T", "members": "all"}, "'members' must be a list.", "invalidValue"),
    ],
)  # fmt: skip
def test_bad_groups_are_400_and_create_nothing(scim, people, body, detail, scim_type):
    response = scim.post("/Groups", body)
    assert response.status_code == 400
    assert response.json() == error_body(400, detail, scim_type)
    assert in_schema("acme", Group.objects.count) == 0


def test_excluded_members_never_touch_the_membership_table(scim, people):
    group_id = scim.post("/Groups", {"displayName": "Big", "members": [
        {"value": str(p.pk)} for p in people]}).json()["id"]  # fmt: skip
    table = Membership._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        single = scim.get(f"/Groups/{group_id}?excludedAttributes=members")
        listed = scim.get("/Groups?excludedAttributes=members")
        only_name = scim.get(f"/Groups/{group_id}?attributes=displayName")
    assert "members" not in single.json()
    assert "members" not in listed.json()["Resources"][0]
    assert only_name.json() == {"schemas": [GROUP_SCHEMA], "id": group_id, "displayName": "Big"}
    assert not [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    # …and when members are wanted, they come in the same single query as the group.
    with CaptureQueriesContext(connection) as queries:
        full = scim.get(f"/Groups/{group_id}")
    assert len(full.json()["members"]) == 3
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1


def test_put_replaces_name_and_members(scim, people):
    group_id = scim.post("/Groups", {"displayName": "Old", "externalId": "e1", "members": [
        {"value": str(people[0].pk)}, {"value": str(people[1].pk)}]}).json()["id"]  # fmt: skip
    body = {
        "schemas": [GROUP_SCHEMA, MICROSOFT_GROUP],
        "id": "ignored",
        "displayName": "New",
        "members": [{"value": str(people[1].pk)}, {"value": str(people[2].pk)}],
    }
    response = scim.put(f"/Groups/{group_id}", body)
    assert response.status_code == 200
    group = group_row(group_id)
    assert response.json() == {
        "schemas": [GROUP_SCHEMA],
        "id": group_id,
        "displayName": "New",
        "members": [member(people[1]), member(people[2])],
        "meta": meta("Group", group),
    }
    assert group.external_id is None and group.version == 2
    assert member_ids(group_id) == {str(people[1].pk), str(people[2].pk)}
    # Without members, PUT leaves the group without members (RFC 7644 §3.5.1).
    assert scim.put(f"/Groups/{group_id}", {"displayName": "New"}).status_code == 200
    assert member_ids(group_id) == set()


def test_put_with_stale_if_match_is_412(scim):
    group_id = scim.post("/Groups", {"displayName": "G"}).json()["id"]
    response = scim.put(f"/Groups/{group_id}", {"displayName": "H"}, HTTP_IF_MATCH='W/"3"')
    assert response.status_code == 412
    assert group_row(group_id).display_name == "G"


def test_delete_group_keeps_its_users(scim, people):
    group_id = scim.post("/Groups", {"displayName": "G", "members": [
        {"value": str(p.pk)} for p in people]}).json()["id"]  # fmt: skip
    response = scim.delete(f"/Groups/{group_id}")
    assert response.status_code == 204
    assert scim.get(f"/Groups/{group_id}").json() == error_body(404, f"Group {group_id} not found.")
    assert member_ids(group_id) == set()
    assert in_schema("acme", User.objects.filter(pk__in=[p.pk for p in people]).count) == 3


def test_user_shows_its_groups_read_only(scim, people):
    group_id = scim.post("/Groups", {"displayName": "Readers", "members": [
        {"value": str(people[0].pk)}]}).json()["id"]  # fmt: skip
    user = scim.get(f"/Users/{people[0].pk}").json()
    assert user["groups"] == [{"value": group_id, "$ref": f"{BASE}/Groups/{group_id}",
                               "display": "Readers", "type": "direct"}]  # fmt: skip


def test_unknown_group_is_404(scim):
    for method in ("get", "put", "patch", "delete"):
        response = getattr(scim, method)("/Groups/00000000-0000-0000-0000-000000000000",
                                         **({} if method in ("get", "delete") else {"body": {
                                             "displayName": "x"}}))  # fmt: skip
        assert response.status_code == 404, method


def test_if_none_match_gives_304(scim):
    group_id = scim.post("/Groups", {"displayName": "G"}).json()["id"]
    response = scim.get(f"/Groups/{group_id}", HTTP_IF_NONE_MATCH='W/"1"')
    assert (response.status_code, response.content, response["ETag"]) == (304, b"", 'W/"1"')
    assert scim.get(f"/Groups/{group_id}", HTTP_IF_NONE_MATCH='W/"2"').status_code == 200
