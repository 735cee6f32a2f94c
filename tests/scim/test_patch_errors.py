"""Bad PATCH bodies and operations: each is refused with the right scimType (RFC 7644 §3.12)
and leaves the input document as it was."""

import copy

import pytest

from scim.errors import ScimError
from scim.patch import patch_apply
from tests.scim.test_patch import (
    ALICE_ID,
    CORE_USER,
    ENTERPRISE,
    PATCH_OP,
    body,
    group_document,
    user_document,
)


def refused(document: dict, request_body: object, resource: str = "User") -> ScimError:
    snapshot = copy.deepcopy(document)
    with pytest.raises(ScimError) as caught:
        patch_apply(document, request_body, resource=resource)  # type: ignore[arg-type]
    assert caught.value.status == 400
    assert document == snapshot
    return caught.value


# -- the body -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_body",
    [
        [],
        "Operations",
        {"Operations": [{"op": "replace", "path": "title", "value": "x"}]},
        {"schemas": PATCH_OP, "Operations": [{"op": "replace", "path": "title", "value": "x"}]},
        {"schemas": [CORE_USER], "Operations": [{"op": "replace", "path": "title", "value": "x"}]},
        {"schemas": [PATCH_OP]},
        {"schemas": [PATCH_OP], "Operations": []},
        {"schemas": [PATCH_OP], "Operations": {"op": "replace", "path": "title", "value": "x"}},
        {"schemas": [PATCH_OP], "Operations": ["replace title"]},
        body({"op": "move", "path": "title", "value": "x"}),
        body({"op": "", "path": "title", "value": "x"}),
        body({"op": None, "path": "title", "value": "x"}),
        body({"path": "title", "value": "x"}),
        body({"op": ["replace"], "path": "title", "value": "x"}),
    ],
)
def test_malformed_bodies_are_invalid_syntax(request_body):
    assert refused(user_document(), request_body).scim_type == "invalidSyntax"


def test_missing_patch_op_schema_message():
    error = refused(user_document(), {"Operations": [{"op": "remove", "path": "title"}]})
    assert error.detail == (
        "A PATCH body's 'schemas' must contain 'urn:ietf:params:scim:api:messages:2.0:PatchOp'."
    )


def test_unknown_op_message_names_it():
    error = refused(user_document(), body({"op": "move", "path": "title", "value": "x"}))
    assert error.detail == "Operation 1 has op 'move'; expected 'add', 'replace' or 'remove'."


# -- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "",
        "   ",
        'emails[type eq "work"',
        "emails[type eq]",
        'emails[type "work"]',
        'emails[type zz "work"]',
        'emails[eq "work"]',
        'emails[type eq "work"].',
        'emails[type eq "work"]value',
        'emails[type eq "work" and]',
        'emails[not type eq "work"]',
        'emails[type eq "wo\\qk"]',
        "name..givenName",
        "name.givenName.x",
        "emails]",
        '"userName"',
        "user name",
        "userName!",
        'name.givenName[type eq "x"]',
        'emails[type eq "work"][type eq "home"]',
        'emails[type.x eq "work"]',
    ],
)
def test_unparseable_paths_are_invalid_path(path):
    error = refused(user_document(), body({"op": "replace", "path": path, "value": "x"}))
    assert error.scim_type == "invalidPath", error.detail


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        ("User", "favouriteColour"),
        ("User", "name.nickName"),
        ("User", "userName.value"),
        ("User", 'name[givenName eq "Barbara"]'),
        ("User", 'title[value eq "x"]'),
        ("User", 'emails[colour eq "red"].value'),
        ("User", 'emails[type eq "work"].colour'),
        ("User", "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge"),
        ("User", CORE_USER),
        ("User", f"{ENTERPRISE}:favouriteColour"),
        ("User", "members"),
        ("Group", f"{ENTERPRISE}:department"),
        ("Group", "userName"),
        ("Group", "groups"),
    ],
)
def test_unknown_attributes_are_invalid_path(resource, path):
    document = user_document() if resource == "User" else group_document()
    error = refused(
        document, body({"op": "replace", "path": path, "value": "x"}), resource=resource
    )
    assert error.scim_type == "invalidPath", error.detail


def test_unknown_attribute_message():
    error = refused(
        user_document(), body({"op": "Replace", "path": "favouriteColour", "value": "red"})
    )
    assert error.detail == (
        "Operation 1 (replace favouriteColour): "
        "Unknown attribute 'favouriteColour' in path 'favouriteColour'."
    )


def test_unknown_key_in_a_no_path_value_is_invalid_path():
    error = refused(user_document(), body({"op": "replace", "value": {"favouriteColour": "red"}}))
    assert error.scim_type == "invalidPath"


def test_path_that_is_not_a_string_is_invalid_path():
    error = refused(user_document(), body({"op": "replace", "path": 5, "value": "x"}))
    assert error.scim_type == "invalidPath"


# -- targets and values ---------------------------------------------------------------------


def test_remove_without_a_path_is_no_target():
    error = refused(user_document(), body({"op": "Remove", "value": {"title": "x"}}))
    assert (error.scim_type, error.detail) == (
        "noTarget",
        "Operation 1 (remove (no path)): A remove operation needs a path.",
    )


@pytest.mark.parametrize("op", ["add", "Replace"])
def test_add_or_replace_without_a_value_is_invalid_value(op):
    error = refused(user_document(), body({"op": op, "path": "title"}))
    assert error.scim_type == "invalidValue"


@pytest.mark.parametrize("value", ["title", ["title"], None, 5])
def test_no_path_value_must_be_an_object(value):
    error = refused(user_document(), body({"op": "replace", "value": value}))
    assert error.scim_type == "invalidValue"


