"""RFC 7644 §3.5.2 add, replace and remove, with and without value filters; RFC 7643 §2.4
primary; case-insensitive names; URN-qualified paths."""

import pytest

from scim.errors import ScimError
from scim.patch import patch_apply
from tests.scim.test_patch import (
    CORE_USER,
    ENTERPRISE,
    NEW_MANAGER_ID,
    NO_MEMBER_CHANGES,
    body,
    user_document,
)

WORK = {"value": "bjensen@acme.test", "type": "work", "primary": True}
HOME = {"value": "babs@jensen.example", "type": "home"}


def apply(*operations: dict, document: dict | None = None) -> dict:
    result = patch_apply(document or user_document(), body(*operations), resource="User")
    assert result.members == NO_MEMBER_CHANGES
    return result.document


def with_changes(**changes: object) -> dict:
    expected = user_document()
    expected.update(changes)
    return expected


# -- add (§3.5.2.1) -------------------------------------------------------------------------


def test_add_a_missing_simple_attribute():
    assert apply({"op": "add", "path": "nickName", "value": "Babs"}) == with_changes(
        nickName="Babs"
    )


def test_add_to_an_existing_simple_attribute_replaces_it():
    assert apply({"op": "add", "path": "title", "value": "Captain"}) == with_changes(
        title="Captain"
    )


def test_add_values_to_a_multi_valued_attribute_appends():
    other = {"value": "bj@other.example", "type": "other"}
    assert apply({"op": "add", "path": "emails", "value": [other]}) == with_changes(
        emails=[WORK, HOME, other]
    )


def test_add_a_value_already_present_changes_nothing():
    assert apply({"op": "add", "path": "emails", "value": [HOME]}) == user_document()


def test_add_a_single_object_to_a_multi_valued_attribute():
    other = {"value": "bj@other.example", "type": "other"}
    assert apply({"op": "add", "path": "emails", "value": other}) == with_changes(
        emails=[WORK, HOME, other]
    )


def test_add_a_primary_value_clears_primary_on_the_others():
    new = {"value": "new@acme.test", "type": "work", "primary": True}
    assert apply({"op": "add", "path": "emails", "value": [new]}) == with_changes(
        emails=[{**WORK, "primary": False}, HOME, new]
    )


def test_add_to_a_complex_attribute_merges_sub_attributes():
    assert apply(
        {"op": "add", "path": "name", "value": {"middleName": "Jane", "givenName": "Babs"}}
    ) == with_changes(name={"familyName": "Jensen", "givenName": "Babs", "middleName": "Jane"})


def test_add_to_a_complex_attribute_the_user_lacks():
    document = user_document()
    del document["name"]
    assert apply(
        {"op": "add", "path": "name.givenName", "value": "Babs"}, document=document
    ) == with_changes(name={"givenName": "Babs"})


def test_extension_value_may_echo_its_schemas():
    """scim2-tester sends the extension object with its own `schemas`; it is not data."""
    expected = user_document()
    expected[ENTERPRISE]["department"] = "Rides"
    value = {"schemas": [ENTERPRISE], "department": "Rides"}
    assert apply({"op": "replace", "path": ENTERPRISE, "value": value}) == expected


def test_add_extension_attributes_through_the_extension_urn():
    expected = user_document()
    expected[ENTERPRISE]["division"] = "Theme Park"
    expected[ENTERPRISE]["department"] = "Rides"
    assert (
        apply(
            {
                "op": "add",
                "path": ENTERPRISE,
                "value": {"division": "Theme Park", "department": "Rides"},
            }
        )
        == expected
    )


def test_add_with_a_filter_and_several_terms_creates_the_element_from_them():
    document = user_document()
    del document["emails"]
    assert apply(
        {
            "op": "add",
            "path": 'emails[type eq "work" and primary eq true].value',
            "value": "b@acme.test",
        },
        document=document,
    ) == with_changes(emails=[{"type": "work", "primary": True, "value": "b@acme.test"}])


def test_add_null_to_a_multi_valued_attribute_changes_nothing():
    assert apply({"op": "add", "path": "emails", "value": None}) == user_document()


# -- replace (§3.5.2.3) ---------------------------------------------------------------------


def test_replace_a_whole_multi_valued_attribute():
    new = {"value": "only@acme.test", "type": "work"}
    assert apply({"op": "replace", "path": "emails", "value": [new]}) == with_changes(emails=[new])


