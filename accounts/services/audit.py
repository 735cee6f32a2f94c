"""The audit trail: who changed what, shown on Account pages and on a person's page.

Every action decides once, here, whether its change is audited (`audit_due`):
- everything a person does: in the console, or by signing in with Microsoft;
- from SCIM and the system, every change that concerns access (activation, deletion,
  role, Microsoft identity) and every change to an admin.
SCIM's routine traffic (creating people and groups, editing a member's attributes,
renaming groups, changing memberships) is in the provisioning log, one line per request,
and not written twice.
"""

from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.actors import Actor, ActorKind
from accounts.models import AuditEntry

_PEOPLE = (ActorKind.CONSOLE, ActorKind.MICROSOFT)


def audit_due(*, actor: Actor, admin: bool = False, access: bool = False) -> bool:
    """Whether a change by `actor` is audited; `admin`: it concerns an admin; `access`: it
    changes who can get in."""
    return actor.kind in _PEOPLE or admin or access


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
AUDIT_INSERT = "INSERT INTO {} ({}) SELECT {} FROM {{source}}".format(
    connection.ops.quote_name(AuditEntry._meta.db_table),
    ", ".join(AuditEntry._meta.get_field(c.removesuffix("_id")).column for c in _COLUMNS),
    ", ".join(["%s"] * (len(_COLUMNS) - 1) + ["%s::jsonb"]),
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
