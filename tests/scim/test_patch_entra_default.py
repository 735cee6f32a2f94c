"""PATCH bodies exactly as Microsoft Entra ID sends them without `?aadOptscim062020`:
capitalised ops, "True"/"False" strings, filtered paths, bare manager ids, member values."""

from scim.patch import MemberChanges, patch_apply
from tests.scim.test_patch import (
    ALICE_ID,
    BOB_ID,
    CORE_USER,
    ENTERPRISE,
    MANAGER_ID,
    NEW_MANAGER_ID,
    NO_MEMBER_CHANGES,
    body,
    group_document,
    user_document,
)


def test_replace_active_with_the_string_false():
    result = patch_apply(
        user_document(),
        body({"op": "Replace", "path": "active", "value": "False"}),
        resource="User",
    )
    expected = user_document()
    expected["active"] = False
    assert result.document == expected
    assert result.members == NO_MEMBER_CHANGES


def test_replace_active_with_the_string_true_in_any_case():
    document = user_document()
    document["active"] = False
    result = patch_apply(
        document, body({"op": "Replace", "path": "active", "value": "TRUE"}), resource="User"
    )
    assert result.document == user_document()


def test_replace_title_and_department():
    """Phase (c) of the provisioning benchmark: the body Entra sends for a job change."""
    result = patch_apply(
        user_document(),
        body(
            {"op": "Replace", "path": "title", "value": "Senior Tour Guide"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Guest Relations"},
        ),
        resource="User",
    )
    expected = user_document()
    expected["title"] = "Senior Tour Guide"
    expected[ENTERPRISE]["department"] = "Guest Relations"
    assert result.document == expected


def test_add_enterprise_attribute_to_a_user_without_the_extension():
    document = user_document()
    del document[ENTERPRISE]
    document["schemas"] = [CORE_USER]
    result = patch_apply(
        document,
        body({"op": "Add", "path": f"{ENTERPRISE}:costCenter", "value": "4130"}),
        resource="User",
    )
    expected = user_document()
    expected[ENTERPRISE] = {"costCenter": "4130"}
    assert result.document == expected


def test_replace_work_email_value():
    result = patch_apply(
        user_document(),
        body(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "barbara@acme.test"}
        ),
        resource="User",
    )
    expected = user_document()
    expected["emails"][0]["value"] = "barbara@acme.test"
    assert result.document == expected


def test_replace_work_email_when_there_is_none_creates_it():
    document = user_document()
    del document["emails"]
    result = patch_apply(
        document,
        body({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "b@acme.test"}),
        resource="User",
    )
    expected = user_document()
    expected["emails"] = [{"type": "work", "value": "b@acme.test"}]
    assert result.document == expected


def test_add_first_mobile_number_creates_the_element():
    """How Entra gives a user a first mobile number."""
    result = patch_apply(
        user_document(),
        body({"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555"}),
        resource="User",
    )
    expected = user_document()
    expected["phoneNumbers"] = [{"type": "mobile", "value": "+1 555"}]
    assert result.document == expected


def test_add_mobile_number_next_to_a_work_number():
    document = user_document()
    document["phoneNumbers"] = [{"type": "work", "value": "+1 444"}]
    result = patch_apply(
        document,
        body({"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555"}),
        resource="User",
    )
    expected = user_document()
    expected["phoneNumbers"] = [
        {"type": "work", "value": "+1 444"},
        {"type": "mobile", "value": "+1 555"},
    ]
    assert result.document == expected


def test_name_parts_and_work_address():
    result = patch_apply(
        user_document(),
        body(
            {"op": "Add", "path": "name.givenName", "value": "Babs"},
            {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "Replace", "path": "name.formatted", "value": "Babs Jensen-Smith"},
            {
                "op": "Replace",
                "path": 'addresses[type eq "work"].streetAddress',
                "value": "1 Main Street",
            },
            {"op": "Add", "path": 'addresses[type eq "work"].locality', "value": "Hollywood"},
        ),
        resource="User",
    )
    expected = user_document()
    expected["name"] = {
        "familyName": "Jensen-Smith",
        "givenName": "Babs",
        "formatted": "Babs Jensen-Smith",
    }
    expected["addresses"] = [
        {"type": "work", "streetAddress": "1 Main Street", "locality": "Hollywood"}
    ]
    assert result.document == expected


