"""User ⇄ SCIM User document (RFC 7643 §4.1, enterprise extension §4.3).

`user_document` renders what GET returns (and what the PATCH engine edits);
`user_fields` turns a POST/PUT document (or a patched one) back into model fields.
Null means unassigned: unassigned attributes are left out of documents.
"""

import uuid
from datetime import datetime
from typing import Any

from accounts.models import User
from scim import values
from scim.errors import invalid_syntax, invalid_value
from scim.schemas import ENTERPRISE_SCHEMA, USER, USER_SCHEMA

# SCIM attribute → model field.
NAME_FIELDS = (
    ("formatted", "name_formatted"),
    ("familyName", "name_family"),
    ("givenName", "name_given"),
    ("middleName", "name_middle"),
    ("honorificPrefix", "name_honorific_prefix"),
    ("honorificSuffix", "name_honorific_suffix"),
)
TEXT_FIELDS = (
    ("displayName", "display_name"),
    ("nickName", "nick_name"),
    ("profileUrl", "profile_url"),
    ("title", "title"),
    ("userType", "user_type"),
    ("preferredLanguage", "preferred_language"),
    ("locale", "locale"),
    ("timezone", "timezone"),
)
MULTI_FIELDS = (("emails", "emails"), ("phoneNumbers", "phone_numbers"), ("addresses", "addresses"))
ENTERPRISE_FIELDS = (
    ("employeeNumber", "employee_number"),
    ("costCenter", "cost_center"),
    ("organization", "organization"),
    ("division", "division"),
    ("department", "department"),
)
# Every model field a SCIM document sets (besides manager), for writes and comparisons.
WRITABLE_FIELDS: tuple[str, ...] = (
    "user_name",
    "external_id",
    "active",
    "email",
    *(f for _, f in NAME_FIELDS + TEXT_FIELDS + MULTI_FIELDS + ENTERPRISE_FIELDS),
    "manager_id",
)
_MAX_LENGTH = {f.name: getattr(f, "max_length", None) for f in User._meta.concrete_fields}


def timestamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def etag(version: int) -> str:
    return f'W/"{version}"'


def user_document(user: User, *, base_url: str) -> dict[str, Any]:
    """The full SCIM document of a user.

    Expects the selector's annotations: `manager_display` and, when groups are wanted,
    `scim_groups` (a list of {"value", "display"}).
    """
    doc: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": str(user.pk)}
    if user.external_id is not None:
        doc["externalId"] = user.external_id
    doc["userName"] = user.user_name
    name = {attr: getattr(user, f) for attr, f in NAME_FIELDS if getattr(user, f) is not None}
    if name:
        doc["name"] = name
    for attr, f in TEXT_FIELDS:
        value = getattr(user, f)
        if value is not None:
            doc[attr] = value
    if user.active is not None:
        doc["active"] = user.active
    for attr, f in MULTI_FIELDS:
        value = getattr(user, f)
        if value:
            doc[attr] = value
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
    enterprise = {attr: getattr(user, f) for attr, f in ENTERPRISE_FIELDS}
    enterprise = {k: v for k, v in enterprise.items() if v is not None}
    if user.manager_id is not None:
        manager: dict[str, Any] = {
            "value": str(user.manager_id),
            "$ref": f"{base_url}/Users/{user.manager_id}",
        }
        display = getattr(user, "manager_display", None)
        if display is not None:
            manager["displayName"] = display
        enterprise["manager"] = manager
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


def _text(fields: values.Fields, attr: str, field: str, path: str | None = None) -> str | None:
    return values.text(fields.get(attr), path or attr, _MAX_LENGTH[field])


def _manager_id(value: Any) -> uuid.UUID | None:
    """Entra sends the manager as a bare id string; RFC 7643 §4.3 as {"value": id}."""
    path = f"{ENTERPRISE_SCHEMA}:manager"
    if isinstance(value, dict):
        value = values.Fields(value).get("value")
    if value is None or value == "":
        return None
    return uuid.UUID(values.uuid_text(value, path))


def user_fields(document: Any) -> dict[str, Any]:
    """Model fields from a full User document (POST, PUT, or a patched document).

    Read-only attributes (id, meta, groups) and unknown ones are ignored. An absent
    `active` means the default (true); an explicit null leaves it unassigned.
    """
    if not isinstance(document, dict):
        raise invalid_syntax("The request body must be a JSON object.")
    doc = values.Fields(document)
    user_name = _text(doc, "userName", "user_name")
    if user_name is None or not user_name.strip():
        raise invalid_value("'userName' is required.")
    fields: dict[str, Any] = {
        "user_name": user_name,
        "external_id": _text(doc, "externalId", "external_id"),
        "active": values.boolean(doc.get("active"), "active") if "active" in doc else True,
    }
    name = values.obj(doc.get("name"), "name") or values.Fields({})
    for attr, f in NAME_FIELDS:
        fields[f] = _text(name, attr, f, f"name.{attr}")
    for attr, f in TEXT_FIELDS:
        fields[f] = _text(doc, attr, f)
    for attr, f in MULTI_FIELDS:
        definition = USER.attribute(attr)
        assert definition is not None
        fields[f] = values.complex_values(doc.get(attr), definition)
    fields["email"] = _primary_email(fields["emails"])

    # The extension as an object under its URN, or as URN-qualified top-level attributes.
    enterprise = values.obj(doc.get(ENTERPRISE_SCHEMA), ENTERPRISE_SCHEMA) or values.Fields({})
    flat = doc.with_prefix(ENTERPRISE_SCHEMA)
    for attr, f in ENTERPRISE_FIELDS:
        raw = enterprise.get(attr) if attr in enterprise else flat.get(attr.lower())
        fields[f] = values.text(raw, f"{ENTERPRISE_SCHEMA}:{attr}", _MAX_LENGTH[f])
    raw_manager = enterprise.get("manager") if "manager" in enterprise else flat.get("manager")
    fields["manager_id"] = _manager_id(raw_manager)
    return fields


def _primary_email(emails: list[dict]) -> str | None:
    """The primary email (or the first one) is kept in its own indexed column."""
    chosen = next((e for e in emails if e.get("primary") is True and e.get("value")), None)
    chosen = chosen or next((e for e in emails if e.get("value")), None)
    if chosen is None:
        return None
    value = chosen["value"]
    if len(value) > (_MAX_LENGTH["email"] or 254):
        raise invalid_value("The primary email address is too long.")
    return value
