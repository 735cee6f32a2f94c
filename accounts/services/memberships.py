"""Group memberships as set-based SQL: a group may have 100,000 members, so members are
never handled one row at a time in Python.

These are the statements behind the group actions (accounts.services.groups); they change
rows and return what changed, and the actions own the version bump and the hook.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Group, Membership, User
from accounts.services.audit import MEMBERS_AUDIT, members_audit_params
from accounts.services.errors import NotAUserHere
from looop.db.one_message import statements_execute

TABLES = {
    "group": Group._meta.db_table,
    "membership": Membership._meta.db_table,
    "user": User._meta.db_table,
}
# Members to add: `wanted`, the ids in the order sent, and `valid`, those that are live
# users here; the insert skips existing members (ON CONFLICT), so parallel adds never fail
# or lose each other. Parameters: add, group, now.
_WANTED = """
wanted AS (SELECT id, ord FROM unnest(%(add)s::uuid[]) WITH ORDINALITY AS w(id, ord)),
valid AS (
    SELECT u.id, w.ord FROM {user} u JOIN wanted w ON u.id = w.id WHERE u.deleted_at IS NULL
)"""
_INSERT = """
inserted AS (
    INSERT INTO {membership} (group_id, user_id, created)
    SELECT %(group)s, id, %(now)s FROM valid {condition}
    ORDER BY ord  -- members keep the order sent
    ON CONFLICT (group_id, user_id) DO NOTHING RETURNING user_id
)"""
_IDS = "coalesce((SELECT array_agg(user_id) FROM {}), ARRAY[]::uuid[])"

_ADD = (
    "WITH"
    + _WANTED
    + ","
    + _INSERT.replace("{condition}", "")
    + f"""
SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM valid), {_IDS.format("inserted")}
"""
).format(**TABLES)
_REMOVE = (
    "WITH removed AS (DELETE FROM {membership} WHERE group_id = %(group)s"
    " AND user_id = ANY(%(remove)s::uuid[]) RETURNING user_id)"
    f" SELECT {_IDS.format('removed')}"
).format(**TABLES)
# The new member set's complement; NOT IN over a subquery is hashed, so 100,000 ids stay fast.
_KEEP_ONLY = (
    "WITH removed AS (DELETE FROM {membership} WHERE group_id = %(group)s"
    " AND user_id NOT IN (SELECT unnest(%(keep)s::uuid[])) RETURNING user_id)"
    f" SELECT {_IDS.format('removed')}"
).format(**TABLES)
_CLEAR = (
    "WITH removed AS (DELETE FROM {membership} WHERE group_id = %(group)s RETURNING user_id)"
    f" SELECT {_IDS.format('removed')}"
).format(**TABLES)


# A user's deletion and member adds exclude each other, per organisation: an add holds this
# advisory lock shared until it commits, a deletion holds it alone (`adds_exclude`). Without
# it, an add whose snapshot still saw the user live could commit a membership after the
# deletion had removed the user's memberships: the foreign key's FOR KEY SHARE check does not
# wait for the deletion's row lock. A lock key rather than row locks: its cost does not grow
# with the number of members, and no query plan is involved. Second key: hashtext(schema).
MEMBER_ADDS_LOCK = 0x4D42_0000
_ADDS_SHARE = "SELECT pg_advisory_xact_lock_shared(%(adds_lock)s, hashtext(%(schema)s))"


def _adds_lock_params() -> dict[str, Any]:
    return {"adds_lock": MEMBER_ADDS_LOCK, "schema": connection.schema_name}


def adds_exclude() -> None:
    """Wait for member adds in flight in this organisation to commit, and hold new ones off
    until the caller's transaction ends (a user's deletion)."""
    assert connection.in_atomic_block, "held until commit: call inside the transaction"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%(adds_lock)s, hashtext(%(schema)s))",
            _adds_lock_params(),
        )


def _one_row(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def valid_check(wanted: int, valid: int) -> None:
    """Unknown ids make the whole request fail."""
    if valid != wanted:
        raise NotAUserHere(f"{wanted - valid} of the members are not users here.")


def members_insert(*, group_id: uuid.UUID, user_ids: Sequence[str]) -> list[uuid.UUID]:
    """Add live users in one statement; the ids added (members already in are skipped)."""
    if not user_ids:
        return []
    params = {"add": list(user_ids), "group": group_id, "now": timezone.now()}
    params = {**params, **_adds_lock_params()}
    row = statements_execute([(_ADDS_SHARE, params), (_ADD, params)])
    assert row is not None
    wanted, valid, inserted = row
    valid_check(wanted, valid)
    return inserted


def members_delete(*, group_id: uuid.UUID, user_ids: Sequence[str]) -> list[uuid.UUID]:
    if not user_ids:
        return []
    (removed,) = _one_row(_REMOVE, {"group": group_id, "remove": list(user_ids)})
    return removed


def members_keep_only(*, group_id: uuid.UUID, user_ids: Sequence[str]) -> list[uuid.UUID]:
    (removed,) = _one_row(_KEEP_ONLY, {"group": group_id, "keep": list(user_ids)})
    return removed


def members_clear(*, group_id: uuid.UUID) -> list[uuid.UUID]:
    (removed,) = _one_row(_CLEAR, {"group": group_id})
    return removed


# Member adds and removals, in one round trip: the adds lock shared (when adding), the
# group row locked, then members removed and added (only if the group is at one of
# `versions`, when given, and every added id is a live user) and the version bumped if
# anything changed. The last statement sees every member committed by the requests that
# held the group's lock before (looop/db/one_message.py); all its parts read the group as it
# was before the bump.
_LOCK = "SELECT 1 FROM {group} WHERE id = %(group)s FOR NO KEY UPDATE".format(**TABLES)
_CHANGE = (
    "WITH"
    + _WANTED
    + """,
