"""The attribute registry (scim/schemas.py) is the one place facts about an attribute live."""

from accounts.models import Group, User
from scim import discovery, schemas
from scim.filters.attributes import SCHEMAS as FILTERABLE
from scim.filters.attributes import Column, Complex, JsonList, Related
from scim.users import WRITABLE_FIELDS

MODELS = {"User": User, "Group": Group}


def _field_exists(model, path: str) -> bool:
    """`group__display_name` names a field of a related model."""
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model or model
    return True


def test_every_declared_column_exists_on_its_model():
    for name, resource in schemas.RESOURCES.items():
        model = MODELS[name]
        attributes = [*schemas.COMMON_ATTRIBUTES, *resource.core.attributes]
        attributes += [a for ext in resource.extensions for a in ext.attributes]
        for attribute in attributes:
            for item in (attribute, *attribute.sub_attributes):
                for column in (item.column, item.primary_column, item.unresolved_column):
                    if column and attribute.link is None:
                        assert _field_exists(model, column), (name, item.name, column)


def test_filters_derive_their_columns_from_the_registry():
    user = FILTERABLE["User"]
    core, enterprise = user[schemas.USER_SCHEMA], user[schemas.ENTERPRISE_SCHEMA]
    assert core["userName"] == Column("user_name")
    assert core["id"] == Column("id", "uuid", case_exact=True)
    assert core["emails"] == JsonList(
        "emails",
        {"value": "string", "display": "string", "type": "string", "primary": "boolean"},
        indexed=frozenset({"value", "type"}),
        sort_column="email",
    )
    assert core["groups"] == Related(
        link="user",
        sub={
            "value": Column("group_id", "uuid", case_exact=True),
            "display": Column("group__display_name"),
        },
    )
    assert enterprise["manager"] == Complex(
        sub={
            "value": Column("manager_id", "uuid", case_exact=True, unresolved="manager_unresolved"),
            "displayName": Column("manager__display_name"),
        },
        default="value",
    )
    # Not stored, so not filterable: `schemas` and the computed parts of `meta`.
    assert "schemas" not in core
    assert set(core["meta"].sub) == {"created", "lastModified"}


def test_writable_fields_are_the_writable_stored_attributes():
    assert WRITABLE_FIELDS == (
        "external_id",
        "user_name",
        "name_formatted",
        "name_family",
        "name_given",
        "name_middle",
        "name_honorific_prefix",
        "name_honorific_suffix",
        "display_name",
        "nick_name",
        "profile_url",
        "title",
        "user_type",
        "preferred_language",
        "locale",
        "timezone",
        "active",
        "emails",
        "email",
        "phone_numbers",
        "addresses",
        "employee_number",
        "cost_center",
        "organization",
        "division",
        "department",
        "manager_id",
        "manager_unresolved",
    )


def test_resource_types_come_from_the_registry():
    assert discovery.RESOURCE_TYPES["User"]["schemaExtensions"] == [
        {"schema": schemas.ENTERPRISE_SCHEMA, "required": False}
    ]
    assert discovery.RESOURCE_TYPES["Group"]["endpoint"] == "/Groups"
