"""The PATCH engine as a whole: shared documents for the dialect and RFC test files, and
what holds across all of them (all or nothing, input untouched, member folding)."""

import copy

import pytest

from scim.errors import ScimError
from scim.patch import MemberChanges, patch_apply

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
BASE = "https://acme.looop.localhost/scim/v2"
USER_ID = "2819c223-7f76-453a-919d-413861904646"
MANAGER_ID = "26118915-6090-4610-87e4-49d8ca9f808d"
NEW_MANAGER_ID = "7cbb0e5d-2cc4-4bb1-bc62-6a9f1b0f6a4e"
GROUP_ID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
ALICE_ID = "0a1b2c3d-0000-4000-8000-000000000001"
BOB_ID = "0a1b2c3d-0000-4000-8000-000000000002"
NO_MEMBER_CHANGES = MemberChanges(add=[], remove=[], replace=None, remove_all=False)


def user_document() -> dict:
    """A user as the server renders it (unassigned attributes left out)."""
    return {
        "schemas": [CORE_USER, ENTERPRISE],
        "id": USER_ID,
        "externalId": "bjensen",
        "userName": "bjensen@acme.test",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "active": True,
        "emails": [
            {"value": "bjensen@acme.test", "type": "work", "primary": True},
            {"value": "babs@jensen.example", "type": "home"},
        ],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {
                "value": MANAGER_ID,
                "$ref": f"{BASE}/Users/{MANAGER_ID}",
                "displayName": "John Smith",
            },
        },
        "meta": {
            "resourceType": "User",
            "created": "2026-01-02T03:04:05Z",
            "lastModified": "2026-01-02T03:04:05Z",
            "location": f"{BASE}/Users/{USER_ID}",
            "version": 'W/"3"',
        },
    }


def group_document() -> dict:
    return {
        "schemas": [CORE_GROUP],
        "id": GROUP_ID,
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Tour Guides",
        "meta": {
            "resourceType": "Group",
            "created": "2026-01-02T03:04:05Z",
            "lastModified": "2026-01-02T03:04:05Z",
            "location": f"{BASE}/Groups/{GROUP_ID}",
            "version": 'W/"1"',
        },
    }


def body(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# -- all or nothing -------------------------------------------------------------------------


def test_input_document_is_never_mutated():
    document = user_document()
    snapshot = copy.deepcopy(document)
    result = patch_apply(
        document,
        body(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@acme.test"},
            {"op": "Remove", "path": "name.givenName"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Finance"},
        ),
        resource="User",
    )
    assert document == snapshot
    assert result.document["emails"][0]["value"] == "new@acme.test"
    assert result.document["emails"] is not document["emails"]


def test_a_bad_second_operation_changes_nothing():
    document = user_document()
    snapshot = copy.deepcopy(document)
    with pytest.raises(ScimError) as caught:
        patch_apply(
            document,
            body(
                {"op": "Replace", "path": "title", "value": "Captain"},
                {"op": "Replace", "path": "active", "value": "maybe"},
            ),
            resource="User",
        )
    assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")
    assert caught.value.detail == "Operation 2 (replace active): 'active' must be a boolean."
    assert caught.value.body() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "detail": "Operation 2 (replace active): 'active' must be a boolean.",
        "scimType": "invalidValue",
    }
    assert document == snapshot


def test_a_bad_member_operation_after_good_ones_raises():
    with pytest.raises(ScimError) as caught:
        patch_apply(
            group_document(),
            body(
                {"op": "Add", "path": "members", "value": [{"value": ALICE_ID}]},
                {"op": "Replace", "path": "displayName", "value": "Guides"},
                {"op": "Remove", "path": 'members[display eq "Bob"]'},
            ),
            resource="Group",
        )
    assert caught.value.scim_type == "invalidFilter"
    assert caught.value.detail.startswith("Operation 3 (remove members[display eq")


# -- member changes folded across operations ----------------------------------------------


def members_after(*operations: dict) -> MemberChanges:
    result = patch_apply(group_document(), body(*operations), resource="Group")
    assert result.document == group_document()  # members never appear in the document
    return result.members


def test_add_then_remove_the_same_member_removes_it():
    assert members_after(
        {"op": "Add", "path": "members", "value": [{"value": ALICE_ID}, {"value": BOB_ID}]},
        {"op": "Remove", "path": "members", "value": [{"value": ALICE_ID}]},
    ) == MemberChanges(add=[BOB_ID], remove=[ALICE_ID], replace=None, remove_all=False)


def test_remove_then_add_the_same_member_adds_it():
    assert members_after(
        {"op": "remove", "path": f'members[value eq "{ALICE_ID}"]'},
        {"op": "add", "path": "members", "value": [{"value": ALICE_ID}]},
    ) == MemberChanges(add=[ALICE_ID], remove=[], replace=None, remove_all=False)


def test_remove_all_members_then_add_one():
    assert members_after(
        {"op": "Add", "path": "members", "value": [{"value": BOB_ID}]},
        {"op": "Remove", "path": "members"},
        {"op": "Add", "path": "members", "value": [{"value": ALICE_ID}]},
        {"op": "Remove", "path": "members", "value": [{"value": BOB_ID}]},
    ) == MemberChanges(add=[ALICE_ID], remove=[], replace=None, remove_all=True)


def test_adds_and_removes_after_a_replace_fold_into_it():
    assert members_after(
        {"op": "Replace", "path": "members", "value": [{"value": ALICE_ID}]},
        {"op": "Add", "path": "members", "value": [{"value": BOB_ID}]},
        {"op": "Remove", "path": "members", "value": [{"value": ALICE_ID}]},
    ) == MemberChanges(add=[], remove=[], replace=[BOB_ID], remove_all=False)


def test_a_replace_discards_earlier_adds_and_removes():
    assert members_after(
        {"op": "Add", "path": "members", "value": [{"value": ALICE_ID}]},
        {"op": "Remove", "path": "members"},
        {"op": "Replace", "path": "members", "value": [{"value": BOB_ID}]},
    ) == MemberChanges(add=[], remove=[], replace=[BOB_ID], remove_all=False)


def test_replace_with_an_empty_list_empties_the_group():
    assert members_after(
        {"op": "Replace", "path": "members", "value": []},
    ) == MemberChanges(add=[], remove=[], replace=[], remove_all=False)


def test_member_ids_compare_without_case_and_are_not_repeated():
    assert members_after(
        {"op": "Add", "path": "members", "value": [{"value": ALICE_ID.upper()}]},
        {"op": "Add", "path": "members", "value": [{"value": BOB_ID}, {"value": BOB_ID}]},
        {"op": "Remove", "path": "members", "value": [{"value": ALICE_ID}]},
    ) == MemberChanges(add=[BOB_ID], remove=[ALICE_ID], replace=None, remove_all=False)


def test_remove_with_an_empty_value_list_removes_nobody():
    assert members_after(
        {"op": "Remove", "path": "members", "value": []},
    ) == MemberChanges(add=[], remove=[], replace=None, remove_all=False)
