"""Actions on people: create, update attributes, deactivate, reactivate, delete.

Each action owns, once, for every caller (console, SCIM, sign-in, commands): the version
and lastModified bump, ending sessions when access is lost, the last-active-admin rule
(accounts.services.admins), the audit entry (accounts.services.audit) and the hook
(accounts.hooks).

`user_update` is SCIM's busiest write (Entra's attribute changes and deactivations), so a
change of a member is one statement: an `UPDATE … WHERE version = <the version read>`,
with its audit entry inserted by the same statement. No lock is held
while the caller computes the change; a caller whose write lost the race reads again and
recomputes. A change of an admin runs in a transaction holding the admins' lock, for the
last-active-admin rule.
"""

import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone

from accounts import hooks
from accounts.actors import Actor, ActorKind
from accounts.models import Group, User
from accounts.services.admins import admins_lock, last_admin_check
from accounts.services.audit import AUDIT_INSERT, audit_record, audit_values
from accounts.services.errors import Refused, UserNameTaken
from accounts.services.memberships import adds_exclude
from looop.db.rows import row_insert, set_clause

USER_NAME_CONSTRAINT = "user_user_name_ci_unique_live"
# Attributes an admin may edit in the console, for people that SCIM does not manage.
CONSOLE_EDITABLE_FIELDS = ("name_given", "name_family", "display_name", "title", "department")
_SOURCE_OF = {
    ActorKind.CONSOLE: User.Source.CONSOLE,
    ActorKind.SCIM: User.Source.SCIM,
    ActorKind.MICROSOFT: User.Source.SSO,
    ActorKind.SYSTEM: User.Source.CONSOLE,
}
# A write that keeps losing races to other writes of the same person gives up.
WRITE_ATTEMPTS = 8


