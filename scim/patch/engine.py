"""Apply a SCIM PatchOp (RFC 7644 §3.5.2) to a resource document, all or nothing.

One engine serves every client; there is no dialect switch. Decisions, with their reasons:

- The body's `schemas` must name the PatchOp message (RFC 7644 §3.5.2 "MUST"). Entra in
  both dialects, Okta and scim2-tester always send it, so a body without it is refused.
- Op names, body keys ("Operations", "op", "path", "value") and attribute names are
  case-insensitive (RFC 7643 §2.1), which covers Entra's `Replace`/`Add`/`Remove`.
- An op without `path` carries an object whose keys are themselves paths: plain names
  (Okta, RFC), dotted or URN-qualified ones (Entra's aadOptscim062020), even value-filtered
  ones. Read-only attributes and `schemas` inside it are ignored as in PUT (§3.5.1),
  because Okta echoes the group's `id` when renaming it.
- Add or replace on a value filter that matches nothing creates the element from the
  filter's `eq` terms. §3.5.2.3 asks for noTarget on replace, but Entra gives a user a
  first work email or mobile number this way and expects success.
- Remove with a filter that matches nothing succeeds and changes nothing. §3.5.2.2 names
  noTarget only for a missing path, and Entra retries, so removals must be idempotent.
- Removing (or nulling) a required attribute (userName, displayName) is invalidValue:
  §3.12 defines it as "a required value was missing".
- Unassigned attributes are left out of the document, as `scim.users` renders them.
"""

import copy
from dataclasses import dataclass
from typing import Any, Literal

from scim.errors import (
    ScimError,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
)
from scim.patch.coerce import single_coerce, value_coerce
from scim.patch.document import contains, elements_of, get, primary_settle, put, required_check
from scim.patch.members import MemberChanges, MemberLedger, member_value_ids
from scim.patch.targets import (
    RESOURCES,
    ResourceSchemas,
    Target,
    filter_matches,
    filter_member_ids,
    filter_template,
    target_resolve,
)

PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OPS = ("add", "replace", "remove")
_ABSENT = object()  # an operation without a "value" member


@dataclass
class PatchResult:
    document: dict  # the new resource document (same shape as the input)
    members: MemberChanges


@dataclass(frozen=True)
class _Operation:
    op: str  # "add" | "replace" | "remove"
    path: str | None
    value: Any  # _ABSENT when the operation has no "value"


def patch_apply(document: dict, body: dict, *, resource: Literal["User", "Group"]) -> PatchResult:
    """Apply `body` to a copy of `document`; raise ScimError (nothing applied) on any bad op.

    For a Group, `document` has no `members`: member operations go into
    `PatchResult.members` for the caller to apply with set-based SQL.
    """
    return _apply(_operations(body), document, resource)


def _apply(
    operations: list[_Operation], document: dict, resource: Literal["User", "Group"]
) -> PatchResult:
    patcher = _Patcher(copy.deepcopy(document), RESOURCES[resource])
    for number, operation in enumerate(operations, start=1):
        try:
            patcher.apply(operation)
        except ScimError as exc:
            where = f"Operation {number} ({operation.op} {operation.path or '(no path)'})"
            raise ScimError(exc.status, f"{where}: {exc.detail}", exc.scim_type) from None
    return PatchResult(document=patcher.document, members=patcher.members.changes())


def patch_members_only(body: Any) -> MemberChanges | None:
    """The member changes of a Group PATCH whose every operation adds or removes members
    by path, as Entra sends them; such a PATCH never reads the group's document. None for
    any other PATCH, and for one with an error, which the general path then reports."""
    try:
        operations = _operations(body)
        for operation in operations:
            if operation.path is None or operation.op == "replace":
                return None
            if not target_resolve(operation.path, RESOURCES["Group"]).is_members:
                return None
        return _apply(operations, {}, "Group").members
    except ScimError:
        return None


def _operations(body: Any) -> list[_Operation]:
    if not isinstance(body, dict):
        raise invalid_syntax("A PATCH body must be a JSON object.")
    schemas = get(body, "schemas")
    if not isinstance(schemas, list) or PATCH_OP_SCHEMA.lower() not in {
        s.lower() for s in schemas if isinstance(s, str)
    }:
        raise invalid_syntax(f"A PATCH body's 'schemas' must contain '{PATCH_OP_SCHEMA}'.")
    raw_operations = get(body, "Operations")
    if not isinstance(raw_operations, list) or not raw_operations:
        raise invalid_syntax("A PATCH body needs 'Operations': a non-empty list.")
    operations: list[_Operation] = []
    for number, raw in enumerate(raw_operations, start=1):
        if not isinstance(raw, dict):
            raise invalid_syntax(f"Operation {number} must be a JSON object.")
        op = get(raw, "op")
        if not isinstance(op, str) or op.strip().lower() not in OPS:
            raise invalid_syntax(
                f"Operation {number} has op {op!r}; expected 'add', 'replace' or 'remove'."
            )
        path = get(raw, "path")
        if path is not None and not isinstance(path, str):
            raise invalid_path(f"Operation {number} has a path that is not a string.")
        lowered = {k.lower() for k in raw if isinstance(k, str)}
        value = get(raw, "value") if "value" in lowered else _ABSENT
        operations.append(_Operation(op.strip().lower(), path, value))
    return operations