def test_replace_a_complex_attribute_leaves_unmentioned_sub_attributes():
    assert apply({"op": "replace", "path": "name", "value": {"givenName": "Babs"}}) == (
        with_changes(name={"familyName": "Jensen", "givenName": "Babs"})
    )


def test_replace_filtered_elements_merges_into_each_match():
    document = user_document()
    document["phoneNumbers"] = [
        {"value": "+1 1", "type": "work"},
        {"value": "+1 2", "type": "mobile"},
        {"value": "+1 3", "type": "WORK"},
    ]
    assert apply(
        {
            "op": "replace",
            "path": 'phoneNumbers[type eq "work"]',
            "value": {"display": "Office"},
        },
        document=document,
    ) == with_changes(
        phoneNumbers=[
            {"value": "+1 1", "type": "work", "display": "Office"},
            {"value": "+1 2", "type": "mobile"},
            {"value": "+1 3", "type": "WORK", "display": "Office"},
        ]
    )


def test_replace_filtered_sub_attribute_with_a_filter_matching_nothing_creates_it():
    assert apply(
        {"op": "replace", "path": 'addresses[type eq "home"].locality', "value": "Burbank"}
    ) == with_changes(
        addresses=[
            {"type": "work", "streetAddress": "100 Universal City Plaza"},
            {"type": "home", "locality": "Burbank"},
        ]
    )


def test_replace_with_a_filter_that_cannot_describe_a_new_element_is_no_target():
    with pytest.raises(ScimError) as caught:
        apply(
            {
                "op": "replace",
                "path": 'emails[type eq "other" or type eq "x"].value',
                "value": "x@acme.test",
            }
        )
    assert caught.value.scim_type == "noTarget"


def test_replace_primary_on_the_home_email_moves_it():
    assert apply(
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}
    ) == with_changes(emails=[{**WORK, "primary": False}, {**HOME, "primary": True}])


def test_replace_with_null_unassigns():
    expected = user_document()
    del expected["title"]
    assert apply({"op": "replace", "path": "title", "value": None}) == expected


def test_replace_manager_through_its_value_sub_attribute():
    expected = user_document()
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert (
        apply({"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": NEW_MANAGER_ID})
        == expected
    )


def test_replace_with_an_empty_manager_id_clears_it():
    expected = user_document()
    del expected[ENTERPRISE]["manager"]
    assert apply({"op": "replace", "path": f"{ENTERPRISE}:manager", "value": ""}) == expected


def test_manager_display_name_sent_back_is_ignored():
    expected = user_document()
    expected[ENTERPRISE]["manager"] = {"value": NEW_MANAGER_ID}
    assert (
        apply(
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:manager",
                "value": {"value": NEW_MANAGER_ID, "displayName": "Someone"},
            }
        )
        == expected
    )


# -- remove (§3.5.2.2) ----------------------------------------------------------------------


def test_remove_a_simple_attribute():
    expected = user_document()
    del expected["title"]
    assert apply({"op": "remove", "path": "title"}) == expected


def test_remove_a_sub_attribute():
    assert apply({"op": "remove", "path": "name.givenName"}) == with_changes(
        name={"familyName": "Jensen"}
    )


