"""PATCH /Groups/{id}: Entra's member operations as set-based SQL, both dialects, atomically."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import GROUP_SCHEMA, PATCH_OP, in_schema, meta

pytestmark = pytest.mark.django_db
BASE = "http://acme.looop.localhost/scim/v2"


def ops(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.fixture
def people(acme) -> list[User]:
    with schema_context("acme"):
        return [
            user_create(actor=SYSTEM, user_name=f"m{i}@acme.test", source="scim") for i in range(60)
        ]


@pytest.fixture
def group(acme) -> Group:
    with schema_context("acme"):
        return Group.objects.create(display_name="Group A", external_id="g-1")


def members(group: Group) -> set[str]:
    return in_schema("acme", lambda: {str(u) for u in Membership.objects.filter(
        group=group).values_list("user_id", flat=True)})  # fmt: skip


def version(group: Group) -> int:
    return in_schema("acme", lambda: Group.objects.get(pk=group.pk).version)


def test_entra_adds_members_in_one_statement(scim, group, people):
    value = [{"$ref": None, "value": str(p.pk)} for p in people[:50]]
    with CaptureQueriesContext(connection) as queries:
        response = scim.patch(f"/Groups/{group.pk}", ops({"op": "Add", "path": "members",
                                                          "value": value}))  # fmt: skip
    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"] == 'W/"2"'
    assert members(group) == {str(p.pk) for p in people[:50]}
    inserts = [q for q in queries.captured_queries if "INSERT INTO" in q["sql"]
               and Membership._meta.db_table in q["sql"]]  # fmt: skip
    assert len(inserts) == 1  # set-based: one statement for 50 members


def test_adding_existing_members_again_is_harmless(scim, group, people):
    body = ops({"op": "Add", "path": "members", "value": [{"value": str(people[0].pk)}]})
    assert scim.patch(f"/Groups/{group.pk}", body).status_code == 204
    assert scim.patch(f"/Groups/{group.pk}", body).status_code == 204
    assert members(group) == {str(people[0].pk)}
    assert version(group) == 2  # the retry changed nothing


def test_entra_removes_only_the_listed_members(scim, group, people):
    with schema_context("acme"):
        Membership.objects.bulk_create(Membership(group=group, user=p) for p in people[:3])
    body = ops({"op": "Remove", "path": "members", "value": [{"value": str(people[1].pk)}]})
    assert scim.patch(f"/Groups/{group.pk}", body).status_code == 204
    assert members(group) == {str(people[0].pk), str(people[2].pk)}


def test_aad_optscim062020_removes_by_value_filter(scim, group, people):
    with schema_context("acme"):
        Membership.objects.bulk_create(Membership(group=group, user=p) for p in people[:2])
    body = ops({"op": "remove", "path": f'members[value eq "{people[0].pk}"]'})
    assert scim.patch(f"/Groups/{group.pk}?aadOptscim062020", body).status_code == 204
    assert members(group) == {str(people[1].pk)}


def test_replace_display_name_and_members(scim, group, people):
    with schema_context("acme"):
        Membership.objects.bulk_create(Membership(group=group, user=p) for p in people[:2])
    body = ops(
        {"op": "Replace", "path": "displayName", "value": "Group B"},
        {"op": "replace", "path": "members", "value": [{"value": str(people[5].pk)}]},
    )
    response = scim.patch(f"/Groups/{group.pk}?excludedAttributes=members", body)
    assert response.status_code == 200  # a representation was asked for
    fresh = in_schema("acme", lambda: Group.objects.get(pk=group.pk))
    assert response.json() == {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "externalId": "g-1",
        "displayName": "Group B",
        "meta": meta("Group", fresh),
    }
    assert members(group) == {str(people[5].pk)}


def test_remove_all_members(scim, group, people):
    with schema_context("acme"):
        Membership.objects.bulk_create(Membership(group=group, user=p) for p in people[:4])
    assert (
        scim.patch(f"/Groups/{group.pk}", ops({"op": "remove", "path": "members"})).status_code
        == 204
    )
    assert members(group) == set()


def test_an_unknown_member_fails_the_whole_patch(scim, group, people):
    body = ops(
        {"op": "Replace", "path": "displayName", "value": "Renamed"},
        {"op": "Add", "path": "members", "value": [
            {"value": str(people[0].pk)}, {"value": "00000000-0000-0000-0000-000000000000"}]},
    )  # fmt: skip
    response = scim.patch(f"/Groups/{group.pk}", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert members(group) == set()
    assert in_schema("acme", lambda: Group.objects.get(pk=group.pk).display_name) == "Group A"


def test_operations_on_read_only_attributes_are_refused(scim, group):
    response = scim.patch(f"/Groups/{group.pk}", ops({"op": "replace", "path": "id",
                                                      "value": "x"}))  # fmt: skip
    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"
    assert version(group) == 1


def test_a_deleted_user_cannot_be_added(scim, group, people):
    assert scim.delete(f"/Users/{people[0].pk}").status_code == 204
    body = ops({"op": "Add", "path": "members", "value": [{"value": str(people[0].pk)}]})
    assert scim.patch(f"/Groups/{group.pk}", body).status_code == 400
