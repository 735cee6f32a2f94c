"""Entra's lookups, `userName eq "…"` and the like, recognised without the parser.

Entra looks up every user and group by one attribute before creating or updating it. A
filter of exactly that shape, on an attribute whose `eq` is the same SQL whatever the
string, runs a query compiled once (scim.selectors) instead of being parsed, translated
and compiled on every request. Anything else goes the general way, errors included:
`id` (its SQL depends on whether the value is a UUID), other operators, `and`/`or`,
schema-qualified names, and strings the general path would refuse.
"""

import json
import re
from dataclasses import dataclass

from scim.filters.attributes import Resource
from scim.filters.grammar import MAX_FILTER_LENGTH

_EQUALITY = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s+[eE][qQ]\s+("(?:[^"\\]|\\.)*")\s*\Z')

# Lower-cased name -> the name as RFC 7643 spells it.
PLAIN_EQUALITY: dict[Resource, dict[str, str]] = {
    "User": {"username": "userName", "externalid": "externalId"},
    "Group": {"displayname": "displayName", "externalid": "externalId"},
}


@dataclass(frozen=True)
class Equality:
    attribute: str  # as RFC 7643 spells it
    value: str

    def as_filter(self) -> str:
        """The lookup as a filter the general path understands."""
        return f"{self.attribute} eq {json.dumps(self.value)}"


def simple_equality(expression: str, resource: Resource) -> Equality | None:
    if len(expression) > MAX_FILTER_LENGTH:
        return None
    match = _EQUALITY.match(expression)
    if match is None:
        return None
    attribute = PLAIN_EQUALITY[resource].get(match[1].lower())
    if attribute is None:
        return None
    try:  # decoded as the filter lexer decodes string literals
        value = json.loads(match[2], strict=False)
        value.encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return None
    if "\x00" in value:
        return None
    return Equality(attribute, value)