class _Patcher:
    def __init__(self, document: dict[str, Any], resource: ResourceSchemas) -> None:
        self.document = document
        self.resource = resource
        self.members = MemberLedger()

    def apply(self, operation: _Operation) -> None:
        op, value = operation.op, operation.value
        if operation.path is None:
            if op == "remove":
                # RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with
                # HTTP status code 400 and a 'scimType' error code of 'noTarget'."
                raise no_target("A remove operation needs a path.")
            if not isinstance(value, dict):
                raise invalid_value("An operation without a path needs an object as its value.")
            self._apply_object(op, value, prefix=None)
            return
        target = target_resolve(operation.path, self.resource)
        if target.read_only:
            raise mutability(f"'{operation.path}' is read-only.")
        if op == "remove":
            self._remove(target, None if value is _ABSENT else value)
        elif value is _ABSENT:
            raise invalid_value(f"An {op} operation needs a value.")
        else:
            self._write(op, target, value)

    def _apply_object(self, op: str, value: dict[str, Any], prefix: str | None) -> None:
        """A partial resource: each key is a path (or, under `prefix`, an extension
        attribute), and the op applies to it with the key's value."""
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid_value("Attribute names must be strings.")
            if key.lower() == "schemas":  # a partial resource may echo its schemas
                continue
            target = target_resolve(f"{prefix}:{key}" if prefix else key, self.resource)
            if target.read_only:
                continue  # ignored, as in PUT (RFC 7644 §3.5.1)
            self._write(op, target, item)

    # -- add and replace ------------------------------------------------------------------

    def _write(self, op: str, target: Target, value: Any) -> None:
        attribute = target.attribute
        if attribute is None:  # the extension URN alone: its attributes, merged
            assert target.extension is not None
            if value is None:
                if op == "replace":
                    self._drop_extension(target.extension.id)
                return
            if not isinstance(value, dict):
                raise invalid_value(f"'{target.text}' takes an object of its attributes.")
            self._apply_object(op, value, prefix=target.extension.id)
            return
        if target.is_members:
            self._members_write(op, target, value)
            return
        if target.value_filter is not None or (attribute.multi_valued and target.sub_attribute):
            self._elements_write(target, value)
            return

        container = self._container(target, create=value is not None)
        if container is None:
            return
        path = target.text
        if target.sub_attribute is not None:  # name.givenName, manager.value
            sub = target.sub_attribute
            coerced = single_coerce(sub, value, path)
            required_check(sub, coerced)
            parent = get(container, attribute.name)
            parent = dict(parent) if isinstance(parent, dict) else {}
            if attribute.is_reference and sub.name == "value":
                parent = {}  # a new reference: its old $ref/displayName no longer apply
            put(parent, sub.name, coerced)
            put(container, attribute.name, parent)
        elif attribute.multi_valued:
            coerced = value_coerce(attribute, value, path)
            existing = elements_of(container, attribute)
            if op == "add":
                # RFC 7644 §3.5.2.1: a value already present is not added twice.
                added = [e for e in coerced or [] if e not in existing]
                elements = existing + added
            else:
                added = elements = coerced or []
            primary_settle(attribute, elements, added, path)
            put(container, attribute.name, elements)
        elif attribute.type == "complex" and not attribute.is_reference:
            # §3.5.2.1/§3.5.2.3: sub-attributes given are set, the others are left alone.
            coerced = single_coerce(attribute, value, path)
            if coerced is None:
                required_check(attribute, None)
                put(container, attribute.name, None)
            else:
                merged = get(container, attribute.name)
                merged = dict(merged) if isinstance(merged, dict) else {}
                for key, sub_value in coerced.items():
                    put(merged, key, sub_value)
                put(container, attribute.name, merged)
        else:
            coerced = single_coerce(attribute, value, path)
            required_check(attribute, coerced)
            put(container, attribute.name, coerced)
        self._tidy(target)

    def _elements_write(self, target: Target, value: Any) -> None:
        """Add/replace on `emails[type eq "work"]`, `…].value` or `emails.value`:
        the matching elements are updated; with no match, one is created."""
        attribute, sub = target.attribute, target.sub_attribute
        assert attribute is not None
        if sub is not None:
            coerced = single_coerce(sub, value, target.text)
        else:
            if isinstance(value, list):
                raise invalid_value(f"'{target.text}' selects elements: give one object.")
            coerced = single_coerce(attribute, value, target.text)
        container = self._container(target, create=coerced is not None)
        if container is None:
            return
        elements = elements_of(container, attribute)
        matched = _matching(target, elements)
        if coerced is None:  # null: the selected sub-attribute or elements become unassigned
            self._elements_remove(target, container, elements, matched)
            return
        if not matched:
            created = filter_template(target)
            elements.append(created)
            matched = [created]
        updates = {sub.name: coerced} if sub is not None else coerced
        for element in matched:
            for key, sub_value in updates.items():
                put(element, key, sub_value)
        touched = matched if updates.get("primary") is True else []
        primary_settle(attribute, elements, touched, target.text)
        put(container, attribute.name, elements)
        self._tidy(target)

    # -- remove ---------------------------------------------------------------------------

    def _remove(self, target: Target, value: Any) -> None:
        attribute = target.attribute
        if attribute is None:
            assert target.extension is not None
            self._drop_extension(target.extension.id)
            return
        if target.is_members:
            self._members_remove(target, value)
            return
        if target.value_filter is None:
            required_check(target.sub_attribute or attribute, None)
        container = self._container(target, create=False)
        if container is None:
            return
        elements = elements_of(container, attribute) if attribute.multi_valued else []
        if target.value_filter is not None or (attribute.multi_valued and target.sub_attribute):
            self._elements_remove(target, container, elements, _matching(target, elements))
            return
        if attribute.multi_valued:
            if value is None:
                put(container, attribute.name, None)
            else:  # remove only the given values, as Entra does for members
                doomed = value_coerce(attribute, value, target.text) or []
                kept = [e for e in elements if not any(contains(e, d) for d in doomed)]
                put(container, attribute.name, kept)
        elif target.sub_attribute is not None:
            parent = get(container, attribute.name)
            if isinstance(parent, dict):
                parent = dict(parent)
                put(parent, target.sub_attribute.name, None)
                put(container, attribute.name, parent)
        else:
            put(container, attribute.name, None)
        self._tidy(target)

    def _elements_remove(
        self,
        target: Target,
        container: dict[str, Any],
        elements: list[dict[str, Any]],
        matched: list[dict[str, Any]],
    ) -> None:
        """Remove the matched elements, or only their sub-attribute. No match: no change."""
        attribute, sub = target.attribute, target.sub_attribute
        assert attribute is not None
        if sub is None:
            elements = [e for e in elements if not any(e is m for m in matched)]
        else:
            for element in matched:
                put(element, sub.name, None)
            elements = [e for e in elements if e]
        put(container, attribute.name, elements)
        self._tidy(target)

    # -- members (Groups) -----------------------------------------------------------------

    def _members_write(self, op: str, target: Target, value: Any) -> None:
        if target.value_filter is not None or target.sub_attribute is not None:
            raise invalid_path(
                f"'{target.text}': add and replace take the whole 'members' path "
                f'with a list of {{"value": "<id>"}}.'
            )
        ids = member_value_ids(value, target.text)
        if op == "add":
            self.members.add(ids)
        else:
            self.members.replace(ids)

    def _members_remove(self, target: Target, value: Any) -> None:
        if target.sub_attribute is not None:
            raise invalid_path(f"'{target.text}': members are removed whole.")
        if target.value_filter is not None:  # members[value eq "<id>"]
            self.members.remove(filter_member_ids(target))
        elif value is not None:  # Entra: {"op":"Remove","path":"members","value":[…]}
            self.members.remove(member_value_ids(value, target.text))
        else:
            self.members.remove_all()

    # -- the document ---------------------------------------------------------------------

    def _container(self, target: Target, *, create: bool) -> dict[str, Any] | None:
        """The object holding the target: the document, or its extension object."""
        if target.container is None:
            return self.document
        extension = get(self.document, target.container)
        if isinstance(extension, dict):
            return extension
        if not create:
            return None
        extension = {}
        put(self.document, target.container, None)  # drops a null left under any spelling
        self.document[target.container] = extension
        return extension

    def _tidy(self, target: Target) -> None:
        """Keep `schemas` listing the extension exactly when it has values, as rendered."""
        urn = target.container
        if urn is None:
            return
        extension = get(self.document, urn)
        if not extension:
            self._drop_extension(urn)
            return
        schemas = self.document.get("schemas")
        if isinstance(schemas, list) and urn.lower() not in {str(s).lower() for s in schemas}:
            schemas.append(urn)

    def _drop_extension(self, urn: str) -> None:
        put(self.document, urn, None)
        schemas = self.document.get("schemas")
        if isinstance(schemas, list):
            self.document["schemas"] = [s for s in schemas if str(s).lower() != urn.lower()]


def _matching(target: Target, elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    attribute = target.attribute
    assert attribute is not None
    if target.value_filter is None:
        return list(elements)
    return [e for e in elements if filter_matches(target.value_filter, e, attribute)]