def statement_savepoint() -> AbstractContextManager[Any]:
    """For a write that is one statement: in autocommit it is atomic by itself (no BEGIN and
    COMMIT round trips); inside a caller's transaction a savepoint keeps that transaction
    usable after a refused write (a duplicate userName)."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def _user_name_taken(exc: IntegrityError, user_name: str) -> Exception:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint == USER_NAME_CONSTRAINT:
        return UserNameTaken(f"Someone with the user name {user_name} already exists.")
    return exc


def user_create(
    *,
    actor: Actor,
    user_name: str,
    email: str | None = None,
    password: str | None = None,
    role: str = User.Role.MEMBER,
    source: str | None = None,
    **fields: Any,
) -> User:
    """Create a person in the current organisation. `source` defaults to the actor's
    (SCIM, Microsoft sign-in, otherwise the console). Only the console and the system
    create admins."""
    if role not in User.Role.values:
        raise Refused("Choose a role: admin or member.")
    if role == User.Role.ADMIN and actor.kind not in (ActorKind.CONSOLE, ActorKind.SYSTEM):
        raise Refused("Only an admin in the console can create an admin.", code="admin_only")
    user = User(
        user_name=user_name.strip(), role=role, source=source or _SOURCE_OF[actor.kind], **fields
    )
    if email:
        user.email = email.strip()
        if "emails" not in fields:  # SCIM sends the full list; keep it as sent
            user.emails = [{"value": user.email, "type": "work", "primary": True}]
    if password:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages), code="password") from None
        user.set_password(password)
    else:
        # SCIM creates users at hundreds per second: as set_unusable_password(), but from
        # one urandom read instead of 40 random choices.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    detail = {"user_name": user.user_name, "role": user.role}
    audit = audit_values(actor=actor, action="user.create", target=str(user.pk), detail=detail)
    with hooks.transaction_for_hooks("attributes"):
        try:
            with statement_savepoint():
                # One statement: the row and its audit entry (accounts.services.audit).
                row_insert(user, also=(AUDIT_INSERT.format(source="written"), audit))
        except IntegrityError as exc:
            raise _user_name_taken(exc, user.user_name) from exc
        fields_set = ("user_name", "email", *fields)
        hooks.notify(hooks.AttributesChanged(user.pk, fields_set, actor, created=True))
    return user


# --- updates ---------------------------------------------------------------------------


def _sessions_ended(active: bool | None) -> int:
    """How far a write of `active` moves `session_epoch`: anything but active ends every
    session (a session's hash includes the epoch), so a deactivated user is signed out."""
    return 0 if active is True else 1


def _activation(before: bool | None, after: bool | None) -> str | None:
    if before is True and after is not True:
        return "deactivated"
    if before is not True and after is True:
        return "reactivated"
    return None


@lru_cache(maxsize=128)
def _update_sql(names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    sets, fields = set_clause(User, names)
    update = (
        f"UPDATE {connection.ops.quote_name(User._meta.db_table)} SET {sets},"
        " version = version + 1,"
        " last_modified = %s, session_epoch = session_epoch + %s"
        " WHERE id = %s AND version = %s AND deleted_at IS NULL"
        " RETURNING version, session_epoch"
    )
    insert = AUDIT_INSERT.format(source="written")
    sql = f"WITH written AS ({update}), audited AS ({insert}) SELECT * FROM written"
    return sql, fields


def _console_rules(*, user: User, changes: Mapping[str, Any], actor: Actor) -> None:
    if not actor.is_console:
        return
    attributes = sorted(set(changes) - {"active"})
    if attributes and user.source == User.Source.SCIM:
        raise Refused(
            "This person is provisioned by SCIM: change their attributes in Microsoft Entra ID."
        )
    unknown = [name for name in attributes if name not in CONSOLE_EDITABLE_FIELDS]
    if unknown:
        raise Refused(f"These attributes can't be edited here: {', '.join(unknown)}.")
    if "active" in changes:
        if user.source == User.Source.SCIM:
            raise Refused(
                "This person is provisioned by SCIM: deactivate them in Microsoft Entra ID."
            )
        if changes["active"] is not True and actor.user is not None and actor.user.pk == user.pk:
            raise Refused("You can't deactivate yourself.")


def user_update(*, user: User, changes: Mapping[str, Any], actor: Actor) -> bool:
    """Write `changes` (model field → new value; `active` included) if the person's live row
    is still at `user.version`, the version the caller read. Returns False, having written
    nothing, when another write came first or the person was deleted: read again and
    recompute. On success `user` holds the new values, version and session epoch.
    """
    changes = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if not changes:
        return True
    _console_rules(user=user, changes=changes, actor=actor)
    activation = _activation(user.active, changes["active"]) if "active" in changes else None
    if not user.is_admin:
        kinds: list[hooks.Kind] = ["access"] if activation else []
        kinds += ["attributes"] if set(changes) - {"active"} else []
        with hooks.transaction_for_hooks(*kinds):
            return _write(user=user, changes=changes, actor=actor, activation=activation)
    with transaction.atomic():
        admins_lock()
        if activation == "deactivated":
            last_admin_check(user=user, what="deactivate them")
        return _write(user=user, changes=changes, actor=actor, activation=activation)


def _write(*, user: User, changes: dict[str, Any], actor: Actor, activation: str | None) -> bool:
    names = tuple(changes)
    sql, fields = _update_sql(names)
    now = timezone.now()
    values = zip(names, fields, strict=True)
    params = [f.get_db_prep_save(changes[name], connection) for name, f in values]
    params += [now, _sessions_ended(changes["active"]) if "active" in changes else 0]
    params += [user.pk, user.version]
    action = f"user.{activation[:-1]}" if activation else "user.update"
    detail: dict[str, Any] = {"user_name": changes.get("user_name", user.user_name)}
    attributes = sorted(name for name in names if name != "active")
    if attributes:
        detail["changed"] = attributes
    params += audit_values(actor=actor, action=action, target=str(user.pk), detail=detail)
    try:
        with statement_savepoint(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    except IntegrityError as exc:
        raise _user_name_taken(exc, changes.get("user_name", user.user_name)) from exc
    if row is None:
        return False
    for name, value in changes.items():
        setattr(user, name, value)
    user.version, user.session_epoch = row
    user.last_modified = now
    if activation is not None:
        hooks.notify(hooks.AccessChanged(user_id=user.pk, change=activation, actor=actor))
    if attributes := tuple(name for name in names if name != "active"):
        hooks.notify(hooks.AttributesChanged(user_id=user.pk, fields=attributes, actor=actor))
    return True


def user_write(*, user: User, actor: Actor, changes: Callable[[User], Mapping[str, Any]]) -> User:
    """`user_update` until it is written: on a lost race, the person is read again and
    `changes` recomputed from the new row."""
    for _ in range(WRITE_ATTEMPTS):
        if user_update(user=user, changes=changes(user), actor=actor):
            return user
        fresh = User.objects.filter(pk=user.pk, deleted_at__isnull=True).first()
        if fresh is None:
            raise User.DoesNotExist(f"User {user.pk} does not exist.")
        user = fresh
    raise Refused("This person changed repeatedly while saving; try again.", code="busy")


def user_deactivate(*, user: User, actor: Actor) -> User:
    """Block sign-in and end every session at once. The data stays."""
    return user_write(user=user, actor=actor, changes=lambda u: {"active": False})


def user_reactivate(*, user: User, actor: Actor) -> User:
    return user_write(user=user, actor=actor, changes=lambda u: {"active": True})


# --- deletion --------------------------------------------------------------------------


@transaction.atomic
def user_delete(*, user: User, actor: Actor) -> None:
    """Soft delete: the row is kept, the userName is free again, sessions end, group
    memberships are dropped and the people it managed lose that manager."""
    adds_exclude()  # no member add in flight may re-add the user after their memberships go
    if user.is_admin:
        admins_lock()
        last_admin_check(user=user, what="delete them")
    # The groups and the reports change too, so their versions (SCIM ETags) move on.
    now = timezone.now()
    Group.objects.filter(memberships__user=user).update(version=F("version") + 1, last_modified=now)
    user.memberships.all().delete()
    User.objects.filter(manager_id=user.pk).update(
        manager=None, version=F("version") + 1, last_modified=now
    )
    audit_record(
        actor=actor, action="user.delete", target=str(user.pk), detail={"user_name": user.user_name}
    )
    hooks.notify(hooks.AccessChanged(user_id=user.pk, change="deleted", actor=actor))
    # Last: this write changes the live-user tally (accounts.LiveUserShard), whose row stays
    # locked until commit, so the transaction takes no other lock while it holds that one.
    User.objects.filter(pk=user.pk).update(
        deleted_at=now,
        active=False,
        session_epoch=F("session_epoch") + 1,
        version=F("version") + 1,
        last_modified=now,
    )
