"""Check a PATCH value against its attribute definition and bring it to canonical form.

Canonical form: sub-attribute names spelt as the schema spells them, booleans as booleans
(Entra's default dialect sends "True"/"False"), and null sub-attributes dropped, since null
means unassigned (RFC 7643 §2.5). A value of the wrong type is invalidValue (RFC 7644 §3.12).
"""

from typing import Any

from scim.errors import invalid_value
from scim.schemas import Attribute
from scim.values import boolean


def value_coerce(attribute: Attribute, value: Any, path: str) -> Any:
    """The whole value of `attribute`: a list for multi-valued ones, None for unassigned."""
    if value is None:
        return None
    if not attribute.multi_valued:
        return single_coerce(attribute, value, path)
    if isinstance(value, dict):  # one value where a list belongs: a list of one
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(f"'{path}' is multi-valued: its value must be a list.")
    elements = [single_coerce(attribute, item, f"{path}[{i}]") for i, item in enumerate(value)]
    return [e for e in elements if e not in (None, {})]


def single_coerce(attribute: Attribute, value: Any, path: str) -> Any:
    """One value of `attribute` (one element, for a multi-valued attribute)."""
    if value is None:
        return None
    if attribute.type == "complex":
        return _complex(attribute, value, path)
    if isinstance(value, list | dict):
        raise invalid_value(f"'{path}' takes a single {attribute.type}, not {_kind(value)}.")
    if attribute.type == "boolean":
        return boolean(value, path)
    if attribute.type in ("integer", "decimal"):
        numeric = int if attribute.type == "integer" else int | float
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise invalid_value(f"'{path}' must be {attribute.type}.")
        return value
    if not isinstance(value, str):  # string, reference, dateTime, binary
        raise invalid_value(f"'{path}' must be a string, not {_kind(value)}.")
    return value


def _complex(attribute: Attribute, value: Any, path: str) -> dict[str, Any] | None:
    if attribute.is_reference and isinstance(value, str):
        # Entra: {"op":"Replace","path":"…:manager","value":"<id>"}; "" clears it.
        return {"value": value} if value else None
    if not isinstance(value, dict):
        raise invalid_value(f"'{path}' must be an object with sub-attributes.")
    element: dict[str, Any] = {}
    for key, sub_value in value.items():
        sub = attribute.sub(key) if isinstance(key, str) else None
        if sub is None:
            raise invalid_value(f"'{path}' has no sub-attribute '{key}'.")
        if sub.mutability == "readOnly":
            continue  # server-computed (manager.displayName): ignored, as in PUT
        coerced = single_coerce(sub, sub_value, f"{path}.{sub.name}")
        if coerced is not None:
            element[sub.name] = coerced
    if attribute.is_reference and not element.get("value"):
        return None  # a reference without an id refers to nothing
    return element


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