def test_manager_set_with_a_bare_id():
    result = patch_apply(
        user_document(),
        body({"op": "Add", "path": f"{ENTERPRISE}:manager", "value": NEW_MANAGER_ID}),
        resource="User",
    )
    expected = user_document()
    # The old $ref and displayName described the old manager, so the reference is replaced.
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert result.document == expected


def test_manager_replaced_with_a_bare_id_on_a_user_without_one():
    document = user_document()
    del document[ENTERPRISE]["manager"]
    result = patch_apply(
        document,
        body({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": NEW_MANAGER_ID}),
        resource="User",
    )
    expected = user_document()
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert result.document == expected


def test_manager_set_with_a_value_object():
    result = patch_apply(
        user_document(),
        body(
            {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": NEW_MANAGER_ID}}
        ),
        resource="User",
    )
    expected = user_document()
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert result.document == expected


def test_manager_removed():
    result = patch_apply(
        user_document(), body({"op": "Remove", "path": f"{ENTERPRISE}:manager"}), resource="User"
    )
    expected = user_document()
    del expected[ENTERPRISE]["manager"]
    assert result.document == expected


def test_removing_the_last_enterprise_attribute_drops_the_extension():
    document = user_document()
    document[ENTERPRISE] = {"manager": {"value": MANAGER_ID}}
    result = patch_apply(
        document, body({"op": "Remove", "path": f"{ENTERPRISE}:manager"}), resource="User"
    )
    expected = user_document()
    del expected[ENTERPRISE]
    expected["schemas"] = [CORE_USER]
    assert result.document == expected


def test_group_add_members_with_null_ref():
    result = patch_apply(
        group_document(),
        body(
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": ALICE_ID}, {"$ref": None, "value": BOB_ID}],
            }
        ),
        resource="Group",
    )
    assert result.document == group_document()
    assert result.members == MemberChanges(
        add=[ALICE_ID, BOB_ID], remove=[], replace=None, remove_all=False
    )


def test_group_remove_members_with_a_value_list_removes_only_those():
    result = patch_apply(
        group_document(),
        body({"op": "Remove", "path": "members", "value": [{"value": ALICE_ID}]}),
        resource="Group",
    )
    assert result.document == group_document()
    assert result.members == MemberChanges(
        add=[], remove=[ALICE_ID], replace=None, remove_all=False
    )


def test_group_replace_members():
    result = patch_apply(
        group_document(),
        body({"op": "Replace", "path": "members", "value": [{"value": BOB_ID}]}),
        resource="Group",
    )
    assert result.document == group_document()
    assert result.members == MemberChanges(add=[], remove=[], replace=[BOB_ID], remove_all=False)


def test_group_replace_display_name_and_external_id():
    result = patch_apply(
        group_document(),
        body(
            {"op": "Replace", "path": "displayName", "value": "Senior Tour Guides"},
            {"op": "Replace", "path": "externalId", "value": "new-object-id"},
        ),
        resource="Group",
    )
    expected = group_document()
    expected["displayName"] = "Senior Tour Guides"
    expected["externalId"] = "new-object-id"
    assert result.document == expected
    assert result.members == NO_MEMBER_CHANGES


def test_a_full_entra_update_cycle_body():
    """Several attribute changes in one request, as Entra batches them."""
    result = patch_apply(
        user_document(),
        body(
            {"op": "Replace", "path": "displayName", "value": "Barbara Jensen"},
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "barbara@acme.test"},
            {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 444"},
            {"op": "Replace", "path": "externalId", "value": "barbara"},
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "701985"},
            {"op": "Replace", "path": "active", "value": "True"},
        ),
        resource="User",
    )
    expected = user_document()
    expected["displayName"] = "Barbara Jensen"
    expected["emails"][0]["value"] = "barbara@acme.test"
    expected["phoneNumbers"] = [{"type": "work", "value": "+1 444"}]
    expected["externalId"] = "barbara"
    expected[ENTERPRISE]["employeeNumber"] = "701985"
    assert result.document == expected


def test_primary_as_the_string_true_on_a_filtered_path():
    result = patch_apply(
        user_document(),
        body({"op": "Replace", "path": 'emails[type eq "home"].primary', "value": "True"}),
        resource="User",
    )
    expected = user_document()
    expected["emails"] = [
        {"value": "bjensen@acme.test", "type": "work", "primary": False},
        {"value": "babs@jensen.example", "type": "home", "primary": True},
    ]
    assert result.document == expected
