"""Group ⇄ SCIM Group document (RFC 7643 §4.2).

Members are rendered only when asked for: a group may have 100,000 of them, so the
document without `members` is what PATCH edits, and member changes go to set-based SQL.
"""

from typing import Any

from accounts.models import Group
from scim import values
from scim.errors import invalid_syntax, invalid_value
from scim.schemas import GROUP, GROUP_SCHEMA
from scim.users import etag, render_plan, stored_fields, stored_render, timestamp

_PLAN = render_plan(GROUP.attributes)
_EXTERNAL_ID_LENGTH = Group._meta.get_field("external_id").max_length


def group_document(group: Group, *, base_url: str) -> dict[str, Any]:
    """The SCIM document of a group; `members` only if the selector annotated `scim_members`."""
    doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": str(group.pk)}
    if group.external_id is not None:
        doc["externalId"] = group.external_id
    doc.update(stored_render(_PLAN, group))
    members = getattr(group, "scim_members", None)
    if members:
        doc["members"] = [member_document(m, base_url=base_url) for m in members]
    doc["meta"] = {
        "resourceType": "Group",
        "created": timestamp(group.created),
        "lastModified": timestamp(group.last_modified),
        "location": f"{base_url}/Groups/{group.pk}",
        "version": etag(group.version),
    }
    return doc


def member_document(member: dict[str, Any], *, base_url: str) -> dict[str, Any]:
    doc = {"value": member["value"], "$ref": f"{base_url}/Users/{member['value']}", "type": "User"}
    if member.get("display") is not None:
        doc["display"] = member["display"]
    return doc


def group_fields(document: Any) -> dict[str, Any]:
    """Model fields from a full Group document. Unknown schemas (such as Microsoft's
    `…/ADSCIM/2.0/Group`) and read-only attributes are ignored."""
    if not isinstance(document, dict):
        raise invalid_syntax("The request body must be a JSON object.")
    doc = values.Fields(document)
    fields = stored_fields(GROUP.attributes, doc, model=Group)
    if fields["display_name"] is None or not fields["display_name"].strip():
        raise invalid_value("'displayName' is required.")
    fields["external_id"] = values.text(doc.get("externalId"), "externalId", _EXTERNAL_ID_LENGTH)
    return fields


def member_ids(value: Any) -> list[str] | None:
    """Member ids from a `members` value ([{"value": id}, …]); None when absent."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value("'members' must be a list.")
    ids: list[str] = []
    for index, item in enumerate(value):
        raw = values.Fields(item).get("value") if isinstance(item, dict) else item
        ids.append(values.uuid_text(raw, f"members[{index}].value"))
    return list(dict.fromkeys(ids))
