"""Resolve a parsed PATCH path against a resource's schemas, and evaluate its value filter.

The attribute definitions come from the registry in `scim.schemas` (what /Schemas
declares, plus the common attributes every resource has, RFC 7643 §3.1), so PATCH accepts
exactly what discovery advertises.
"""

from dataclasses import dataclass
from typing import Any, Literal

from scim.errors import ScimError, invalid_filter, invalid_path, no_target
from scim.patch.paths import Compare, Filter, Logical, Not, ParsedPath, path_parse
from scim.schemas import RESOURCES, Attribute, ResourceSchemas, Schema

__all__ = ["RESOURCES", "ResourceSchemas", "Target", "target_resolve"]

ResourceName = Literal["User", "Group"]


@dataclass(frozen=True)
class Target:
    """Where an operation acts.

    `container` is None for core attributes (top level of the document) or the extension
    URN whose object holds the attribute. `attribute` is None when the path is an
    extension URN alone (then `extension` is set).
    """

    text: str
    container: str | None
    attribute: Attribute | None
    value_filter: Filter | None = None
    sub_attribute: Attribute | None = None
    extension: Schema | None = None

    @property
    def is_members(self) -> bool:
        return (
            self.container is None
            and self.attribute is not None
            and (self.attribute.name == "members")
        )

    @property
    def read_only(self) -> bool:
        parts = (self.attribute, self.sub_attribute)
        return any(a is not None and a.mutability == "readOnly" for a in parts)


def target_resolve(text: str, resource: ResourceSchemas) -> Target:
    """A path string → a Target; invalidPath for bad syntax or unknown attributes."""
    parsed: ParsedPath = path_parse(text, schema_urns=resource.urns)
    extension = resource.extension(parsed.urn) if parsed.urn else None
    if parsed.attr is None:
        if extension is None:  # the core schema URN alone names no attribute
            raise invalid_path(f"Path '{text}' names a schema, not an attribute.")
        return Target(text, extension.id, None, extension=extension)

    if extension is not None:
        attribute = extension.attribute(parsed.attr)
    else:
        attribute = resource.core_attribute(parsed.attr)
    if attribute is None:
        raise invalid_path(f"Unknown attribute '{parsed.attr}' in path '{text}'.")

    sub_attribute = None
    if parsed.sub_attr is not None:
        if attribute.type != "complex":
            raise invalid_path(f"'{attribute.name}' has no sub-attributes (path '{text}').")
        sub_attribute = attribute.sub(parsed.sub_attr)
        if sub_attribute is None:
            raise invalid_path(
                f"Unknown sub-attribute '{parsed.sub_attr}' of '{attribute.name}' in '{text}'."
            )

    if parsed.value_filter is not None:
        if not (attribute.multi_valued and attribute.type == "complex"):
            raise invalid_path(
                f"A value filter needs a multi-valued complex attribute, not "
                f"'{attribute.name}' (path '{text}')."
            )
        _filter_check(parsed.value_filter, attribute, text)

    container = extension.id if extension is not None else None
    return Target(text, container, attribute, parsed.value_filter, sub_attribute)


def _filter_check(node: Filter, parent: Attribute, text: str) -> None:
    """Every name is a sub-attribute, and every comparison suits its type (RFC 7644 §3.4.2.2)."""
    if isinstance(node, Logical):
        _filter_check(node.left, parent, text)
        _filter_check(node.right, parent, text)
        return
    if isinstance(node, Not):
        _filter_check(node.expr, parent, text)
        return
    sub = parent.sub(node.attr)
    if sub is None:
        raise invalid_path(f"Unknown sub-attribute '{node.attr}' in the filter of '{text}'.")
    if node.op == "pr":
        return
    value = node.value
    if sub.type == "boolean":
        # Table 3: gt/ge/lt/le on booleans SHALL fail with invalidFilter.
        if node.op not in ("eq", "ne") or _as_bool(value) is None:
            raise invalid_filter(f"'{sub.name}' is a boolean: only 'eq true/false' fits ({text}).")
    elif node.op in ("co", "sw", "ew") and not isinstance(value, str):
        raise invalid_filter(f"'{node.op}' needs a string value in the filter of '{text}'.")
    elif not isinstance(value, str | None) and sub.type in ("string", "reference"):
        raise invalid_filter(f"'{sub.name}' is a string; compare it with a quoted value ({text}).")


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def element_get(element: dict[str, Any], name: str) -> Any:
    """A sub-attribute of an element, looked up case-insensitively (RFC 7643 §2.1)."""
    lowered = name.lower()
    return next((v for k, v in element.items() if k.lower() == lowered), None)


