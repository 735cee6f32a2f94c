"""Which SCIM attributes can be filtered and sorted on, and where each one is stored.

Names are spelled as in RFC 7643 and matched ignoring case (RFC 7643 §2.1). `caseExact`
follows RFC 7643 §4: only `id` and `externalId` compare exactly; other strings ignore case.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from scim2_filter_parser import ast

from scim.errors import invalid_filter
from scim.filters.values import Kind
from scim.schemas import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

Resource = Literal["User", "Group"]


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
    sub: Mapping[str, Kind]
    default: str | None = "value"
    # Lower-cased sub-attributes whose `eq` may narrow rows through the GIN index on the
    # lower-cased list before the exact check (see jsonlists.py); only lists with that index.
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
        "lastModified": Column("last_modified", "datetime"),
    }
)

USER_CORE: Mapping[str, Attribute] = {
    "id": Column("id", "uuid", case_exact=True),
    "externalId": Column("external_id", case_exact=True),
    "userName": Column("user_name"),
    "active": Column("active", "boolean"),
    "displayName": Column("display_name"),
    "nickName": Column("nick_name"),
    "profileUrl": Column("profile_url"),
    "title": Column("title"),
    "userType": Column("user_type"),
    "preferredLanguage": Column("preferred_language"),
    "locale": Column("locale"),
    "timezone": Column("timezone"),
    "name": Complex(
        sub={
            "formatted": Column("name_formatted"),
            "familyName": Column("name_family"),
            "givenName": Column("name_given"),
            "middleName": Column("name_middle"),
            "honorificPrefix": Column("name_honorific_prefix"),
            "honorificSuffix": Column("name_honorific_suffix"),
        }
    ),
    "emails": JsonList(
        "emails", _EMAIL_OR_PHONE, indexed=frozenset({"value", "type"}), sort_column="email"
    ),
    "phoneNumbers": JsonList("phone_numbers", _EMAIL_OR_PHONE),
    "addresses": JsonList(
        "addresses",
        {
            "formatted": "string",
            "streetAddress": "string",
            "locality": "string",
            "region": "string",
            "postalCode": "string",
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
    "employeeNumber": Column("employee_number"),
    "costCenter": Column("cost_center"),
    "organization": Column("organization"),
    "division": Column("division"),
    "department": Column("department"),
    "manager": Complex(
        sub={
            "value": Column("manager_id", "uuid", case_exact=True),
            "displayName": Column("manager__display_name"),
        },
        default="value",
    ),
}
GROUP_CORE: Mapping[str, Attribute] = {
    "id": Column("id", "uuid", case_exact=True),
    "externalId": Column("external_id", case_exact=True),
    "displayName": Column("display_name"),
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
    "User": {USER_SCHEMA: USER_CORE, ENTERPRISE_SCHEMA: USER_ENTERPRISE},
    "Group": {GROUP_SCHEMA: GROUP_CORE},
}


def name_find(names: Iterable[str], name: str) -> str | None:
    """The canonical spelling of `name` among `names`, ignoring case (RFC 7643 §2.1)."""
    wanted = name.lower()
    return next((known for known in names if known.lower() == wanted), None)


def attribute_resolve(
    *, path: ast.AttrPath, resource: Resource
) -> tuple[str, Attribute, str | None]:
    """(canonical name, attribute, canonical sub-attribute) for a plain attribute path."""
    if not isinstance(path.attr_name, str):
        raise invalid_filter("A value filter cannot be nested inside another one.")
    schemas = SCHEMAS[resource]
    written = f"{path.attr_name}.{path.sub_attr.value}" if path.sub_attr else path.attr_name
    unknown = invalid_filter(f"Unknown attribute '{written}' for {resource} resources.")
    if path.uri is not None:
        uri = name_find(schemas, path.uri)
        if uri is None:
            raise invalid_filter(f"Unknown schema '{path.uri}' for {resource} resources.")
        candidates = [schemas[uri]]
    else:
        candidates = list(schemas.values())
    for attributes in candidates:
        if (name := name_find(attributes, path.attr_name)) is not None:
            break
    else:
        raise unknown
    attribute = attributes[name]
    if path.sub_attr is None:
        return name, attribute, None
    if isinstance(attribute, Column):
        raise invalid_filter(f"'{name}' has no sub-attributes.")
    sub = name_find(attribute.sub, path.sub_attr.value)
    if sub is None:
        raise unknown
    return name, attribute, sub
