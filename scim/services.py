"""Writes for SCIM: access tokens, the provisioning log, and users and groups.

The console (Account > Provisioning, Reset Token) and the `scim_token` command call the token
functions; the SCIM views call the user and group functions.
"""

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Group, Membership, User
from accounts.selectors import users_live
from accounts.services import (
    audit_record,
    user_create,
    user_soft_delete,
    user_update_if_unchanged,
)
from looop.db.async_commit import execute_returning
from looop.db.one_message import statements_execute
from looop.db.rows import row_insert, row_update
from scim import event_log, token_cache
from scim.errors import ScimError, invalid_value, not_found, uniqueness
from scim.event_log import EVENT_COLUMNS, EVENT_FIELDS, event_row
from scim.groups import group_document, group_fields, member_ids
from scim.models import ProvisioningEvent, RejectedRequestCount, ScimToken
from scim.patch import patch_apply, patch_members_only
from scim.precompiled import OneRow
from scim.selectors import group_get, id_parse, user_get
from scim.users import WRITABLE_FIELDS, user_document, user_fields
from scim.values import Fields

TOKEN_PREFIX = "looop_scim_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenNameTaken(ValueError):
    pass


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, name: str, actor: User | None = None, expires_at: datetime | None = None
) -> tuple[ScimToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ValueError("A token needs a name.")
    if len(name) > 100:
        raise ValueError("A token name is at most 100 characters.")
    if ScimToken.objects.filter(name=name, revoked_at__isnull=True).exists():
        raise TokenNameTaken(f"An active token called '{name}' already exists.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("The expiry must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 random bytes
    token = ScimToken.objects.create(
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_sha256=token_hash(secret),
        created_by=actor,
        created_by_label=actor.user_name if actor else "system",
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="scim_token.create", target=name, detail={"id": token.pk})
    return token, secret


@transaction.atomic
def token_revoke(*, token: ScimToken, actor: User | None = None) -> ScimToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        token_cache.CACHE.forget(connection.schema_name)  # other processes hear the trigger
        audit_record(
            actor=actor, action="scim_token.revoke", target=token.name, detail={"id": token.pk}
        )
    return token


@transaction.atomic
def token_reset(*, actor: User | None = None, name: str = "Reset token") -> tuple[ScimToken, str]:
    """Revoke every active token and create one new one ("Reset Token" in the console)."""
    now = timezone.now()
    revoked = list(
        ScimToken.objects.select_for_update()
        .filter(revoked_at__isnull=True)
        .values_list("name", flat=True)
    )
    ScimToken.objects.filter(revoked_at__isnull=True).update(revoked_at=now)
    token_cache.CACHE.forget(connection.schema_name)  # other processes hear the trigger
    audit_record(actor=actor, action="scim_token.reset", detail={"revoked": revoked})
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    return token_create(name=f"{name} {stamp}", actor=actor)


# Runs on every SCIM request: compiled once (scim/precompiled.py).
_TOKEN_BY_HASH = OneRow(
    lambda digest: ScimToken.objects.filter(secret_sha256=digest).order_by(), "0" * 64
)


def token_authenticate(secret: str) -> ScimToken | None:
    """The usable token of this organisation's schema for a presented secret, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest, schema = token_hash(secret), connection.schema_name
    cached = token_cache.max_age() > 0
    token = token_cache.CACHE.get(schema, digest) if cached else None
    if token is None:
        generation = token_cache.CACHE.generation()
        token = _TOKEN_BY_HASH.get(digest)
        if token is not None and token.is_usable and cached:
            token_cache.CACHE.put(schema, digest, token, generation)
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    # Written at most once a minute, so busy provisioning doesn't turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


_EVENT_INSERT = "INSERT INTO {} ({}) VALUES ({}) RETURNING id".format(
    ProvisioningEvent._meta.db_table, EVENT_COLUMNS, ", ".join(["%s"] * len(EVENT_FIELDS))
)


def _event_values(token: ScimToken | None, fields: dict[str, Any]) -> tuple[Any, ...]:
    return event_row(token_id=token.pk if token is not None else None, **fields)


def _event_insert(row: tuple[Any, ...]) -> int:
    inserted = execute_returning(_EVENT_INSERT, list(row))
    assert inserted is not None
    return inserted[0]


def event_record(*, token: ScimToken | None = None, **fields: Any) -> int:
    """Record one provisioning event now and return its id: a single INSERT of plain values
    (`scim.event_log.event_row`'s fields), committed without waiting for the disk (or in
    the caller's transaction)."""
    return _event_insert(_event_values(token, fields))


def event_submit(*, token: ScimToken | None = None, **fields: Any) -> None:
    """Log one SCIM request's event (`event_record`'s arguments).

    It is queued for this process's batch writer (`scim.event_log`), except inside a
    transaction, whose fate it then shares, and when `SCIM_EVENT_FLUSH_MS` is 0.
    """
    row = _event_values(token, fields)
    if connection.in_atomic_block or settings.SCIM_EVENT_FLUSH_MS <= 0:
        _event_insert(row)
    else:
        event_log.queue.put(connection.schema_name, row)


def rejection_reason(authorization: str | None) -> str:
    """Why a request got no further than authentication (RejectedRequestCount.Reason)."""
    if not authorization:
        return RejectedRequestCount.Reason.MISSING
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return RejectedRequestCount.Reason.MALFORMED
    return RejectedRequestCount.Reason.INVALID


def rejected_request_count(*, authorization: str | None) -> None:
    """Count a SCIM request without a valid token in this organisation's per-minute tally,
    instead of logging it as an event. Queued like events (`event_submit`), so a flood of
    them costs no database write per request."""
    minute = timezone.now().replace(second=0, microsecond=0)
    reason = rejection_reason(authorization)
    if connection.in_atomic_block or settings.SCIM_EVENT_FLUSH_MS <= 0:
        with transaction.atomic():  # a failure leaves an enclosing transaction usable
            event_log.rejections_add(connection.schema_name, {(minute, reason): 1})
    else:
        event_log.queue.count_rejected(connection.schema_name, minute, reason)


def events_prune(*, older_than: timedelta) -> int:
    """Drop events (and counts of rejected requests) older than `older_than`."""
    cutoff = timezone.now() - older_than
    deleted, _ = ProvisioningEvent.objects.filter(at__lt=cutoff).delete()
    RejectedRequestCount.objects.filter(minute__lt=cutoff).delete()
    return deleted


# --- Users and groups written through SCIM -------------------------------------------------
# Every write runs in one transaction with the resource row locked (FOR NO KEY UPDATE, which
# does not block membership inserts referencing it), so concurrent PATCHes never lose updates.

USER_NAME_CONSTRAINT = "user_user_name_ci_unique_live"


def _integrity_to_scim(exc: IntegrityError) -> ScimError:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint == USER_NAME_CONSTRAINT:
        return uniqueness("A user with this userName already exists.")
    return invalid_value("The request conflicts with existing data.")


def precondition_check(*, version: int, if_match: str | None) -> None:
    """RFC 7644 §3.14: a stale If-Match ETag gets 412 and changes nothing."""
    if if_match is None:
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and f'"{version}"' not in tags:
        raise ScimError(412, "The resource has changed since the given version (If-Match).")


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


def _statement_savepoint() -> AbstractContextManager[Any]:
    """For a write that is one statement: in autocommit it is atomic by itself (no BEGIN and
    COMMIT round trips); inside a caller's transaction a savepoint keeps that transaction
    usable after a duplicate-userName error."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


def scim_user_create(*, document: Any) -> User:
    fields = user_fields(document)
    manager_display = _manager_settle(fields, None)
    email = fields.pop("email")
    try:
        with _statement_savepoint():
            user = user_create(email=email, source=User.Source.SCIM, **fields)
    except IntegrityError as exc:
        raise _integrity_to_scim(exc) from exc
    user.manager_display = manager_display  # type: ignore[attr-defined]
    user.scim_groups = []  # type: ignore[attr-defined]
    return user


# A PUT or PATCH that keeps losing races to other writes of the same user gives up (503,
# Retry-After) rather than spin.
_WRITE_ATTEMPTS = 8


def _user_write(
    user_id: str, if_match: str | None, fields_of: Callable[[User], dict[str, Any]]
) -> User:
    """Read the user, compute its new fields, and write them only if nobody wrote in between;
    otherwise start again from the new row, so no concurrent change is lost. Two round trips
    and no lock: the read, then one UPDATE that is the whole write (all or nothing)."""
    for _ in range(_WRITE_ATTEMPTS):
        user = user_get(user_id=user_id)
        if user is None:
            raise not_found(f"User {user_id} not found.")
        precondition_check(version=user.version, if_match=if_match)
        fields = fields_of(user)
        manager_display = _manager_settle(fields, user)
        changed = [f for f in WRITABLE_FIELDS if getattr(user, f) != fields[f]]
        if not changed:
            return user  # an idempotent retry changes nothing, not even the version
        user.manager_display = manager_display  # type: ignore[attr-defined]
        read_version = user.version
        for f in changed:
            setattr(user, f, fields[f])
        try:
            with _statement_savepoint():
                written = user_update_if_unchanged(user=user, names=changed, version=read_version)
            if written:
                return user
        except IntegrityError as exc:
            raise _integrity_to_scim(exc) from exc
    raise ScimError(503, "The user changed repeatedly while this request ran; retry.")


def scim_user_replace(*, user_id: str, document: Any, if_match: str | None = None) -> User:
    fields = user_fields(document)
    return _user_write(user_id, if_match, lambda user: fields)


def scim_user_patch(*, user_id: str, body: Any, base_url: str, if_match: str | None = None) -> User:
    """Apply a PatchOp to the rendered document, then write it back like a PUT: all or nothing."""

    def fields_of(user: User) -> dict[str, Any]:
        patched = patch_apply(user_document(user, base_url=base_url), body, resource="User")
        document = patched.document
        if "active" not in Fields(document):
            document = {**document, "active": None}  # removed: unassigned, not the default
        return user_fields(document)

    return _user_write(user_id, if_match, fields_of)


def scim_user_delete(*, user_id: str, if_match: str | None = None) -> None:
    """Soft delete: 404 afterwards, the row is kept, and the userName is free again."""
    with transaction.atomic():
        user = user_get(user_id=user_id, with_groups=False, for_update=True)
        if user is None:
            raise not_found(f"User {user_id} not found.")
        precondition_check(version=user.version, if_match=if_match)
        user_soft_delete(user=user)


def _membership_sql(sql: str, params: list[Any] | dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_TABLES), params)
        return cursor.fetchone() if cursor.description else (cursor.rowcount,)


_TABLES = {
    "group": Group._meta.db_table,
    "membership": Membership._meta.db_table,
    "user": User._meta.db_table,
}
# Members to add: `wanted`, the ids in the order sent, and `valid`, those that are live
# users here; the insert skips existing members (ON CONFLICT), so parallel adds never fail
# or lose each other. Parameters: add, group, now.
_MEMBERS_WANTED = """
wanted AS (SELECT id, ord FROM unnest(%(add)s::uuid[]) WITH ORDINALITY AS w(id, ord)),
valid AS (
    SELECT u.id, w.ord FROM {user} u JOIN wanted w ON u.id = w.id WHERE u.deleted_at IS NULL
)"""
_MEMBERS_INSERT = """
inserted AS (
    INSERT INTO {membership} (group_id, user_id, created)
    SELECT %(group)s, id, %(now)s FROM valid {condition}
    ORDER BY ord  -- members keep the order sent
    ON CONFLICT (group_id, user_id) DO NOTHING RETURNING 1
)"""


def _members_valid_check(wanted: int, valid: int) -> None:
    """Unknown ids make the whole request fail."""
    if valid != wanted:
        raise invalid_value(f"{wanted - valid} of the members are not users here.")


def group_members_add(*, group_id: Any, user_ids: list[str]) -> int:
    """Add live users in one statement."""
    if not user_ids:
        return 0
    wanted, valid, inserted = _membership_sql(
        "WITH"
        + _MEMBERS_WANTED
        + ","
        + _MEMBERS_INSERT.replace("{condition}", "")
        + """
        SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM valid),
               (SELECT count(*) FROM inserted)
        """,
        {"add": user_ids, "group": group_id, "now": timezone.now()},
    )
    _members_valid_check(wanted, valid)
    return inserted


def group_members_remove(*, group_id: Any, user_ids: list[str]) -> int:
    if not user_ids:
        return 0
    (deleted,) = _membership_sql(
        "DELETE FROM {membership} WHERE group_id = %s AND user_id = ANY(%s::uuid[])",
        [group_id, user_ids],
    )
    return deleted


def group_members_replace(*, group_id: Any, user_ids: list[str]) -> int:
    """The new member set; NOT IN over a subquery is hashed, so 100,000 ids stay fast."""
    (deleted,) = _membership_sql(
        "DELETE FROM {membership} WHERE group_id = %s"
        " AND user_id NOT IN (SELECT unnest(%s::uuid[]))",
        [group_id, user_ids],
    )
    return deleted + group_members_add(group_id=group_id, user_ids=user_ids)


def group_members_clear(*, group_id: Any) -> int:
    (deleted,) = _membership_sql("DELETE FROM {membership} WHERE group_id = %s", [group_id])
    return deleted


def _group_lock(group_id: str, if_match: str | None) -> Group:
    group = group_get(group_id=group_id, with_members=False, for_update=True)
    if group is None:
        raise not_found(f"Group {group_id} not found.")
    precondition_check(version=group.version, if_match=if_match)
    return group


def _group_write(group: Group, fields: dict[str, Any], *, members_changed: int) -> None:
    changed = [f for f, value in fields.items() if getattr(group, f) != value]
    if not changed and not members_changed:
        return
    for f in changed:
        setattr(group, f, fields[f])
    group.version += 1
    row_update(group, [*changed, "version", "last_modified"])


def scim_group_create(*, document: Any) -> Group:
    """Entra creates groups without members (they follow in PATCHes): then this is one
    INSERT, and the returned group carries its (empty) members for rendering."""
    fields = group_fields(document)
    members = member_ids(Fields(document).get("members")) or []
    with transaction.atomic() if members else _statement_savepoint():
        group = Group(**fields)
        row_insert(group)
        group_members_add(group_id=group.pk, user_ids=members)
    if not members:
        group.scim_members = []  # type: ignore[attr-defined]
    return group


@transaction.atomic
def scim_group_replace(*, group_id: str, document: Any, if_match: str | None = None) -> Group:
    """PUT replaces everything, members included (RFC 7644 §3.5.1): absent members → none."""
    fields = group_fields(document)
    members = member_ids(Fields(document).get("members")) or []
    group = _group_lock(group_id, if_match)
    changed = group_members_replace(group_id=group.pk, user_ids=members)
    _group_write(group, fields, members_changed=changed)
    return group


def scim_group_patch(
    *, group_id: str, body: Any, base_url: str, if_match: str | None = None
) -> Group:
    """PATCH edits the document without members; member operations become set-based SQL.

    Entra's PATCHes that only add and remove members take a path of one round trip."""
    changes = patch_members_only(body) if if_match is None else None
    if changes is not None and changes.replace is None and not changes.remove_all:
        try:
            add, remove = _ids(changes.add), _ids(changes.remove)
        except ScimError:
            pass  # a malformed id: the general path reports it, after a missing group
        else:
            return _group_members_patch(group_id, add=add, remove=remove)
    return _group_patch(group_id=group_id, body=body, base_url=base_url, if_match=if_match)


# Entra's member adds and removals: the group row locked, then members removed and added
# (only if every added id is a live user) and the version bumped if anything changed.
_MEMBERS_PATCH = (
    "SELECT 1 FROM {group} WHERE id = %(group)s FOR NO KEY UPDATE;\nWITH"
    + _MEMBERS_WANTED
    + """,
go AS (
    SELECT 1 FROM {group} WHERE id = %(group)s
    AND (SELECT count(*) FROM wanted) = (SELECT count(*) FROM valid)
),
removed AS (
    DELETE FROM {membership} WHERE EXISTS (SELECT FROM go) AND group_id = %(group)s
    AND user_id = ANY(%(remove)s::uuid[]) RETURNING 1
),"""
    + _MEMBERS_INSERT.replace("{condition}", "WHERE EXISTS (SELECT FROM go)")
    + """,
bumped AS (
    UPDATE {group} SET version = version + 1, last_modified = %(now)s
    WHERE id = %(group)s AND (SELECT count(*) FROM removed) + (SELECT count(*) FROM inserted) > 0
    RETURNING version
)
SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM valid),
       coalesce((SELECT version FROM bumped), (SELECT version FROM {group} WHERE id = %(group)s))
"""
).format(**_TABLES)


def _group_members_patch(group_id: str, *, add: list[str], remove: list[str]) -> Group:
    """Member adds and removals in one round trip (looop/db/one_message.py): the lock and
    the changes run as two statements of one message, so the changes see every member
    committed by requests that held the lock before. Returns the group's id and version."""
    pk = id_parse(group_id)
    params = {"group": pk, "add": add, "remove": remove, "now": timezone.now()}
    row = statements_execute(_MEMBERS_PATCH, params) if pk is not None else None
    if row is None or row[2] is None:
        raise not_found(f"Group {group_id} not found.")
    wanted, valid, version = row
    _members_valid_check(wanted, valid)
    return Group(pk=pk, version=version)


@transaction.atomic
def _group_patch(*, group_id: str, body: Any, base_url: str, if_match: str | None = None) -> Group:
    group = _group_lock(group_id, if_match)
    result = patch_apply(group_document(group, base_url=base_url), body, resource="Group")
    fields = group_fields(result.document)
    changes, changed = result.members, 0
    if changes.replace is not None:
        changed += group_members_replace(group_id=group.pk, user_ids=_ids(changes.replace))
    elif changes.remove_all:
        changed += group_members_clear(group_id=group.pk)
    changed += group_members_remove(group_id=group.pk, user_ids=_ids(changes.remove))
    changed += group_members_add(group_id=group.pk, user_ids=_ids(changes.add))
    _group_write(group, fields, members_changed=changed)
    return group


def _ids(raw: list[str]) -> list[str]:
    return member_ids([{"value": value} for value in raw]) or []


@transaction.atomic
def scim_group_delete(*, group_id: str, if_match: str | None = None) -> None:
    group = _group_lock(group_id, if_match)
    group_members_clear(group_id=group.pk)
    Group.objects.filter(pk=group.pk).delete()
