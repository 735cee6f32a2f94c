"""The parsed filter (scim2-filter-parser's AST) translated to a Django Q."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q
from scim2_filter_parser import ast

from accounts.models import Membership
from scim.errors import invalid_filter
from scim.filters.attributes import (
    Attribute,
    Column,
    Complex,
    JsonList,
    Related,
    Resource,
    attribute_resolve,
    name_find,
)
from scim.filters.columns import column_compare
from scim.filters.grammar import MAX_DEPTH
from scim.filters.jsonlists import Sql, element_compare, list_match, list_present

# A Q for the resource, a Q for membership rows, or SQL about one JSON list element.
T = TypeVar("T", Q, Sql)

OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"})


def _combine(
    node: Any,
    *,
    leaf: Callable[[ast.AttrExpr], T],
    value_path: Callable[[ast.Filter], T] | None,
    depth: int = 0,
) -> T:
    """Walk and/or/not/grouping, leaving comparisons (and value paths) to the callbacks."""
    if depth > MAX_DEPTH:
        raise invalid_filter("The filter is nested too deeply.")
    if isinstance(node, ast.Filter):
        if node.namespace is not None:
            if value_path is None:
                raise invalid_filter("A value filter cannot be nested inside another one.")
            result = value_path(node)
        else:
            result = _combine(node.expr, leaf=leaf, value_path=value_path, depth=depth + 1)
        return ~result if node.negated else result
    if isinstance(node, ast.LogExpr):
        op = node.op.lower()
        operands = [
            _combine(operand, leaf=leaf, value_path=value_path, depth=depth + 1)
            for operand in _chain(node, op)
        ]
        result = operands[0]
        for operand in operands[1:]:
            result = result & operand if op == "and" else result | operand
        return result
    if isinstance(node, ast.AttrExpr):
        return leaf(node)
    raise invalid_filter("The filter could not be parsed.")


def _chain(node: ast.LogExpr, op: str) -> list[Any]:
    """The operands of `a or b or c ...`, left to right, without recursion.

    A long list of alternatives (`id eq "1" or id eq "2" or ...`) is one level deep, not one
    level per term, so only real nesting counts against MAX_DEPTH.
    """
    operands: list[Any] = []
    pending: list[Any] = [node]
    while pending:
        current = pending.pop()
        inner = current
        while isinstance(inner, ast.Filter) and not inner.negated and inner.namespace is None:
            inner = inner.expr
        if isinstance(inner, ast.LogExpr) and inner.op.lower() == op:
            pending += [inner.expr2, inner.expr1]
        else:
            operands.append(current)
    return operands


def _operator(node: ast.AttrExpr) -> tuple[str, Any]:
    op = node.value.lower()
    if op not in OPERATORS:  # the grammar already refuses others; this guards upgrades
        raise invalid_filter(f"The operator '{node.value}' is not supported.")
    return op, (node.comp_value.value if node.comp_value is not None else None)


class FilterTranslator:
    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def translate(self, tree: ast.Filter) -> Q:
        return _combine(tree, leaf=self._attr_expr, value_path=self._value_path)

    def _value_path(self, node: ast.Filter) -> Q:
        """`emails[type eq "work"]`: some value of the attribute matches the bracket."""
        label, attribute, sub = attribute_resolve(path=node.namespace, resource=self.resource)
        if sub is not None:
            raise invalid_filter(f"A value filter follows the attribute, not '{label}.{sub}'.")
        return self._values_match(attribute, label, within=node.expr, compare=None)

    def _attr_expr(self, node: ast.AttrExpr) -> Q:
        op, value = _operator(node)
        path = node.attr_path
        if isinstance(path.attr_name, ast.Filter):
            # `emails[type eq "work"].value eq "x"`: the parser moves `.value` onto the
            # bracket's attribute path, so here it reads emails.value[type eq "work"].
            bracket = path.attr_name
            label, attribute, sub = attribute_resolve(
                path=bracket.namespace, resource=self.resource
            )
            if sub is None:
                raise invalid_filter(f"Name a sub-attribute after '{label}[...]' to compare it.")
            return self._values_match(
                attribute, label, within=bracket.expr, compare=(sub, op, value)
            )

        label, attribute, sub = attribute_resolve(path=path, resource=self.resource)
        if isinstance(attribute, Column):
            return column_compare(column=attribute, op=op, value=value, label=label)
        if sub is None:
            if op == "pr":
                return _values_present(attribute)
            # RFC 7644 §3.4.2.2 example `emails co "example.com"`: the `value` sub-attribute.
            sub = attribute.default
            if sub is None:
                parts = ", ".join(f"{label}.{name}" for name in attribute.sub)
                raise invalid_filter(f"'{label}' is complex; compare one of: {parts}.")
        return self._values_match(attribute, label, within=None, compare=(sub, op, value))

    def _values_match(
        self,
        attribute: Attribute,
        label: str,
        *,
        within: Any,
        compare: tuple[str, str, Any] | None,
    ) -> Q:
        """Some single value of a complex or multi-valued attribute satisfies all conditions."""
        if isinstance(attribute, Column):
            raise invalid_filter(f"'{label}' is not a complex attribute; it takes no [filter].")
        if isinstance(attribute, JsonList):
            kinds = attribute.sub

            def json_compare(sub: str, op: str, value: Any) -> Sql:
                return element_compare(
                    key=sub, kind=kinds[sub], op=op, value=value, label=f"{label}.{sub}"
                )

            predicate = _element_predicate(within, compare, kinds, label, json_compare)
            return list_match(
                column=attribute.column, predicate=predicate, indexed=attribute.indexed
            )

        columns = attribute.sub

        def sub_compare(sub: str, op: str, value: Any) -> Q:
            return column_compare(column=columns[sub], op=op, value=value, label=f"{label}.{sub}")

        condition = _element_predicate(within, compare, columns, label, sub_compare)
        if isinstance(attribute, Complex):
            return condition
        rows = Membership.objects.filter(**{attribute.link: OuterRef("pk")})
        # EXISTS rather than a join: one row per resource, however many members match.
        return Q(Exists(rows.filter(condition)))


def _element_predicate(
    within: Any,
    compare: tuple[str, str, Any] | None,
    sub_attributes: Mapping[str, Any],
    label: str,
    sub_compare: Callable[[str, str, Any], T],
) -> T:
    """The bracket's filter (if any) and the trailing comparison (if any), on one value."""

    def leaf(node: ast.AttrExpr) -> T:
        return sub_compare(*_element_operands(node, sub_attributes, label))

    parts: list[T] = []
    if within is not None:
        parts.append(_combine(within, leaf=leaf, value_path=None))
    if compare is not None:
        parts.append(sub_compare(*compare))
    result = parts[0]
    for part in parts[1:]:
        result = result & part
    return result


def _element_operands(
    node: ast.AttrExpr, sub_attributes: Mapping[str, Any], label: str
) -> tuple[str, str, Any]:
    """(sub-attribute, operator, value) of a comparison inside `attr[...]`."""
    path = node.attr_path
    if not isinstance(path.attr_name, str):
        raise invalid_filter("A value filter cannot be nested inside another one.")
    if path.uri is not None or path.sub_attr is not None:
        raise invalid_filter(f"Inside '{label}[...]' name a sub-attribute of {label} alone.")
    sub = name_find(sub_attributes, path.attr_name)
    if sub is None:
        raise invalid_filter(f"Unknown attribute '{label}.{path.attr_name}'.")
    op, value = _operator(node)
    return sub, op, value


def _values_present(attribute: Attribute) -> Q:
    if isinstance(attribute, JsonList):
        return list_present(attribute.column)
    if isinstance(attribute, Related):
        rows = Membership.objects.filter(**{attribute.link: OuterRef("pk")})
        return Q(Exists(rows))
    assert isinstance(attribute, Complex)
    present = Q()
    for name, column in attribute.sub.items():
        present |= column_compare(column=column, op="pr", value=None, label=name)
    return present
