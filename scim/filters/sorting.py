"""`sortBy` (RFC 7644 §3.4.2.3): the column or expression to order a list by.

An attribute that is unknown or cannot be sorted on gets 400 `invalidValue`: the parameter
is well-formed but its value does not fit the resource schema. `invalidSyntax` is about the
request body's structure and `invalidFilter` about `filter`, so neither describes it.
"""

from django.db.models import Expression
from django.db.models.functions import Lower
from scim2_filter_parser import ast

from scim.errors import ScimError, invalid_value
from scim.filters.attributes import Column, Complex, JsonList, Resource, attribute_resolve
from scim.filters.grammar import FilterSyntaxError, tokenize


def sort_field(sort_by: str, resource: Resource) -> str | Expression:
    """A field name, or `Lower(field)` for strings that compare ignoring case."""
    path = _attribute_path(sort_by)
    try:
        label, attribute, sub = attribute_resolve(path=path, resource=resource)
    except ScimError as exc:
        raise invalid_value(f"Cannot sort by '{sort_by}': {exc.detail}") from exc
    column: Column | None = None
    if isinstance(attribute, Column):
        column = attribute
    elif isinstance(attribute, Complex):
        column = attribute.sub.get(sub or attribute.default or "")
    elif isinstance(attribute, JsonList) and attribute.sort_column and sub in (None, "value"):
        # Multi-valued: sort by the primary value, kept in its own column.
        column = Column(attribute.sort_column)
    if column is None:
        raise invalid_value(
            f"Cannot sort by '{label}.{sub}'." if sub else f"Cannot sort by '{label}'."
        )
    if column.kind == "string" and not column.case_exact:
        return Lower(column.field)
    return column.field


def _attribute_path(sort_by: str) -> ast.AttrPath:
    """`[schema URN:]name[.sub]` read with the filter lexer, so names follow the same rules."""
    try:
        tokens = tokenize(sort_by.strip())
    except FilterSyntaxError:
        tokens = []
    types = [kind for kind, _ in tokens]
    values = [value for _, value in tokens]
    uri = None
    if types[:1] == ["SCHEMA_URI"]:
        uri, types, values = values[0], types[1:], values[1:]
    if types == ["ATTRNAME"]:
        return ast.AttrPath(values[0], None, uri)
    if types == ["ATTRNAME", "SUBATTR"]:
        return ast.AttrPath(values[0], ast.SubAttr(values[1]), uri)
    raise invalid_value(f"sortBy must name one attribute, such as userName; got '{sort_by}'.")
