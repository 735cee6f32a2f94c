"""Which SCIM attributes can be filtered and sorted on, and where each one is stored.

Names are matched case-insensitively (RFC 7643 §2.1). `caseExact` follows RFC 7643 §4:
only `id` and `externalId` compare exactly; every other string compares ignoring case.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scim2_filter_parser import ast

from scim.errors import invalid_filter
from scim.filters.values import Kind

Resource = Literal["User", "Group"]

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:group"


@dataclass(frozen=True)
class Column:
    """A single value in one column of the resource's table (or of a table joined to it)."""

    field: str
    kind: Kind = "string"
    case_exact: bool = False


@dataclass(frozen=True)
class Complex:
    """A single-valued complex attribute (`name`, `manager`, `meta`): one column per part."""

    sub: Mapping[str, Column]
    default: str | None = None  # the part a filter means when it names none (`manager`)


@dataclass(frozen=True)
class JsonList:
    """A multi-valued attribute kept as a JSONB list of objects, as the client sent it."""

    column: str
    sub: Mapping[str, Kind]  # lower-cased sub-attribute name -> kind
    default: str | None = "value"
    # Sub-attributes whose `eq` may narrow rows through the GIN index on the lower-cased
    # list before the exact check (see jsonlists.py); only lists that have that index.
    indexed: frozenset[str] = frozenset()
    sort_column: str | None = None  # RFC 7644 §3.4.2.3: sort by the primary value


@dataclass(frozen=True)
class Related:
    """A multi-valued attribute whose values are rows of `accounts.Membership`."""

    link: str  # the membership column pointing at the resource being filtered
    sub: Mapping[str, Column]
    default: str | None = "value"


Attribute = Column | Complex | JsonList | Related

_EMAIL_OR_PHONE: Mapping[str, Kind] = {
    "value": "string",
    "type": "string",
    "display": "string",
    "primary": "boolean",
}
_META = Complex(
    sub={
        "created": Column("created", "datetime"),
        "lastmodified": Column("last_modified", "datetime"),
    }
)

USER_CORE: Mapping[str, Attribute] = {
    "id": Column("id", "uuid", case_exact=True),
    "externalid": Column("external_id", case_exact=True),
    "username": Column("user_name"),
    "active": Column("active", "boolean"),
    "displayname": Column("display_name"),
    "nickname": Column("nick_name"),
    "profileurl": Column("profile_url"),
    "title": Column("title"),
    "usertype": Column("user_type"),
    "preferredlanguage": Column("preferred_language"),
    "locale": Column("locale"),
    "timezone": Column("timezone"),
    "name": Complex(
        sub={
            "formatted": Column("name_formatted"),
            "familyname": Column("name_family"),
            "givenname": Column("name_given"),
            "middlename": Column("name_middle"),
            "honorificprefix": Column("name_honorific_prefix"),
            "honorificsuffix": Column("name_honorific_suffix"),
        }
    ),
    "emails": JsonList(
        "emails", _EMAIL_OR_PHONE, indexed=frozenset({"value", "type"}), sort_column="email"
    ),
    "phonenumbers": JsonList("phone_numbers", _EMAIL_OR_PHONE),
    "addresses": JsonList(
        "addresses",
        {
            "formatted": "string",
            "streetaddress": "string",
            "locality": "string",
            "region": "string",
            "postalcode": "string",
            "country": "string",
            "type": "string",
            "primary": "boolean",
        },
        default=None,
    ),
    "groups": Related(
        link="user",
        sub={
            "value": Column("group_id", "uuid", case_exact=True),
            "display": Column("group__display_name"),
        },
    ),  # fmt: skip
    "meta": _META,
}
USER_ENTERPRISE: Mapping[str, Attribute] = {
    "employeenumber": Column("employee_number"),
    "costcenter": Column("cost_center"),
    "organization": Column("organization"),
    "division": Column("division"),
    "department": Column("department"),
    "manager": Complex(
        sub={
            "value": Column("manager_id", "uuid", case_exact=True),
            "displayname": Column("manager__display_name"),
        },
        default="value",
    ),
}
GROUP_CORE: Mapping[str, Attribute] = {
    "id": Column("id", "uuid", case_exact=True),
    "externalid": Column("external_id", case_exact=True),
    "displayname": Column("display_name"),
    "members": Related(
        link="group",
        sub={
            "value": Column("user_id", "uuid", case_exact=True),
            "display": Column("user__display_name"),
        },
    ),  # fmt: skip
    "meta": _META,
}

# Schema URN -> its attributes, per resource; the first schema is the core one.
SCHEMAS: Mapping[Resource, Mapping[str, Mapping[str, Attribute]]] = {
    "User": {CORE_USER: USER_CORE, ENTERPRISE_USER: USER_ENTERPRISE},
    "Group": {CORE_GROUP: GROUP_CORE},
}


def attribute_resolve(
    *, path: ast.AttrPath, resource: Resource
) -> tuple[str, Attribute, str | None]:
    """(display name, attribute, lower-cased sub-attribute) for a plain attribute path."""
    if not isinstance(path.attr_name, str):
        raise invalid_filter("A value filter cannot be nested inside another one.")
    schemas = SCHEMAS[resource]
    name = path.attr_name.lower()
    if path.uri is not None:
        attributes = schemas.get(path.uri.lower())
        if attributes is None:
            raise invalid_filter(f"Unknown schema '{path.uri}' for {resource} resources.")
        attribute = attributes.get(name)
    else:
        attribute = next((a[name] for a in schemas.values() if name in a), None)
    label = f"{path.attr_name}.{path.sub_attr.value}" if path.sub_attr else path.attr_name
    if attribute is None:
        raise invalid_filter(f"Unknown attribute '{label}' for {resource} resources.")
    sub = path.sub_attr.value.lower() if path.sub_attr is not None else None
    if sub is not None:
        if isinstance(attribute, Column):
            raise invalid_filter(f"'{path.attr_name}' has no sub-attributes.")
        if sub not in attribute.sub:
            raise invalid_filter(f"Unknown attribute '{label}' for {resource} resources.")
    return label, attribute, sub
