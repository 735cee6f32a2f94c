"""The audit trail: who changed what, shown on Account pages and on a person's History.

Every action writes its entry, whoever acts: a person in the console, Microsoft sign-in,
a SCIM token (by name) or the system. SCIM's routine traffic is audited too, so a person's
History shows Entra creating, editing and deactivating them and changing their groups. The
entries cost no extra round trip on SCIM's busy writes: a person's create or update writes
its entry in the same statement (`AUDIT_INSERT` in a data-modifying CTE), and a member
change writes one entry per member set-based, in one INSERT … SELECT per request
(`MEMBERS_AUDIT`), never one statement per member.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import AuditEntry, Group

MEMBER_ADD = "group.member_add"
MEMBER_REMOVE = "group.member_remove"


def audit_record(
    *, actor: Actor, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        target=target,
        detail=detail or {},
    )


# For a write that must be one statement (accounts.services.users): the entry inserted in
# a data-modifying CTE of the same statement, only if the write happened.
_COLUMNS = ("at", "actor_id", "actor_label", "action", "target", "detail")
_TABLE = connection.ops.quote_name(AuditEntry._meta.db_table)
_COLUMN_LIST = ", ".join(AuditEntry._meta.get_field(c.removesuffix("_id")).column for c in _COLUMNS)
AUDIT_INSERT = "INSERT INTO {} ({}) SELECT {} FROM {{source}}".format(
    _TABLE, _COLUMN_LIST, ", ".join(["%s"] * (len(_COLUMNS) - 1) + ["%s::jsonb"])
)


def audit_values(*, actor: Actor, action: str, target: str, detail: dict[str, Any]) -> list[Any]:
    """AUDIT_INSERT's parameters, in its columns' order."""
    field = AuditEntry._meta.get_field("detail")
    return [
        timezone.now(),
        actor.user.pk if actor.user is not None else None,
        actor.label,
        action,
        target,
        field.get_db_prep_save(detail, connection),
    ]


# One entry per member added or removed, targeted at the member (their History), from two
# relations of user ids named by the caller: `{added}` and `{removed}` (CTEs of a member
# change, or unnested arrays), and the group's name as `{display_name}` (an expression).
# The entry does not repeat the member's user name: it is the History's own person, and
# their `user.create` entry has it. Joining the user and the group here took a third off
# a single-member PATCH's rate, mostly in planning (docs/performance.md).
# Parameters: now, actor_id, actor_label, group.
MEMBERS_AUDIT = f"""INSERT INTO {_TABLE} ({_COLUMN_LIST})
SELECT %(now)s, %(actor_id)s, %(actor_label)s, c.action, c.user_id::text,
       jsonb_build_object('group', %(group)s::text, 'display_name', {{display_name}})
FROM (SELECT '{MEMBER_REMOVE}' AS action, user_id, 1 AS step FROM {{removed}}
      UNION ALL SELECT '{MEMBER_ADD}', user_id, 2 FROM {{added}}) c
ORDER BY c.step"""
_MEMBERS_AUDIT_ARRAYS = (
    "WITH added AS (SELECT unnest(%(added)s::uuid[]) AS user_id),"
    " removed AS (SELECT unnest(%(removed)s::uuid[]) AS user_id) "
    + MEMBERS_AUDIT.format(added="added", removed="removed", display_name="%(display_name)s::text")
)


def members_audit_params(*, actor: Actor) -> dict[str, Any]:
    """MEMBERS_AUDIT's parameters but the group's (the caller's statement has it)."""
    return {
        "now": timezone.now(),
        "actor_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.label,
    }


def members_audit(
    *,
    actor: Actor,
    group: Group,
    added: Sequence[uuid.UUID],
    removed: Sequence[uuid.UUID],
) -> None:
    """Audit members added to and removed from a group (still existing): one statement."""
    if not added and not removed:
        return
    params = {
        **members_audit_params(actor=actor),
        "group": group.pk,
        "display_name": group.display_name,
        "added": list(added),
        "removed": list(removed),
    }
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERS_AUDIT_ARRAYS, params)