def test_remove_the_last_sub_attribute_unassigns_the_complex_attribute():
    expected = user_document()
    del expected["name"]
    assert (
        apply(
            {"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}
        )
        == expected
    )


def test_remove_a_whole_multi_valued_attribute():
    expected = user_document()
    del expected["emails"]
    assert apply({"op": "remove", "path": "emails"}) == expected


def test_remove_filtered_elements():
    assert apply({"op": "remove", "path": 'emails[type eq "work"]'}) == with_changes(emails=[HOME])


def test_remove_the_last_filtered_element_unassigns_the_attribute():
    expected = user_document()
    del expected["addresses"]
    assert apply({"op": "remove", "path": 'addresses[type eq "work"]'}) == expected


def test_remove_a_filtered_sub_attribute():
    document = user_document()
    document["emails"][0]["display"] = "Work mail"
    assert apply(
        {"op": "remove", "path": 'emails[type eq "work"].display'}, document=document
    ) == with_changes(emails=[WORK, HOME])


def test_remove_with_a_filter_matching_nothing_is_a_no_op():
    """Decided: §3.5.2.2 names noTarget only for a missing path; Entra retries removals."""
    assert apply({"op": "remove", "path": 'phoneNumbers[type eq "fax"]'}) == user_document()
    assert apply({"op": "remove", "path": 'emails[type eq "other"].value'}) == user_document()


def test_remove_an_attribute_that_is_not_there_is_a_no_op():
    assert apply({"op": "remove", "path": "nickName"}) == user_document()
    assert apply({"op": "remove", "path": f"{ENTERPRISE}:costCenter"}) == user_document()


def test_remove_given_values_of_a_multi_valued_attribute():
    assert apply(
        {"op": "remove", "path": "emails", "value": [{"value": "BABS@jensen.example"}]}
    ) == with_changes(emails=[WORK])


def test_remove_the_whole_extension():
    expected = user_document()
    del expected[ENTERPRISE]
    expected["schemas"] = [CORE_USER]
    assert apply({"op": "remove", "path": ENTERPRISE}) == expected


# -- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        'emails[type eq "WORK"].value',
        'emails[TYPE Eq "work"].value',
        'emails[value ew "@ACME.test"].value',
        'emails[value sw "bjensen"].value',
        'emails[value co "jensen@"].value',
        "emails[primary eq true].value",
        'emails[primary eq "True"].value',
        'emails[type eq "work" and primary eq TRUE].value',
        'emails[type eq "other" or primary eq true].value',
        'emails[not (type eq "home")].value',
        'emails[type ne "home"].value',
        'emails[(type eq "x" or type eq "work") and value pr].value',
        'emails[value gt "bj"].value',
        'emails[value ge "bjensen@acme.test"].value',
    ],
)
def test_value_filters_select_the_work_email(path):
    assert apply({"op": "replace", "path": path, "value": "new@acme.test"}) == with_changes(
        emails=[{**WORK, "value": "new@acme.test"}, HOME]
    )


def test_and_binds_tighter_than_or():
    # type eq "home" or (type eq "work" and primary eq false): only the home email.
    assert apply(
        {
            "op": "replace",
            "path": 'emails[type eq "home" or type eq "work" and primary eq false].display',
            "value": "Home",
        }
    ) == with_changes(emails=[WORK, {**HOME, "display": "Home"}])


def test_a_filter_over_all_elements_without_brackets():
    """`emails.display` acts on every element (no filter selects all)."""
    assert apply({"op": "add", "path": "emails.display", "value": "Mail"}) == with_changes(
        emails=[{**WORK, "display": "Mail"}, {**HOME, "display": "Mail"}]
    )


# -- names --------------------------------------------------------------------------------


def test_op_names_body_keys_and_attribute_names_are_case_insensitive():
    result = patch_apply(
        user_document(),
        {
            "SCHEMAS": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],
            "operations": [
                {"OP": "REPLACE", "Path": "DISPLAYNAME", "Value": "Barbara"},
                {"Op": "rePlace", "PATH": 'EMAILS[TYPE EQ "work"].VALUE', "VALUE": "b@acme.test"},
                {"op": "ADD", "path": "Name.GivenName", "value": "Barb"},
            ],
        },
        resource="User",
    )
    assert result.document == with_changes(
        displayName="Barbara",
        emails=[{**WORK, "value": "b@acme.test"}, HOME],
        name={"familyName": "Jensen", "givenName": "Barb"},
    )


def test_core_schema_urn_qualified_paths():
    assert apply(
        {"op": "replace", "path": f"{CORE_USER}:userName", "value": "barbara@acme.test"},
        {"op": "replace", "path": f"{CORE_USER}:name.familyName", "value": "Smith"},
    ) == with_changes(
        userName="barbara@acme.test", name={"familyName": "Smith", "givenName": "Barbara"}
    )


def test_extension_urn_in_another_case():
    expected = user_document()
    expected[ENTERPRISE]["department"] = "Rides"
    assert (
        apply({"op": "replace", "path": f"{ENTERPRISE.upper()}:Department", "value": "Rides"})
        == expected
    )


def test_a_document_key_in_another_case_is_replaced_with_the_canonical_name():
    document = user_document()
    document["TITLE"] = document.pop("title")
    assert apply(
        {"op": "replace", "path": "title", "value": "Captain"}, document=document
    ) == with_changes(title="Captain")


def test_less_than_selects_the_home_email():
    assert apply(
        {"op": "replace", "path": 'emails[value lt "bj"].display', "value": "Home"}
    ) == with_changes(emails=[WORK, {**HOME, "display": "Home"}])
