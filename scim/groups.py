"""Group ⇄ SCIM Group document (RFC 7643 §4.2).

Members are rendered only when asked for: a group may have 100,000 of them, so the
document without `members` is what PATCH edits, and member changes go to set-based SQL.
The `members` array itself is rendered by PostgreSQL (scim.selectors, `scim_members`) as
JSON text; `group_json` puts that text into the response as it is.
"""

import json
from typing import Any

from accounts.models import Group
from scim import values
from scim.attributes import Projection
from scim.errors import invalid_syntax, invalid_value
from scim.schemas import GROUP, GROUP_SCHEMA
from scim.users import etag, render_plan, stored_fields, stored_render, timestamp
from scim.views.media import json_text

_PLAN = render_plan(GROUP.attributes)
_EXTERNAL_ID_LENGTH = Group._meta.get_field("external_id").max_length


def _members_text(group: Group) -> str | None:
    """The JSON text of the group's members, if the selector read them and there are any."""
    return getattr(group, "scim_members", None) or None


def _head(group: Group) -> dict[str, Any]:
    """The attributes a group document has before `members`."""
    doc: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": str(group.pk)}
    if group.external_id is not None:
        doc["externalId"] = group.external_id
    doc.update(stored_render(_PLAN, group))
    return doc


def _meta(group: Group, *, base_url: str) -> dict[str, str]:
    return {
        "resourceType": "Group",
        "created": timestamp(group.created),
        "lastModified": timestamp(group.last_modified),
        "location": group_location(group, base_url=base_url),
        "version": etag(group.version),
    }


def group_location(group: Group, *, base_url: str) -> str:
    return f"{base_url}/Groups/{group.pk}"


def group_document(group: Group, *, base_url: str) -> dict[str, Any]:
    """The SCIM document of a group; `members` only if the selector read them."""
    doc = _head(group)
    members = _members_text(group)
    if members is not None:
        doc["members"] = json.loads(members)
    doc["meta"] = _meta(group, base_url=base_url)
    return doc


def _members_whole(projection: Projection) -> bool:
    """Whether `members` is returned whole or not at all (no sub-attribute is chosen)."""
    tree = projection.include if projection.include is not None else projection.exclude
    return tree is None or not isinstance(tree.get("members"), dict)


def group_json(group: Group, *, base_url: str, projection: Projection) -> str:
    """The group's response body as JSON text, as the SCIM renderer writes a document.

    The members' text goes in unparsed, between the attributes before it and `meta`.
    Only `attributes`/`excludedAttributes` naming members' sub-attributes parse it.
    """
    members = _members_text(group)
    if members is not None and not _members_whole(projection):
        return json_text(projection.apply(group_document(group, base_url=base_url)))
    doc = projection.apply({**_head(group), "meta": _meta(group, base_url=base_url)})
    if members is None or not projection.wants("members"):
        return json_text(doc)
    tail = {"meta": doc.pop("meta")} if "meta" in doc else {}
    head_text, tail_text = json_text(doc), json_text(tail)
    rest = f",{tail_text[1:]}" if tail else "}"
    return f'{head_text[:-1]},"members":{members}{rest}'


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
