"""Share one item with many people at once: `share_create` for each of them, in one statement.

A campaign step shares its item with a batch of up to a few hundred people; one
`update_or_create` (and its savepoint) per person made that step cost about ten round trips
a person (docs/performance.md, Campaigns). The rules are `share_create`'s: a resource must
be published, the due date is none, fixed or N days after receipt, and sharing again with
someone replaces their due date.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from learning.models import Pathway, Resource, Share
from learning.services.sharing import share_checked

_UPSERT = """
INSERT INTO {share} (id, {column}, user_id, group_id, due, due_date, due_days, created)
SELECT new_id, %s, person, NULL, %s, %s, %s, %s
FROM unnest(%s::uuid[], %s::uuid[]) AS people(new_id, person)
ON CONFLICT ({column}, user_id) DO UPDATE
    SET due = EXCLUDED.due, due_date = EXCLUDED.due_date, due_days = EXCLUDED.due_days
RETURNING user_id, id, created
"""


def shares_create_for_people(
    *,
    target: Resource | Pathway,
    user_ids: Sequence[Any],
    due: str = Share.Due.NONE,
    due_date: date | None = None,
    due_days: int | None = None,
) -> dict[Any, tuple[uuid.UUID, datetime]]:
    """Share `target` with each of `user_ids` (live people the caller chose); returns
    {user id: (share id, created)}. Runs in the caller's transaction."""
    due_date, due_days = share_checked(target=target, due=due, due_date=due_date, due_days=due_days)
    if not user_ids:
        return {}
    column = "resource_id" if isinstance(target, Resource) else "pathway_id"
    sql = _UPSERT.format(share=connection.ops.quote_name(Share._meta.db_table), column=column)
    people = [str(u) for u in user_ids]
    new_ids = [str(uuid.uuid4()) for _ in people]
    with connection.cursor() as cursor:
        cursor.execute(sql, [target.pk, due, due_date, due_days, timezone.now(), new_ids, people])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
