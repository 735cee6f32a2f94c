"""Comparisons on single-valued attributes, as Django lookups on their columns.

Every Q built here is two-valued (never SQL NULL), so `not (...)` and `ne` match users whose
attribute is unassigned: a user without a title *is* `title ne "x"`. Django already adds
`IS NOT NULL` under negation for plain lookups; the expression-based ones add it themselves.
"""

from dataclasses import replace
from typing import Any

from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import (
    Contains,
    EndsWith,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)

from scim.errors import ScimError, invalid_filter
from scim.filters.attributes import Column
from scim.filters.values import (
    ORDERING,
    SUBSTRING,
    boolean_value,
    datetime_value,
    string_value,
    uuid_value,
)

NOTHING = Q(pk__in=[])  # Django compiles this to "no rows" (and its negation to "all rows")

_EXACT_LOOKUP = {
    "eq": "exact", "co": "contains", "sw": "startswith", "ew": "endswith",
    "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte",
}  # fmt: skip
_IGNORING_CASE = {"eq": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"}
_SUBSTRING_LOOKUP = {"co": Contains, "sw": StartsWith, "ew": EndsWith}
_ORDER_LOOKUP = {
    "gt": GreaterThan, "ge": GreaterThanOrEqual, "lt": LessThan, "le": LessThanOrEqual,
}  # fmt: skip


def column_present(column: Column) -> Q:
    """RFC 7644 `pr`: assigned and, for strings, not empty."""
    present = Q(**{f"{column.field}__isnull": False})
    if column.kind == "string":
        present &= ~Q(**{column.field: ""})
    return present


def column_compare(*, column: Column, op: str, value: Any, label: str) -> Q:
    if column.unresolved is not None:
        return _reference_compare(column=column, op=op, value=value, label=label)
    name = column.field
    if op == "pr":
        return column_present(column)
    if value is None:
        # `title eq null` asks for an unassigned title (RFC 7643 §2.5: null is unassigned).
        if op == "eq":
            return ~column_present(column)
        if op == "ne":
            return column_present(column)
        raise invalid_filter(f"'{label} {op}' cannot compare with null.")
    if op == "ne":
        return ~column_compare(column=column, op="eq", value=value, label=label)

    if column.kind == "boolean":
        return Q(**{name: boolean_value(value, op=op, label=label)})
    if column.kind == "datetime":
        when = datetime_value(value, op=op, label=label)
        return Q(**{f"{name}__{_EXACT_LOOKUP[op]}": when})
    if column.kind == "uuid":
        return _uuid_compare(column=column, op=op, value=value, label=label)

    text = string_value(value, op=op, label=label)
    if column.case_exact:
        return Q(**{f"{name}__{_EXACT_LOOKUP[op]}": text})
    if op in _IGNORING_CASE:
        # iexact compiles to UPPER(col) = UPPER(%s), which the Upper(...) indexes serve.
        return Q(**{f"{name}__{_IGNORING_CASE[op]}": text})
    order = _ORDER_LOOKUP[op](Lower(name), Lower(Value(text, output_field=TextField())))
    return Q(**{f"{name}__isnull": False}) & Q(order)


def _reference_compare(*, column: Column, op: str, value: Any, label: str) -> Q:
    """A reference kept as an id, or as the text sent when it named no resource here: the
    comparison holds if it holds for whichever of the two columns is set."""
    by_id = replace(column, unresolved=None)
    assert column.unresolved is not None
    as_sent = Column(column.unresolved, "string", case_exact=True)
    if op == "pr" or (value is None and op in ("eq", "ne")):
        present = column_present(by_id) | column_present(as_sent)
        return ~present if op == "eq" else present
    if op == "ne":
        return ~_reference_compare(column=column, op="eq", value=value, label=label)
    text = column_compare(column=as_sent, op=op, value=value, label=label)
    try:
        return column_compare(column=by_id, op=op, value=value, label=label) | text
    except ScimError:  # not an id (`manager.value gt "x"`): only the text can match
        return text


def _uuid_compare(*, column: Column, op: str, value: Any, label: str) -> Q:
    name = column.field
    if op in SUBSTRING:
        # On the canonical text of the UUID (lower-case, hyphenated); foreign keys have no
        # substring lookups of their own.
        text = string_value(value, op=op, label=label).lower()
        substring = _SUBSTRING_LOOKUP[op](Cast(name, output_field=TextField()), text)
        return Q(**{f"{name}__isnull": False}) & Q(substring)
    parsed = uuid_value(value, op=op, label=label)
    if op == "eq":
        # A malformed id names no resource: no match rather than an error.
        return Q(**{name: parsed}) if parsed is not None else NOTHING
    assert op in ORDERING
    if parsed is None:
        raise invalid_filter(f"'{label} {op}' needs a UUID value.")
    return Q(**{f"{name}__{_EXACT_LOOKUP[op]}": parsed})