def filter_matches(node: Filter, element: dict[str, Any], parent: Attribute) -> bool:
    if isinstance(node, Logical):
        left = filter_matches(node.left, element, parent)
        if node.op == "and":
            return left and filter_matches(node.right, element, parent)
        return left or filter_matches(node.right, element, parent)
    if isinstance(node, Not):
        return not filter_matches(node.expr, element, parent)
    sub = parent.sub(node.attr)
    assert sub is not None  # checked by _filter_check
    return _compare(node, sub, element_get(element, node.attr))


def _compare(node: Compare, sub: Attribute, actual: Any) -> bool:
    if node.op == "pr":
        return actual not in (None, "", [], {})
    if sub.type == "boolean":
        matched = _as_bool(actual) == _as_bool(node.value) and actual is not None
        return matched if node.op == "eq" else not matched
    expected = node.value
    if isinstance(actual, str) and isinstance(expected, str) and not sub.case_exact:
        # caseExact false (RFC 7643 §2.2): `type eq "Work"` matches "work".
        actual, expected = actual.casefold(), expected.casefold()
    if node.op == "eq":
        return actual == expected
    if node.op == "ne":
        return actual != expected
    if not isinstance(actual, type(expected)) or actual is None:
        return False
    if node.op == "co":
        return expected in actual
    if node.op == "sw":
        return actual.startswith(expected)
    if node.op == "ew":
        return actual.endswith(expected)
    try:
        return {
            "gt": actual > expected,
            "ge": actual >= expected,
            "lt": actual < expected,
            "le": actual <= expected,
        }[node.op]
    except TypeError:
        return False


def filter_template(target: Target) -> dict[str, Any]:
    """The element an add/replace creates when the value filter matches nothing.

    Entra gives a user a first mobile number with
    `Add phoneNumbers[type eq "mobile"].value`, so the filter's `eq` terms (joined by
    `and`) become the new element's sub-attributes. Any other filter cannot describe one.
    """
    node, attribute = target.value_filter, target.attribute
    assert attribute is not None
    if node is None:
        return {}
    terms: list[Compare] = []
    pending: list[Filter] = [node]
    while pending:
        current = pending.pop(0)
        if isinstance(current, Logical) and current.op == "and":
            pending[:0] = [current.left, current.right]
        elif isinstance(current, Compare) and current.op == "eq" and current.value is not None:
            terms.append(current)
        else:
            raise no_target(
                f"No value matches '{target.text}', and its filter does not describe a new one."
            )
    template: dict[str, Any] = {}
    for term in terms:
        sub = attribute.sub(term.attr)
        assert sub is not None
        template[sub.name] = _as_bool(term.value) if sub.type == "boolean" else term.value
    return template


def filter_member_ids(target: Target) -> list[str]:
    """Member ids selected by `members[value eq "<id>"]` (Entra's aadOptscim062020 removal).

    Members are never loaded (a group may have 100,000), so only `value eq` terms joined
    by `or` can be evaluated; anything else is an unsupported filter (RFC 7644 §3.12).
    """
    ids: list[str] = []
    pending: list[Filter | None] = [target.value_filter]
    while pending:
        node = pending.pop(0)
        if isinstance(node, Logical) and node.op == "or":
            pending[:0] = [node.left, node.right]
        elif (
            isinstance(node, Compare)
            and node.op == "eq"
            and node.attr.lower() == "value"
            and isinstance(node.value, str)
        ):
            ids.append(node.value)
        else:
            raise _members_filter_error(target.text)
    return ids


def _members_filter_error(text: str) -> ScimError:
    return invalid_filter(
        f"Members can be selected only by 'value eq \"<id>\"' (joined by 'or'), not '{text}'."
    )
