"""Checks and coercions for values in SCIM request documents, shared by Users and Groups.

Attribute names are case-insensitive (RFC 7643 §2.1), so documents are read through
`Fields`, which looks keys up without regard to case.
"""

import uuid
from typing import Any

from scim.errors import invalid_value
from scim.schemas import Attribute

_BOOLEAN_STRINGS = {"true": True, "false": False}


class Fields:
    """Case-insensitive read access to a JSON object from a request."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = {key.lower(): value for key, value in data.items() if isinstance(key, str)}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._data

    def get(self, name: str) -> Any:
        return self._data.get(name.lower())

    def with_prefix(self, prefix: str) -> dict[str, Any]:
        """Keys written as '<prefix>:<name>' (URN-qualified attributes), by lower-case name."""
        start = prefix.lower() + ":"
        return {k[len(start) :]: v for k, v in self._data.items() if k.startswith(start)}


def obj(value: Any, path: str) -> Fields | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_value(f"'{path}' must be an object.")
    return Fields(value)


def text(value: Any, path: str, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_value(f"'{path}' must be a string.")
    if max_length is not None and len(value) > max_length:
        raise invalid_value(f"'{path}' is longer than {max_length} characters.")
    return value


def boolean(value: Any, path: str) -> bool | None:
    """A boolean, also as the strings "True"/"False" that Microsoft Entra ID sends."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_STRINGS:
        return _BOOLEAN_STRINGS[value.strip().lower()]
    raise invalid_value(f"'{path}' must be a boolean.")


def uuid_text(value: Any, path: str) -> str:
    """A resource id as its canonical string; ids are UUIDs here."""
    if not isinstance(value, str):
        raise invalid_value(f"'{path}' must be a string id.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid_value(f"'{path}' is not a valid id: {value!r}.") from None


def complex_values(value: Any, attribute: Attribute, max_length: int = 1024) -> list[dict]:
    """A multi-valued complex attribute (emails, phoneNumbers, addresses), kept as sent.

    Only declared sub-attributes are kept, with their canonical names; a null
    sub-attribute is unassigned and dropped. RFC 7643 §2.4: `primary` is true at most once.
    """
    if value is None:
        return []
    if isinstance(value, dict):  # a single value where a list belongs: be lenient
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(f"'{attribute.name}' must be a list.")
    cleaned: list[dict] = []
    primaries = 0
    for index, item in enumerate(value):
        path = f"{attribute.name}[{index}]"
        if not isinstance(item, dict):
            raise invalid_value(f"'{path}' must be an object.")
        element: dict[str, Any] = {}
        for key, sub_value in item.items():
            sub = attribute.sub(key) if isinstance(key, str) else None
            if sub is None or sub_value is None:
                continue
            if sub.type == "boolean":
                element[sub.name] = boolean(sub_value, f"{path}.{sub.name}")
            else:
                element[sub.name] = text(sub_value, f"{path}.{sub.name}", max_length)
        if element.get("primary") is True:
            primaries += 1
        if element:
            cleaned.append(element)
    if primaries > 1:
        raise invalid_value(f"Only one of '{attribute.name}' may be primary.")
    return cleaned
