"""The learner's list computed in one SQL statement: shares reaching the person (directly
or through a group they are in now), the earliest due date of each item, progress counts,
each pathway's next step, status and order.

It returns only the columns the list shows. At 200 items, building the same list from ORM
rows in Python cost most of the home page's CPU (docs/performance.md, Learning). The rules
are those of learning.selectors (due_date_of, steps_view, item_status), which remain the
reference for single pathways; tests compare the two on a mixed fixture.

The home's list of workspaces is one plain statement too (`workspace_rows`): building the
same query with the ORM (`learning.selectors.workspaces_visible`, an Exists over a union of
person and group grants) cost about 2.8 ms of CPU per home request, a quarter of the page's
own work, for a query that runs in well under a millisecond.
"""

import functools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from learning.models import (
    Element,
    Pathway,
    PathwayStep,
    Progress,
    Resource,
    Share,
    Workspace,
    WorkspaceAccess,
)

STATUSES = ("overdue", "due_soon", "in_progress", "not_started", "completed")

LEARNING_LIST_SQL = """
WITH reach AS (
    SELECT s.resource_id, s.pathway_id, s.created AS received, s.due, s.due_date, s.due_days
    FROM {share} s WHERE s.user_id = %(user)s
    UNION ALL
    SELECT s.resource_id, s.pathway_id, GREATEST(s.created, m.created), s.due, s.due_date,
           s.due_days
    FROM {share} s JOIN {membership} m ON m.group_id = s.group_id
    WHERE m.user_id = %(user)s
), dues AS (
    SELECT resource_id, pathway_id, MIN(received) AS received,
           MIN(CASE WHEN due = 'fixed' THEN due_date
                    WHEN due = 'after' AND due_days IS NOT NULL
                    THEN ((received + make_interval(days => due_days))
                          AT TIME ZONE %(tz)s)::date END) AS due
    FROM reach GROUP BY resource_id, pathway_id
), steps AS (
    SELECT ps.pathway_id, ps.resource_id,
           row_number() OVER (PARTITION BY ps.pathway_id ORDER BY ps.position, ps.id) AS n,
           p.enforce_order, pr.id IS NOT NULL AS started, pr.passed_at IS NOT NULL AS passed,
           CASE WHEN p.lock_until_passed AND EXISTS (
                    SELECT 1 FROM {element} e WHERE e.resource_id = ps.resource_id
                    AND e.kind = 'quiz')
                THEN pr.passed_at IS NOT NULL
                ELSE pr.completed_at IS NOT NULL END AS done
    FROM {step} ps
    JOIN {pathway} p ON p.id = ps.pathway_id
    JOIN {resource} r ON r.id = ps.resource_id AND r.status = 'published'
    LEFT JOIN {progress} pr ON pr.resource_id = ps.resource_id AND pr.user_id = %(user)s
    WHERE ps.pathway_id IN (SELECT pathway_id FROM dues WHERE pathway_id IS NOT NULL)
), states AS (
    SELECT *, NOT passed AND NOT done AND enforce_order
              AND NOT lag(done, 1, true) OVER (PARTITION BY pathway_id ORDER BY n) AS locked
    FROM steps
), pathways AS (
    SELECT pathway_id, count(*) FILTER (WHERE done) AS done, count(*) AS total,
           bool_or(started) AS started,
           (array_agg(resource_id ORDER BY n) FILTER (WHERE NOT done AND NOT locked))[1]
               AS next_id
    FROM states GROUP BY pathway_id
), items AS (
    SELECT true AS is_pathway, p.id, p.name AS title, d.due, d.received,
           coalesce(a.done, 0) AS done, coalesce(a.total, 0) AS total,
           coalesce(a.started, false) AS started, a.next_id
    FROM dues d JOIN {pathway} p ON p.id = d.pathway_id
    LEFT JOIN pathways a ON a.pathway_id = p.id
    UNION ALL
    SELECT false, r.id, r.title, d.due, d.received, (pr.completed_at IS NOT NULL)::int, 1,
           pr.id IS NOT NULL, r.id
    FROM dues d JOIN {resource} r ON r.id = d.resource_id AND r.status = 'published'
    LEFT JOIN {progress} pr ON pr.resource_id = r.id AND pr.user_id = %(user)s
), ranked AS (
    SELECT *, CASE WHEN total > 0 AND done >= total THEN 4
                   WHEN due < %(today)s THEN 0
                   WHEN due <= %(soon)s THEN 1
                   WHEN started THEN 2
                   ELSE 3 END AS status
    FROM items
)
SELECT is_pathway, id, title, due,
       (extract(epoch FROM received) * 1000000)::bigint AS received_us,
       done, total, started, next_id, status, count(*) OVER () AS listed
FROM ranked
ORDER BY status, due NULLS LAST, lower(title) COLLATE "C", id
LIMIT %(limit)s
"""

# `received` comes as microseconds since the epoch (`received_at` turns it into a datetime):
# Django loads each timestamptz in Python, about 5 µs a value against 0.3 µs for an integer,
# and the home reads 50 rows per request.
Row = tuple[bool, uuid.UUID, str, date | None, int, int, int, bool, uuid.UUID | None, int, int]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def received_at(microseconds: int) -> datetime:
    return EPOCH + timedelta(microseconds=microseconds)


@functools.cache
def _learning_list_sql() -> str:
    return LEARNING_LIST_SQL.format(
        share=Share._meta.db_table,
        membership=Membership._meta.db_table,
        element=Element._meta.db_table,
        step=PathwayStep._meta.db_table,
        pathway=Pathway._meta.db_table,
        resource=Resource._meta.db_table,
        progress=Progress._meta.db_table,
    )


def learning_list_rows(*, user_id: object, due_soon_days: int, limit: int | None) -> list[Row]:
    """The person's first `limit` items (all if None) as rows (is_pathway, id, title, due,
    received in microseconds since the epoch, done, total, started, next resource id, status
    index into STATUSES, number of items in the whole list), in display order."""
    today = timezone.localdate()
    params = {
        "user": user_id,
        "tz": timezone.get_current_timezone_name(),
        "today": today,
        "soon": today + timedelta(days=due_soon_days),
        "limit": limit,  # LIMIT NULL is no limit
    }
    with connection.cursor() as cursor:
        cursor.execute(_learning_list_sql(), params)
        return cursor.fetchall()


WORKSPACES_SQL = """
SELECT w.id, w.name, w.visibility
FROM {workspace} w
WHERE w.visibility = 'open' OR EXISTS (
    SELECT 1 FROM {access} a
    WHERE a.workspace_id = w.id
      AND (a.user_id = %(user)s
           OR a.group_id IN (SELECT m.group_id FROM {membership} m WHERE m.user_id = %(user)s))
)
ORDER BY w.name, w.id
"""


class WorkspaceRow(NamedTuple):
    pk: uuid.UUID
    name: str
    visibility: str


def workspace_rows(*, user_id: object) -> list[WorkspaceRow]:
    """The workspaces the person may browse, by name: the same rows as
    learning.selectors.workspaces_visible (open, or given to them or a group of theirs)."""
    sql = WORKSPACES_SQL.format(
        workspace=Workspace._meta.db_table,
        access=WorkspaceAccess._meta.db_table,
        membership=Membership._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user_id})
        return [WorkspaceRow(*row) for row in cursor.fetchall()]