current AS (
    SELECT version, display_name,
           (%(versions)s::int[] IS NULL OR version = ANY(%(versions)s::int[])) AS ok
    FROM {group} WHERE id = %(group)s
),
go AS (
    SELECT 1 FROM current WHERE ok
    AND (SELECT count(*) FROM wanted) = (SELECT count(*) FROM valid)
),
removed AS (
    DELETE FROM {membership} WHERE EXISTS (SELECT FROM go) AND group_id = %(group)s
    AND user_id = ANY(%(remove)s::uuid[]) RETURNING user_id
),"""
    + _INSERT.replace("{condition}", "WHERE EXISTS (SELECT FROM go)")
    + """,
bumped AS (
    UPDATE {group} SET version = version + 1, last_modified = %(now)s
    WHERE id = %(group)s AND (SELECT count(*) FROM removed) + (SELECT count(*) FROM inserted) > 0
    RETURNING version
),
audited AS ({audit})
SELECT (SELECT count(*) FROM wanted), (SELECT count(*) FROM valid), (SELECT ok FROM current),
       coalesce((SELECT version FROM bumped), (SELECT version FROM current)),
"""
    + _IDS.format("inserted")
    + ", "
    + _IDS.format("removed")
).format(
    **TABLES,
    audit=MEMBERS_AUDIT.format(
        added="inserted", removed="removed", display_name="(SELECT display_name FROM current)"
    ),
)


class VersionMismatch(Exception):
    """The group is not at any of the versions the caller required; nothing was written."""


def members_change_locked(
    *,
    group_id: uuid.UUID,
    add: Sequence[str],
    remove: Sequence[str],
    actor: Actor,
    versions: Sequence[int] | None = None,
) -> tuple[int, list[uuid.UUID], list[uuid.UUID]] | None:
    """Lock the group, remove and add members, bump the version if anything changed, and
    audit each member added or removed: one round trip. (version, added, removed), or None
    if there is no such group. `versions`: write only if the group is at one of them
    (If-Match), else VersionMismatch."""
    params = {
        **members_audit_params(actor=actor),
        "group": group_id,
        "add": list(add),
        "remove": list(remove),
        "versions": None if versions is None else list(versions),
        **_adds_lock_params(),
    }
    # Only adds need the lock that keeps them out of a deletion (removals cannot orphan).
    statements = [(_ADDS_SHARE, params)] if add else []
    row = statements_execute([*statements, (_LOCK, params), (_CHANGE, params)])
    if row is None or row[3] is None:
        return None
    wanted, valid, ok, version, added, removed = row
    if not ok:
        raise VersionMismatch(version)
    valid_check(wanted, valid)
    return version, added, removed
