"""Edits inside a resource document: case-insensitive keys, multi-valued elements, primary.

Unassigned attributes are left out of documents (RFC 7643 §2.5: null, an empty list and
an absent attribute are the same state), as `scim.users` and `scim.groups` render them.
"""

from typing import Any

from scim.errors import invalid_value
from scim.patch.targets import element_get
from scim.schemas import Attribute


def get(data: dict[str, Any], name: str) -> Any:
    return element_get(data, name)


def put(data: dict[str, Any], name: str, value: Any) -> None:
    """Set `name` with its canonical spelling; an unassigned value removes the key."""
    lowered = name.lower()
    for key in [k for k in data if k.lower() == lowered]:
        del data[key]
    if value not in (None, [], {}):
        data[name] = value


def required_check(attribute: Attribute, value: Any) -> None:
    """Removing (or emptying) a required attribute is invalidValue: RFC 7644 §3.12 defines
    it as "a required value was missing"."""
    if attribute.required and (value is None or (isinstance(value, str) and not value.strip())):
        raise invalid_value(f"'{attribute.name}' is required and cannot be removed or empty.")


def elements_of(container: dict[str, Any], attribute: Attribute) -> list[dict[str, Any]]:
    """The current elements of a multi-valued attribute (copied, so edits stay local)."""
    current = get(container, attribute.name)
    if not isinstance(current, list):
        return []
    return [dict(e) for e in current if isinstance(e, dict)]


def contains(element: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Every sub-attribute of `wanted` has the same value in `element` (strings compared
    without case: these sub-attributes are caseExact false)."""

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, str) and isinstance(b, str):
            return a.casefold() == b.casefold()
        return a == b

    return all(same(element_get(element, key), v) for key, v in wanted.items())


def primary_settle(
    attribute: Attribute, elements: list[dict[str, Any]], touched: list[dict[str, Any]], path: str
) -> None:
    """RFC 7644 §3.5.2: setting one value's primary to true sets it to false on the others;
    RFC 7643 §2.4: true appears at most once."""
    if attribute.sub("primary") is None:
        return
    chosen = [e for e in touched if e.get("primary") is True]
    if len(chosen) > 1:
        raise invalid_value(f"Only one value of '{path}' may be primary.")
    if not chosen:
        return
    for element in elements:
        if element is not chosen[0] and element.get("primary") is True:
            element["primary"] = False