@pytest.mark.parametrize(
    ("op", "path"),
    [
        ("replace", "id"),
        ("add", "meta"),
        ("remove", "meta"),
        ("replace", "meta.lastModified"),
        ("remove", "groups"),
        ("add", "groups"),
        ("replace", 'groups[display eq "Tour Guides"].display'),
        ("add", "schemas"),
        ("replace", f"{CORE_USER}:id"),
        ("replace", f"{ENTERPRISE}:manager.displayName"),
    ],
)
def test_read_only_attributes_are_mutability_errors(op, path):
    error = refused(user_document(), body({"op": op, "path": path, "value": "x"}))
    assert error.scim_type == "mutability", error.detail


def test_group_id_is_read_only():
    error = refused(
        group_document(),
        body({"op": "replace", "path": "id", "value": ALICE_ID}),
        resource="Group",
    )
    assert error.scim_type == "mutability"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("active", "maybe"),
        ("active", 1),
        ("active", ["False"]),
        ("title", ["Captain"]),
        ("title", {"value": "Captain"}),
        ("title", 5),
        ("title", True),
        ("userName", 5),
        ("name", "Barbara Jensen"),
        ("name", [{"givenName": "Barbara"}]),
        ("name", {"givenName": 5}),
        ("name", {"nickName": "Babs"}),
        ("name.givenName", {"value": "Barbara"}),
        ("emails", "b@acme.test"),
        ("emails", ["b@acme.test"]),
        ("emails", [{"value": "b@acme.test", "colour": "red"}]),
        ("emails", [{"value": "b@acme.test", "primary": "yes"}]),
        ('emails[type eq "work"].value', ["b@acme.test"]),
        ('emails[type eq "work"]', [{"value": "b@acme.test"}]),
        ('emails[type eq "work"]', "b@acme.test"),
        ('emails[type eq "work"].primary', "maybe"),
        (f"{ENTERPRISE}:manager", 42),
        (f"{ENTERPRISE}:manager", [ALICE_ID]),
        (f"{ENTERPRISE}:department", ["Rides"]),
        (ENTERPRISE, "Rides"),
    ],
)
def test_values_of_the_wrong_type_are_invalid_value(path, value):
    error = refused(user_document(), body({"op": "replace", "path": path, "value": value}))
    assert error.scim_type == "invalidValue", error.detail


def test_two_primary_values_are_invalid_value():
    error = refused(
        user_document(),
        body(
            {
                "op": "replace",
                "path": "emails",
                "value": [
                    {"value": "a@acme.test", "primary": True},
                    {"value": "b@acme.test", "primary": "True"},
                ],
            }
        ),
    )
    assert error.scim_type == "invalidValue"


def test_primary_set_on_several_matching_elements_is_invalid_value():
    error = refused(
        user_document(),
        body({"op": "replace", "path": "emails[value pr].primary", "value": True}),
    )
    assert error.scim_type == "invalidValue"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "userName"},
        {"op": "Remove", "path": f"{CORE_USER}:userName"},
        {"op": "replace", "path": "userName", "value": None},
        {"op": "replace", "path": "userName", "value": ""},
        {"op": "replace", "path": "userName", "value": "   "},
        {"op": "replace", "value": {"userName": None}},
    ],
)
def test_removing_the_required_user_name_is_invalid_value(operation):
    """Decided: RFC 7644 §3.12 invalidValue is "a required value was missing"."""
    error = refused(user_document(), body(operation))
    assert error.scim_type == "invalidValue"


def test_removing_a_group_display_name_is_invalid_value():
    error = refused(
        group_document(), body({"op": "remove", "path": "displayName"}), resource="Group"
    )
    assert error.scim_type == "invalidValue"


# -- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "emails[primary gt true].value",
        'emails[primary eq "maybe"].value',
        "emails[primary co true].value",
        "emails[value co 5].value",
        "emails[value eq 5].value",
        "emails[type sw null].value",
    ],
)
def test_comparisons_that_do_not_suit_the_attribute_are_invalid_filter(path):
    error = refused(user_document(), body({"op": "replace", "path": path, "value": "x"}))
    assert error.scim_type == "invalidFilter", error.detail


# -- members --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        'members[display eq "Alice"]',
        f'members[value ne "{ALICE_ID}"]',
        f'members[value eq "{ALICE_ID}" and display eq "Alice"]',
        f'members[not (value eq "{ALICE_ID}")]',
        "members[value pr]",
    ],
)
def test_member_filters_other_than_value_eq_are_invalid_filter(path):
    error = refused(group_document(), body({"op": "remove", "path": path}), resource="Group")
    assert error.scim_type == "invalidFilter", error.detail


@pytest.mark.parametrize(
    ("op", "path"),
    [
        ("add", f'members[value eq "{ALICE_ID}"]'),
        ("replace", f'members[value eq "{ALICE_ID}"]'),
        ("add", "members.value"),
        ("remove", "members.value"),
    ],
)
def test_member_paths_other_than_members_are_invalid_path(op, path):
    error = refused(
        group_document(),
        body({"op": op, "path": path, "value": [{"value": ALICE_ID}]}),
        resource="Group",
    )
    assert error.scim_type == "invalidPath", error.detail


@pytest.mark.parametrize(
    "value",
    [
        ALICE_ID,
        [ALICE_ID],
        [{"display": "Alice"}],
        [{"value": 5}],
        [{"value": ""}],
        {"members": ALICE_ID},
    ],
)
def test_member_values_without_string_ids_are_invalid_value(value):
    error = refused(
        group_document(),
        body({"op": "add", "path": "members", "value": value}),
        resource="Group",
    )
    assert error.scim_type == "invalidValue", error.detail
