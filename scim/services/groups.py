"""SCIM group writes: documents and PatchOps turned into the group actions
(accounts.services.groups), which own versions, memberships and the hook.

A group PATCH is applied with the group row locked (FOR NO KEY UPDATE, which does not block
membership inserts referencing it), so concurrent PATCHes never lose updates.
"""

from typing import Any

from django.db import transaction

from accounts.actors import Actor
from accounts.models import Group
from accounts.services import group_create, group_delete, group_members_change, group_update
from accounts.services.memberships import VersionMismatch
from scim.errors import ScimError, not_found
from scim.groups import group_document, group_fields, member_ids
from scim.patch import patch_apply, patch_members_only
from scim.selectors import group_get, id_parse
from scim.services.errors import refusals_as_scim
from scim.services.users import STALE, if_match_versions, precondition_check
from scim.values import Fields


def _group_lock(group_id: str, if_match: str | None) -> Group:
    group = group_get(group_id=group_id, with_members=False, for_update=True)
    if group is None:
        raise not_found(f"Group {group_id} not found.")
    precondition_check(version=group.version, if_match=if_match)
    return group


def _ids(raw: list[str]) -> list[str]:
    return member_ids([{"value": value} for value in raw]) or []


def scim_group_create(*, document: Any, actor: Actor) -> Group:
    """The returned group carries its members for rendering only when it has none
    (Entra creates groups empty; members follow in PATCHes)."""
    fields = group_fields(document)
    members = member_ids(Fields(document).get("members")) or []
    with refusals_as_scim():
        group = group_create(actor=actor, members=members, **fields)
    if not members:
        group.scim_members = []  # type: ignore[attr-defined]
    return group


@transaction.atomic
def scim_group_replace(
    *, group_id: str, document: Any, actor: Actor, if_match: str | None = None
) -> Group:
    """PUT replaces everything, members included (RFC 7644 §3.5.1): absent members → none."""
    fields = group_fields(document)
    members = member_ids(Fields(document).get("members")) or []
    group = _group_lock(group_id, if_match)
    with refusals_as_scim():
        return group_update(group=group, actor=actor, changes=fields, replace=members)


def scim_group_patch(
    *, group_id: str, body: Any, base_url: str, actor: Actor, if_match: str | None = None
) -> Group:
    """PATCH edits the document without members; member operations become set-based SQL.

    A PATCH that only adds and removes members (Entra's, with or without If-Match) needs
    no document: the group is locked, checked and changed in one round trip."""
    changes = patch_members_only(body)
    if changes is not None and changes.replace is None and not changes.remove_all:
        try:
            add, remove = _ids(changes.add), _ids(changes.remove)
        except ScimError:
            pass  # a malformed id: the general path reports it, after a missing group
        else:
            pk = id_parse(group_id)
            group = None
            try:
                with refusals_as_scim():
                    if pk is not None:
                        group = group_members_change(
                            group_id=pk,
                            add=add,
                            remove=remove,
                            actor=actor,
                            versions=if_match_versions(if_match),
                        )
            except VersionMismatch:
                raise ScimError(412, STALE) from None
            if group is None:
                raise not_found(f"Group {group_id} not found.")
            return group
    return _group_patch(
        group_id=group_id, body=body, base_url=base_url, actor=actor, if_match=if_match
    )


@transaction.atomic
def _group_patch(
    *, group_id: str, body: Any, base_url: str, actor: Actor, if_match: str | None = None
) -> Group:
    group = _group_lock(group_id, if_match)
    result = patch_apply(group_document(group, base_url=base_url), body, resource="Group")
    members = result.members
    with refusals_as_scim():
        return group_update(
            group=group,
            actor=actor,
            changes=group_fields(result.document),
            replace=None if members.replace is None else _ids(members.replace),
            clear=members.remove_all,
            remove=_ids(members.remove),
            add=_ids(members.add),
        )


@transaction.atomic
def scim_group_delete(*, group_id: str, actor: Actor, if_match: str | None = None) -> None:
    group = _group_lock(group_id, if_match)
    group_delete(group=group, actor=actor)
