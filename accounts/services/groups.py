"""Actions on groups: create, rename (and other attributes), delete, and their members.

Each action bumps the group's version once, writes its audit entries (accounts.services.audit:
one for the group, one per member added or removed, on that member's History) and tells
subscribers which members came and went (accounts.hooks), inside its transaction. Member
changes and their entries are set-based SQL (accounts.services.memberships).
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from accounts import hooks
from accounts.actors import Actor
from accounts.models import Group
from accounts.services.audit import (
    AUDIT_INSERT,
    audit_record,
    audit_values,
    members_audit,
)
from accounts.services.memberships import (
    members_change_locked,
    members_clear,
    members_delete,
    members_insert,
    members_keep_only,
)
from accounts.services.users import statement_savepoint
from looop.db.rows import row_insert, row_update


def _notify(
    group_id: uuid.UUID, added: Sequence[uuid.UUID], removed: Sequence[uuid.UUID], actor: Actor
) -> None:
    """One MembershipChanged with the net effect (an id both removed and added stayed)."""
    came, went = set(added), set(removed)
    added = [member for member in added if member not in went]
    removed = [member for member in removed if member not in came]
    if added or removed:
        change = hooks.MembershipChanged(
            group_id=group_id, added=tuple(added), removed=tuple(removed), actor=actor
        )
        hooks.notify(change)


def _audit(actor: Actor, action: str, group: Group, **detail: Any) -> None:
    detail = {"display_name": group.display_name, **detail}
    audit_record(actor=actor, action=action, target=str(group.pk), detail=detail)


def group_create(
    *,
    display_name: str,
    actor: Actor,
    external_id: str | None = None,
    members: Sequence[str] = (),
) -> Group:
    """Entra creates groups without members (they follow in PATCHes): then this is one
    INSERT in autocommit."""
    group = Group(display_name=display_name, external_id=external_id)
    detail = {"display_name": display_name}
    audit = audit_values(actor=actor, action="group.create", target=str(group.pk), detail=detail)
    with statement_savepoint() if not members else transaction.atomic():
        row_insert(group, also=(AUDIT_INSERT.format(source="written"), audit))
        added = members_insert(group_id=group.pk, user_ids=members)
        members_audit(actor=actor, group=group, added=added, removed=[])
        _notify(group.pk, added, [], actor)
    return group


@transaction.atomic
def group_update(
    *,
    group: Group,
    actor: Actor,
    changes: Mapping[str, Any] | None = None,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    replace: Sequence[str] | None = None,
    clear: bool = False,
) -> Group:
    """Change a group's attributes (`changes`: field → value) and members, in this order:
    `replace` (the new member set) or `clear`, then `remove`, then `add`. Call with the group
    row locked (a PATCH computes its changes from the locked row). The version moves on
    once if anything changed."""
    removed: list[uuid.UUID] = []
    added: list[uuid.UUID] = []
    if replace is not None:
        removed += members_keep_only(group_id=group.pk, user_ids=replace)
        added += members_insert(group_id=group.pk, user_ids=replace)
    elif clear:
        removed += members_clear(group_id=group.pk)
    removed += members_delete(group_id=group.pk, user_ids=remove)
    added += members_insert(group_id=group.pk, user_ids=add)
    changed = [f for f, value in (changes or {}).items() if getattr(group, f) != value]
    if not changed and not added and not removed:
        return group
    for f in changed:
        setattr(group, f, changes[f])  # type: ignore[index]
    group.version += 1
    row_update(group, [*changed, "version", "last_modified"])
    if changed:
        _audit(actor, "group.update", group, changed=sorted(changed))
    members_audit(actor=actor, group=group, added=added, removed=removed)
    _notify(group.pk, added, removed, actor)
    return group


def group_rename(*, group: Group, display_name: str, actor: Actor) -> Group:
    return group_update(group=group, actor=actor, changes={"display_name": display_name})


def group_members_add(*, group: Group, user_ids: Sequence[str], actor: Actor) -> Group:
    return group_update(group=group, actor=actor, add=user_ids)


def group_members_remove(*, group: Group, user_ids: Sequence[str], actor: Actor) -> Group:
    return group_update(group=group, actor=actor, remove=user_ids)


def group_members_replace(*, group: Group, user_ids: Sequence[str], actor: Actor) -> Group:
    return group_update(group=group, actor=actor, replace=user_ids)


def group_members_change(
    *,
    group_id: uuid.UUID,
    add: Sequence[str],
    remove: Sequence[str],
    actor: Actor,
    versions: Sequence[int] | None = None,
) -> Group | None:
    """Members removed and added with the group locked, in one round trip (Entra's member
    PATCHes); the group's id and version, or None if there is no such group. With
    `versions`, only if the group is at one of them (else VersionMismatch)."""
    kinds: list[hooks.Kind] = ["members_added"] if add else []
    with hooks.transaction_for_hooks(*kinds, *(["members_removed"] if remove else [])):
        result = members_change_locked(
            group_id=group_id, add=add, remove=remove, versions=versions, actor=actor
        )
        if result is None:
            return None
        version, added, removed = result
        _notify(group_id, added, removed, actor)
    return Group(pk=group_id, version=version)


@transaction.atomic
def group_delete(*, group: Group, actor: Actor) -> None:
    """Delete the group; its members are reported as removed."""
    removed = members_clear(group_id=group.pk)
    members_audit(actor=actor, group=group, added=[], removed=removed)
    Group.objects.filter(pk=group.pk).delete()
    _audit(actor, "group.delete", group)
    _notify(group.pk, [], removed, actor)
