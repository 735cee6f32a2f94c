"""PATCH bodies from Entra with `?aadOptscim062020` (lowercase ops, real booleans, one
no-path op keyed by dotted/URN paths, `members[value eq …]`) and from Okta."""

from scim.patch import MemberChanges, patch_apply
from tests.scim.test_patch import (
    ALICE_ID,
    BOB_ID,
    ENTERPRISE,
    GROUP_ID,
    NEW_MANAGER_ID,
    NO_MEMBER_CHANGES,
    body,
    group_document,
    user_document,
)


def test_one_no_path_replace_keyed_by_dotted_and_urn_paths():
    result = patch_apply(
        user_document(),
        body(
            {
                "op": "replace",
                "value": {
                    "displayName": "X",
                    "name.givenName": "A",
                    f"{ENTERPRISE}:department": "D",
                    'emails[type eq "work"].value': "a@b.test",
                    "active": False,
                },
            }
        ),
        resource="User",
    )
    expected = user_document()
    expected["displayName"] = "X"
    expected["name"]["givenName"] = "A"
    expected[ENTERPRISE]["department"] = "D"
    expected["emails"][0]["value"] = "a@b.test"
    expected["active"] = False
    assert result.document == expected
    assert result.members == NO_MEMBER_CHANGES


def test_no_path_replace_creates_a_missing_work_email_and_manager():
    document = user_document()
    del document["emails"]
    del document[ENTERPRISE]["manager"]
    result = patch_apply(
        document,
        body(
            {
                "op": "replace",
                "value": {
                    'emails[type eq "work"].value': "a@b.test",
                    f"{ENTERPRISE}:manager": NEW_MANAGER_ID,
                    "name.familyName": "Jensen-Smith",
                },
            }
        ),
        resource="User",
    )
    expected = user_document()
    expected["emails"] = [{"type": "work", "value": "a@b.test"}]
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    expected["name"]["familyName"] = "Jensen-Smith"
    assert result.document == expected


def test_lowercase_replace_active_with_a_real_boolean():
    result = patch_apply(
        user_document(), body({"op": "replace", "path": "active", "value": False}), resource="User"
    )
    expected = user_document()
    expected["active"] = False
    assert result.document == expected


def test_remove_member_by_value_filter():
    result = patch_apply(
        group_document(),
        body({"op": "remove", "path": f'members[value eq "{ALICE_ID}"]'}),
        resource="Group",
    )
    assert result.document == group_document()
    assert result.members == MemberChanges(
        add=[], remove=[ALICE_ID], replace=None, remove_all=False
    )


def test_remove_members_by_value_filter_joined_by_or():
    result = patch_apply(
        group_document(),
        body({"op": "remove", "path": f'members[value eq "{ALICE_ID}" or value eq "{BOB_ID}"]'}),
        resource="Group",
    )
    assert result.members == MemberChanges(
        add=[], remove=[ALICE_ID, BOB_ID], replace=None, remove_all=False
    )


def test_add_members_lowercase():
    result = patch_apply(
        group_document(),
        body({"op": "add", "path": "members", "value": [{"value": ALICE_ID}]}),
        resource="Group",
    )
    assert result.members == MemberChanges(
        add=[ALICE_ID], remove=[], replace=None, remove_all=False
    )


def test_no_path_group_rename():
    result = patch_apply(
        group_document(),
        body({"op": "replace", "value": {"displayName": "Guides", "externalId": "guides"}}),
        resource="Group",
    )
    expected = group_document()
    expected["displayName"] = "Guides"
    expected["externalId"] = "guides"
    assert result.document == expected


# -- Okta ---------------------------------------------------------------------------------


def test_okta_deactivation():
    result = patch_apply(
        user_document(), body({"op": "replace", "value": {"active": False}}), resource="User"
    )
    expected = user_document()
    expected["active"] = False
    assert result.document == expected


def test_okta_group_rename_echoes_the_id():
    """Okta sends the group's id in the value; read-only attributes there are ignored."""
    result = patch_apply(
        group_document(),
        body({"op": "replace", "value": {"id": GROUP_ID, "displayName": "Test SCIMv2"}}),
        resource="Group",
    )
    expected = group_document()
    expected["displayName"] = "Test SCIMv2"
    assert result.document == expected


def test_okta_group_member_add_and_remove():
    result = patch_apply(
        group_document(),
        body(
            {"op": "add", "path": "members", "value": [{"value": ALICE_ID, "display": "alice"}]},
            {"op": "remove", "path": f'members[value eq "{BOB_ID}"]'},
        ),
        resource="Group",
    )
    assert result.members == MemberChanges(
        add=[ALICE_ID], remove=[BOB_ID], replace=None, remove_all=False
    )


def test_no_path_add_of_a_partial_resource_merges_and_appends():
    result = patch_apply(
        user_document(),
        body(
            {
                "op": "add",
                "value": {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "nickName": "Babs",
                    "name": {"middleName": "Jane"},
                    "emails": [{"value": "bj@other.example", "type": "other"}],
                    ENTERPRISE: {"division": "Theme Park"},
                },
            }
        ),
        resource="User",
    )
    expected = user_document()
    expected["nickName"] = "Babs"
    expected["name"]["middleName"] = "Jane"
    expected["emails"].append({"value": "bj@other.example", "type": "other"})
    expected[ENTERPRISE]["division"] = "Theme Park"
    assert result.document == expected


def test_no_path_replace_of_a_multi_valued_attribute_replaces_it_whole():
    result = patch_apply(
        user_document(),
        body({"op": "replace", "value": {"emails": [{"value": "only@acme.test", "type": "work"}]}}),
        resource="User",
    )
    expected = user_document()
    expected["emails"] = [{"value": "only@acme.test", "type": "work"}]
    assert result.document == expected


def test_no_path_members_replace():
    result = patch_apply(
        group_document(),
        body({"op": "replace", "value": {"id": GROUP_ID, "members": [{"value": BOB_ID}]}}),
        resource="Group",
    )
    assert result.document == group_document()
    assert result.members == MemberChanges(add=[], remove=[], replace=[BOB_ID], remove_all=False)
