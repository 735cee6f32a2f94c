"""User ⇄ SCIM User document (RFC 7643 §4.1, enterprise extension §4.3).

`user_document` renders what GET returns (and what the PATCH engine edits);
`user_fields` turns a POST/PUT document (or a patched one) back into model fields.
Both walk the registry (scim.schemas), so an attribute stored in a column of its own, a
part of `name` or a JSON list needs no code here. Only the attributes with rows behind
them are written out: `groups` (memberships) and the enterprise `manager` (a reference).
Null means unassigned: unassigned attributes are left out of documents.
"""

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import Model

from accounts.models import User
from scim import values
from scim.errors import invalid_syntax, invalid_value
from scim.schemas import ENTERPRISE_SCHEMA, ENTERPRISE_USER, USER, USER_SCHEMA, Attribute

MANAGER = ENTERPRISE_USER.attribute("manager")
assert MANAGER is not None


@cache
def _max_lengths(model: type[Model]) -> dict[str, int | None]:
    return {f.name: getattr(f, "max_length", None) for f in model._meta.concrete_fields}


_MAX_LENGTH = _max_lengths(User)


def timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def etag(version: int) -> str:
    return f'W/"{version}"'


def is_stored(attribute: Attribute) -> bool:
    """Kept in the resource's own row: a column, a JSON list, or a complex of columns."""
    if attribute.link is not None or attribute.is_reference:
        return False
    if attribute.type == "complex" and not attribute.multi_valued:
        return any(s.column for s in attribute.sub_attributes)
    return attribute.column is not None


def stored_columns(attributes: Iterable[Attribute]) -> Iterator[str]:
    """The model fields behind the writable stored attributes, in registry order."""
    for attribute in attributes:
        if not (attribute.writable and is_stored(attribute)):
            continue
        if attribute.type == "complex" and not attribute.multi_valued:
            yield from (s.column for s in attribute.sub_attributes if s.column)
        else:
            assert attribute.column is not None
            yield attribute.column
            if attribute.primary_column:
                yield attribute.primary_column


# Every model field a SCIM document sets, for writes and comparisons.
WRITABLE_FIELDS: tuple[str, ...] = (
    "external_id",
    *stored_columns(USER.attributes),
    *stored_columns(ENTERPRISE_USER.attributes),
    "manager_id",
    "manager_unresolved",
)


# What a renderer reads for each stored attribute: (name, column, parts), where `parts`
# lists (sub-attribute, column) for a complex attribute kept in columns of its own.
RenderPlan = tuple[tuple[str, str | None, tuple[tuple[str, str], ...]], ...]


def render_plan(attributes: Iterable[Attribute]) -> RenderPlan:
    """Worked out once per schema: documents are rendered on nearly every request."""
    return tuple(
        (a.name, a.column, tuple((s.name, s.column) for s in a.sub_attributes if s.column))
        if a.type == "complex" and not a.multi_valued
        else (a.name, a.column, ())
        for a in attributes
        if is_stored(a)
    )


def stored_render(plan: RenderPlan, row: Model) -> dict[str, Any]:
    """The stored attributes of `row` that are assigned, as a document holds them."""
    doc: dict[str, Any] = {}
    for name, column, parts in plan:
        if parts:
            value: Any = {sub: v for sub, c in parts if (v := getattr(row, c)) is not None}
        else:
            value = getattr(row, column)  # type: ignore[arg-type]
        if value is not None and value != [] and value != {}:  # RFC 7643 §2.5: unassigned
            doc[name] = value
    return doc


_CORE_PLAN = render_plan(USER.attributes)
_ENTERPRISE_PLAN = render_plan(ENTERPRISE_USER.attributes)


def user_document(user: User, *, base_url: str) -> dict[str, Any]:
    """The full SCIM document of a user.

    Expects the selector's annotations: `manager_display` and, when groups are wanted,
    `scim_groups` (a list of {"value", "display"}).
    """
    doc: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": str(user.pk)}
    if user.external_id is not None:
        doc["externalId"] = user.external_id
    doc.update(stored_render(_CORE_PLAN, user))
    groups = getattr(user, "scim_groups", None)
    if groups:
        doc["groups"] = [
            {
                "value": g["value"],
                "$ref": f"{base_url}/Groups/{g['value']}",
                "display": g["display"],
                "type": "direct",
            }
            for g in groups
        ]
    enterprise = stored_render(_ENTERPRISE_PLAN, user)
    manager = manager_render(user, base_url=base_url)
    if manager is not None:
        enterprise[MANAGER.name] = manager
    if enterprise:
        doc["schemas"].append(ENTERPRISE_SCHEMA)
        doc[ENTERPRISE_SCHEMA] = enterprise
    doc["meta"] = {
        "resourceType": "User",
        "created": timestamp(user.created),
        "lastModified": timestamp(user.last_modified),
        "location": f"{base_url}/Users/{user.pk}",
        "version": etag(user.version),
    }
    return doc


