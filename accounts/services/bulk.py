"""Bulk actions on People: a role for many, or deactivating many, one action each.

`bulk_plan` says beforehand who will change and who will be skipped, and why; `bulk_run`
calls the single-person action for each (so each change keeps its own rules and audit
entry) and reports what happened. Ids of people not in this organisation are "not found".
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from accounts.actors import Actor
from accounts.models import User
from accounts.services.errors import Refused
from accounts.services.roles import user_role_set
from accounts.services.users import user_deactivate

BULK_MAX = 500
BULK_ACTIONS = {
    "deactivate": "Deactivate",
    "make_admin": "Make admin",
    "make_member": "Make member",
}
_ROLE_OF = {"make_admin": User.Role.ADMIN, "make_member": User.Role.MEMBER}


@dataclass
class BulkOutcome:
    """Who changes (or changed), who is skipped with the reason, and ids not found."""

    changed: list[User] = field(default_factory=list)
    skipped: list[tuple[User, str]] = field(default_factory=list)
    not_found: int = 0


def bulk_ids(values: Iterable[str]) -> list[uuid.UUID]:
    """Distinct ids in the order given. Raises ValueError on a malformed id or too many."""
    ids = list(dict.fromkeys(uuid.UUID(value) for value in values))
    if len(ids) > BULK_MAX:
        raise ValueError(f"Choose at most {BULK_MAX} people at a time.")
    return ids


def _people(ids: list[uuid.UUID]) -> tuple[list[User], int]:
    people = list(User.objects.filter(pk__in=ids, deleted_at__isnull=True).order_by("user_name"))
    return people, len(ids) - len(people)


def _reason(person: User, action: str, actor: Actor) -> str | None:
    """Why `action` would not change `person`, foreseen from the rules; None if it would."""
    if action == "deactivate":
        if person.source == User.Source.SCIM:
            return "provisioned by SCIM: deactivate them in Microsoft Entra ID"
        if actor.user is not None and person.pk == actor.user.pk:
            return "you can't deactivate yourself"
        if not person.active:
            return "already deactivated"
        return None
    if person.role == _ROLE_OF[action]:
        return f"already {person.get_role_display().lower()}"
    return None


def bulk_plan(*, ids: list[uuid.UUID], action: str, actor: Actor) -> BulkOutcome:
    if action not in BULK_ACTIONS:
        raise ValueError("Choose an action.")
    people, missing = _people(ids)
    plan = BulkOutcome(not_found=missing)
    for person in people:
        reason = _reason(person, action, actor)
        if reason:
            plan.skipped.append((person, reason))
        else:
            plan.changed.append(person)
    if action in ("deactivate", "make_member"):
        # The last-active-admin rule: the organisation keeps one active admin.
        leaving = {p.pk for p in plan.changed if p.is_admin and p.active}
        admins = User.objects.filter(role=User.Role.ADMIN, active=True, deleted_at__isnull=True)
        if leaving and not admins.exclude(pk__in=leaving).exists():
            last = next(p for p in reversed(plan.changed) if p.pk in leaving)
            plan.changed.remove(last)
            plan.skipped.append((last, "the organisation's last active admin"))
    return plan


def bulk_run(*, ids: list[uuid.UUID], action: str, actor: Actor) -> BulkOutcome:
    """Each person through the action layer; a refusal skips that person only."""
    if action not in BULK_ACTIONS:
        raise ValueError("Choose an action.")
    people, missing = _people(ids)
    done = BulkOutcome(not_found=missing)
    for person in people:
        reason = _reason(person, action, actor)
        if reason:
            done.skipped.append((person, reason))
            continue
        try:
            if action == "deactivate":
                person = user_deactivate(user=person, actor=actor)
            else:
                person = user_role_set(user=person, role=_ROLE_OF[action], actor=actor)
        except Refused as exc:
            done.skipped.append((person, str(exc)))
        else:
            done.changed.append(person)
    return done
