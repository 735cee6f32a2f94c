"""Filters over multi-valued attributes kept as JSONB lists (`emails`, `phoneNumbers`, ...).

A value filter such as `emails[type eq "work" and value co "@x"]` becomes
`EXISTS (SELECT 1 FROM jsonb_array_elements(<list>) AS scim_el(item) WHERE <predicate>)`,
so all conditions hold for the *same* element (RFC 7644 §3.4.2.2). The list is lower-cased
as text first: every sub-attribute of these lists is `caseExact: false` (RFC 7643 §4.1.2),
and lower-casing the keys also matches `"Value"` sent by a client against `value`.

The SQL text holds only fixed fragments; sub-attribute names and values travel as query
parameters, so a filter cannot inject SQL.

Substring operators (`co`, `sw`, `ew`) are refused: no index serves them (see
element_compare).

`eq` on an indexed sub-attribute also adds `lower(list::text)::jsonb @> [{...}]`, which the
GIN index `user_emails_ci_gin` answers; it is implied by the exact EXISTS check (both compare
JSON strings), so it only narrows rows and never changes the result.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Expression, F, JSONField, Q, TextField, Value
from django.db.models.fields.json import DataContains
from django.db.models.functions import Cast, Lower

from scim.errors import invalid_filter
from scim.filters.values import SUBSTRING, Kind, boolean_value, string_value


def lowered_json(column: str) -> Cast:
    """`lower(column::text)::jsonb`: the expression the GIN index on emails is built on."""
    return Cast(Lower(Cast(column, output_field=TextField())), output_field=JSONField())


@dataclass(frozen=True)
class Sql:
    """A boolean SQL fragment about one list element (`scim_el.item`), with its parameters.

    `contains` holds (key, value) pairs that every matching element has, when known. It is
    a tuple, not a dict, so that the expression holding it stays hashable like any other.
    """

    sql: str
    params: tuple[Any, ...] = ()
    contains: tuple[tuple[str, str], ...] = ()

    def __and__(self, other: "Sql") -> "Sql":
        # Both sides hold for the same element, so both containment hints do too.
        return Sql(
            f"({self.sql} AND {other.sql})",
            self.params + other.params,
            self.contains + other.contains,
        )

    def __or__(self, other: "Sql") -> "Sql":
        return Sql(f"({self.sql} OR {other.sql})", self.params + other.params)

    def __invert__(self) -> "Sql":
        return Sql(f"(NOT {self.sql})", self.params)


TRUE = Sql("TRUE")


class ElementsMatch(Expression):
    """EXISTS an element of a JSONB list column (lower-cased) satisfying a predicate."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, predicate: Sql) -> None:
        super().__init__()
        self.column: Any = F(column)
        self.predicate = predicate

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.column)
        # A list that is JSON null (or anything but an array) has no elements.
        sql = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements("
            f"CASE WHEN jsonb_typeof({column}) = 'array'"
            f" THEN lower(({column})::text)::jsonb ELSE '[]'::jsonb END"
            f") AS scim_el(item) WHERE {self.predicate.sql})"
        )
        return sql, (*column_params, *column_params, *self.predicate.params)


def list_present(column: str) -> Q:
    """`pr` on the list itself: it has at least one element."""
    return Q(ElementsMatch(column, TRUE))


def list_match(*, column: str, predicate: Sql, indexed: frozenset[str]) -> Q:
    match = Q(ElementsMatch(column, predicate))
    # A key named twice with two values matches nothing anyway; either value is implied.
    hint = {key: value for key, value in predicate.contains if key in indexed}
    if not hint:
        return match
    wanted = Cast(
        Lower(Value(json.dumps([hint], ensure_ascii=False), output_field=TextField())),
        output_field=JSONField(),
    )
    return Q(DataContains(lowered_json(column), wanted)) & match


def element_compare(*, key: str, kind: Kind, op: str, value: Any, label: str) -> Sql:
    """One comparison on one sub-attribute of a list element; never SQL NULL."""
    key = key.lower()  # the list is compared lower-cased, keys included
    item = "(scim_el.item ->> %s::text)"
    if op == "pr":
        return Sql(f"({item} <> '') IS TRUE", (key,))
    if value is None and op in ("eq", "ne"):
        present = element_compare(key=key, kind=kind, op="pr", value=None, label=label)
        return ~present if op == "eq" else present
    if op == "ne":
        return ~element_compare(key=key, kind=kind, op="eq", value=value, label=label)
    if kind == "boolean":
        flag = boolean_value(value, op=op, label=label)
        # An element without `primary` is not the primary one (RFC 7643 §2.4).
        return Sql(f"(COALESCE({item}, 'false') = %s)", (key, "true" if flag else "false"))
    text = string_value(value, op=op, label=label)
    if op == "eq":
        # JSON equality, like the containment hint, so the hint never drops a match.
        return Sql(
            "((scim_el.item -> %s::text) = to_jsonb(lower(%s::text))) IS TRUE",
            (key, text),
            ((key, text),),
        )
    if op in SUBSTRING:
        # No index serves it: each term read every user's list (~360 ms per term at 100,000
        # users; docs/performance.md, "Filter cost"), so one filter could hold a CPU for minutes.
        raise invalid_filter(
            f"'{label} {op}' is not supported: {label.split('.')[0]} is multi-valued and no "
            f"index serves a substring match on it. Use '{label} eq'."
        )
    comparison = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
    return Sql(f"({item} {comparison} lower(%s::text)) IS TRUE", (key, text))
