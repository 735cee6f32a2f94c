"""SCIM user writes: a request's document or PatchOp turned into action calls.

The rules (versions, sessions, the last active admin, audit, hooks) are the actions'
(accounts.services); this module does the protocol: parse, apply PATCH operations to the
rendered document, check If-Match, and map refusals to SCIM errors.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.actors import Actor
from accounts.models import User
from accounts.selectors import users_live
from accounts.services import user_create, user_delete, user_update
from scim.errors import ScimError, not_found
from scim.patch import patch_apply
from scim.selectors import user_get
from scim.services.errors import refusals_as_scim
from scim.users import WRITABLE_FIELDS, user_document, user_fields
from scim.values import Fields

# A PUT or PATCH that keeps losing races to other writes of the same user gives up (503,
# Retry-After) rather than spin.
_WRITE_ATTEMPTS = 8


STALE = "The resource has changed since the given version (If-Match)."


def if_match_versions(if_match: str | None) -> list[int] | None:
    """The versions an If-Match header accepts; None for any (absent, or `*`)."""
    if if_match is None:
        return None
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" in tags:
        return None
    quoted = (t[1:-1] for t in tags if len(t) > 2 and t[0] == t[-1] == '"')
    return [int(t) for t in quoted if t.isdigit() and len(t) < 10]


def precondition_check(*, version: int, if_match: str | None) -> None:
    """RFC 7644 §3.14: a stale If-Match ETag gets 412 and changes nothing."""
    versions = if_match_versions(if_match)
    if versions is not None and version not in versions:
        raise ScimError(412, STALE)


def _manager_settle(fields: dict[str, Any], current: User | None) -> str | None:
    """Keep the manager as a user here (`manager_id`) when the value names a live one, or
    else as the value sent (`manager_unresolved`); returns the manager's display name.
    Looks the manager up only when the id differs from the one `current` already has."""
    manager_id = fields["manager_id"]
    if manager_id is not None and current is not None and manager_id == current.manager_id:
        fields["manager_unresolved"] = None
        return getattr(current, "manager_display", None)
    if manager_id is None:
        return None
    found = list(users_live().filter(pk=manager_id).values_list("display_name")[:1])
    if not found:
        fields["manager_id"] = None
        return None
    fields["manager_unresolved"] = None
    return found[0][0]


def scim_user_create(*, document: Any, actor: Actor) -> User:
    fields = user_fields(document)
    manager_display = _manager_settle(fields, None)
    email = fields.pop("email")
    with refusals_as_scim():
        user = user_create(actor=actor, email=email, **fields)
    user.manager_display = manager_display  # type: ignore[attr-defined]
    user.scim_groups = []  # type: ignore[attr-defined]
    return user


def _user_write(
    user_id: str,
    if_match: str | None,
    fields_of: Callable[[User], dict[str, Any]],
    actor: Actor,
) -> User:
    """Read the user, compute its new fields, and have `user_update` write them only if
    nobody wrote in between; otherwise start again from the new row, so no concurrent
    change is lost. No lock is held while the PATCH is applied."""
    for _ in range(_WRITE_ATTEMPTS):
        user = user_get(user_id=user_id)
        if user is None:
            raise not_found(f"User {user_id} not found.")
        precondition_check(version=user.version, if_match=if_match)
        fields = fields_of(user)
        manager_display = _manager_settle(fields, user)
        changes = {f: fields[f] for f in WRITABLE_FIELDS if getattr(user, f) != fields[f]}
        if not changes:
            return user  # an idempotent retry changes nothing, not even the version
        user.manager_display = manager_display  # type: ignore[attr-defined]
        with refusals_as_scim():
            if user_update(user=user, changes=changes, actor=actor):
                return user
    raise ScimError(503, "The user changed repeatedly while this request ran; retry.")


def scim_user_replace(
    *, user_id: str, document: Any, actor: Actor, if_match: str | None = None
) -> User:
    fields = user_fields(document)
    return _user_write(user_id, if_match, lambda user: fields, actor)


def scim_user_patch(
    *, user_id: str, body: Any, base_url: str, actor: Actor, if_match: str | None = None
) -> User:
    """Apply a PatchOp to the rendered document, then write it back like a PUT: all or nothing."""

    def fields_of(user: User) -> dict[str, Any]:
        patched = patch_apply(user_document(user, base_url=base_url), body, resource="User")
        document = patched.document
        if "active" not in Fields(document):
            document = {**document, "active": None}  # removed: unassigned, not the default
        return user_fields(document)

    return _user_write(user_id, if_match, fields_of, actor)


def scim_user_delete(*, user_id: str, actor: Actor, if_match: str | None = None) -> None:
    """Soft delete: 404 afterwards, the row is kept, and the userName is free again."""
    with transaction.atomic():
        user = user_get(user_id=user_id, with_groups=False, for_update=True)
        if user is None:
            raise not_found(f"User {user_id} not found.")
        precondition_check(version=user.version, if_match=if_match)
        with refusals_as_scim():
            user_delete(user=user, actor=actor)