def manager_render(user: User, *, base_url: str) -> dict[str, Any] | None:
    """A manager who is a user here, with $ref and name; otherwise the value as it was sent."""
    if user.manager_id is None:
        return None if user.manager_unresolved is None else {"value": user.manager_unresolved}
    manager: dict[str, Any] = {
        "value": str(user.manager_id),
        "$ref": f"{base_url}/Users/{user.manager_id}",
    }
    display = getattr(user, "manager_display", None)
    if display is not None:
        manager["displayName"] = display
    return manager


def stored_fields(
    attributes: Iterable[Attribute], doc: values.Fields, *, model: type[Model], path: str = ""
) -> dict[str, Any]:
    """Model fields of the writable stored attributes read from `doc`. An absent attribute
    takes its column's default (PUT replaces the whole resource); null is unassigned."""
    max_length = _max_lengths(model)
    fields: dict[str, Any] = {}
    for attribute in attributes:
        if not (attribute.writable and is_stored(attribute)):
            continue
        label, raw = f"{path}{attribute.name}", doc.get(attribute.name)
        if attribute.type == "complex" and not attribute.multi_valued:
            parts = values.obj(raw, label) or values.Fields({})
            for sub in attribute.sub_attributes:
                if sub.column:
                    fields[sub.column] = values.text(
                        parts.get(sub.name), f"{label}.{sub.name}", max_length[sub.column]
                    )
            continue
        column = attribute.column
        assert column is not None
        if attribute.name not in doc:
            fields[column] = model._meta.get_field(column).get_default()
        elif attribute.type == "boolean":
            fields[column] = values.boolean(raw, label)
        elif attribute.multi_valued:
            fields[column] = values.complex_values(raw, attribute)
        else:
            fields[column] = values.text(raw, label, max_length[column])
        if attribute.primary_column:
            fields[attribute.primary_column] = _primary_value(
                fields[column], max_length[attribute.primary_column]
            )
    return fields


def user_fields(document: Any) -> dict[str, Any]:
    """Model fields from a full User document (POST, PUT, or a patched document).

    Read-only attributes (id, meta, groups) and unknown ones are ignored. An absent
    `active` means the default (true); an explicit null leaves it unassigned. The manager
    comes back as `manager_id` (when the value is an id) and `manager_unresolved` (the
    value as sent); `scim.services` keeps the one that names a user here.
    """
    if not isinstance(document, dict):
        raise invalid_syntax("The request body must be a JSON object.")
    doc = values.Fields(document)
    fields = stored_fields(USER.attributes, doc, model=User)
    if fields["user_name"] is None or not fields["user_name"].strip():
        raise invalid_value("'userName' is required.")
    fields["external_id"] = values.text(
        doc.get("externalId"), "externalId", _MAX_LENGTH["external_id"]
    )

    # The extension as an object under its URN, or as URN-qualified top-level attributes.
    enterprise = values.obj(doc.get(ENTERPRISE_SCHEMA), ENTERPRISE_SCHEMA) or values.Fields({})
    flat = values.Fields(doc.with_prefix(ENTERPRISE_SCHEMA))
    extension = {
        a.name: enterprise.get(a.name) if a.name in enterprise else flat.get(a.name)
        for a in ENTERPRISE_USER.attributes
        if a.name in enterprise or a.name in flat
    }
    fields.update(
        stored_fields(
            ENTERPRISE_USER.attributes,
            values.Fields(extension),
            model=User,
            path=f"{ENTERPRISE_SCHEMA}:",
        )
    )
    fields["manager_id"], fields["manager_unresolved"] = _manager_value(extension.get("manager"))
    return fields


def _manager_value(value: Any) -> tuple[uuid.UUID | None, str | None]:
    """Entra sends the manager as a bare id string; RFC 7643 §4.3 as {"value": id}.

    Any string is kept: a value that names no user here is reported back as sent, since
    Entra creates users in any order (Microsoft's reference SCIM service does the same).
    """
    path = f"{ENTERPRISE_SCHEMA}:manager"
    if isinstance(value, dict):
        value, path = values.Fields(value).get("value"), f"{path}.value"
    if value is None or value == "":
        return None, None
    text = values.text(value, path, _MAX_LENGTH["manager_unresolved"])
    assert text is not None
    try:
        return uuid.UUID(text), text
    except ValueError:
        return None, text


def _primary_value(elements: list[dict], max_length: int | None) -> str | None:
    """The primary value (or the first one), also kept in its own indexed column."""
    chosen = next((e for e in elements if e.get("primary") is True and e.get("value")), None)
    chosen = chosen or next((e for e in elements if e.get("value")), None)
    if chosen is None:
        return None
    value = chosen["value"]
    if max_length is not None and len(value) > max_length:
        raise invalid_value("The primary email address is too long.")
    return value
