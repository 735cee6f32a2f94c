"""Which SCIM attributes can be filtered and sorted on, and where each one is stored.

Derived from the registry (scim.schemas): every attribute with a column, a JSON list or
membership rows behind it can be filtered. Names are spelled as in RFC 7643 and matched
ignoring case (RFC 7643 §2.1). `caseExact` follows RFC 7643 §4: only ids and `externalId`
compare exactly; other strings ignore case.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, cast

from scim2_filter_parser import ast

from scim import schemas
from scim.errors import invalid_filter
from scim.filters.values import Kind

Resource = Literal["User", "Group"]


@dataclass(frozen=True)
class Column:
    """A single value in one column of the resource's table (or of a table joined to it).

    `unresolved`: a text column that holds the value instead when it names no resource
    here (the enterprise manager); a comparison matches either column.
    """

    field: str
    kind: Kind = "string"
    case_exact: bool = False
    unresolved: str | None = None


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


def _column(attribute: schemas.Attribute) -> Column:
    assert attribute.column is not None
    return Column(
        attribute.column,
        cast(Kind, attribute.kind),
        case_exact=attribute.case_exact or attribute.uuid,
        unresolved=attribute.unresolved_column,
    )


def _stored_subs(attribute: schemas.Attribute) -> dict[str, Column]:
    return {s.name: _column(s) for s in attribute.sub_attributes if s.column}


def _filterable(attribute: schemas.Attribute) -> Attribute | None:
    """How the registry's attribute is stored, as filters need it; None if it is not."""
    default = "value" if attribute.sub("value") is not None else None
    if attribute.link is not None:
        return Related(link=attribute.link, sub=_stored_subs(attribute), default=default)
    if attribute.type == "complex" and attribute.multi_valued and attribute.column:
        return JsonList(
            attribute.column,
            {s.name: cast(Kind, s.kind) for s in attribute.sub_attributes},
            default=default,
            indexed=frozenset(attribute.indexed),
            sort_column=attribute.primary_column,
        )
    if attribute.type == "complex":
        subs = _stored_subs(attribute)
        return Complex(sub=subs, default=default) if subs else None
    return _column(attribute) if attribute.column else None


def _attributes(*groups: tuple[schemas.Attribute, ...]) -> dict[str, Attribute]:
    found = ((a.name, _filterable(a)) for group in groups for a in group)
    return {name: attribute for name, attribute in found if attribute is not None}


# Schema URN -> its attributes, per resource; the first schema is the core one.
SCHEMAS: Mapping[Resource, Mapping[str, Mapping[str, Attribute]]] = {
    cast(Resource, name): {
        resource.core.id: _attributes(schemas.COMMON_ATTRIBUTES, resource.core.attributes),
        **{ext.id: _attributes(ext.attributes) for ext in resource.extensions},
    }
    for name, resource in schemas.RESOURCES.items()
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
