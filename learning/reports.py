"""Completion reports: who received a pathway or a resource, and how far each person got.

Recipients and their progress are computed in one SQL statement, because the report must
page 10,000 people × 20 resources in under a second (bench/learning.py): the ORM would
need one row per person per resource in Python.
The same rules as learning.selectors apply: a group share reaches its current members,
received at the later of share and joining; with "lock until passed" a quiz counts once
passed. Deactivated and deleted people are left out of these active reports; their rows
are kept.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from accounts.models import Group, Membership, User
from learning.models import Element, Enrolment, Pathway, PathwayStep, Progress, Resource, Share

PAGE_SIZE = 50


@dataclass(frozen=True)
class ReportRow:
    user_id: uuid.UUID
    user_name: str
    name: str
    received: datetime
    due: date | None
    done: int
    total: int
    completed_at: datetime | None  # when the last counted resource was completed
    status: str  # completed, overdue, in_progress, not_started, left (no longer shared)


@dataclass(frozen=True)
class GroupRow:
    group_id: uuid.UUID
    name: str
    members: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class Scope:
    """What a report counts: the target's column in learning_share and its resources."""

    column: str  # "pathway_id" or "resource_id"
    target_id: uuid.UUID
    plain: list[uuid.UUID]  # count when completed
    passed: list[uuid.UUID]  # count only when passed (quiz in a "lock until passed" pathway)

    @property
    def total(self) -> int:
        return len(self.plain) + len(self.passed)


def scope_of(target: Pathway | Resource) -> Scope:
    if isinstance(target, Resource):
        return Scope("resource_id", target.pk, [target.pk], [])
    steps = PathwayStep.objects.filter(pathway=target, resource__status=Resource.Status.PUBLISHED)
    ids = list(steps.values_list("resource_id", flat=True))
    quizzes = set(
        Element.objects.filter(resource_id__in=ids, kind=Element.Kind.QUIZ).values_list(
            "resource_id", flat=True
        )
    )
    if not target.lock_until_passed:
        return Scope("pathway_id", target.pk, ids, [])
    return Scope("pathway_id", target.pk, [i for i in ids if i not in quizzes], list(quizzes))


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "share": q(Share._meta.db_table),
        "membership": q(Membership._meta.db_table),
        "user": q(User._meta.db_table),
        "progress": q(Progress._meta.db_table),
        "group": q(Group._meta.db_table),
        "enrolment": q(Enrolment._meta.db_table),
    }


# One row per active recipient: due date (earliest over their current shares), progress,
# status. Former recipients who made progress while it reached them (learning.Enrolment)
# stay, with the due date they had, so a leaver's completion is kept.
_PEOPLE = """
WITH received AS (
    SELECT s.user_id, s.created AS received, s.due, s.due_date, s.due_days
      FROM {share} s WHERE s.{column} = %(target)s AND s.user_id IS NOT NULL
    UNION ALL
    SELECT m.user_id, GREATEST(s.created, m.created), s.due, s.due_date, s.due_days
      FROM {share} s JOIN {membership} m ON m.group_id = s.group_id
     WHERE s.{column} = %(target)s
), current AS (
    SELECT user_id, min(received) AS received,
           min(CASE due WHEN 'fixed' THEN due_date
                        WHEN 'after' THEN ((received AT TIME ZONE %(tz)s)
                                           + due_days * interval '1 day')::date END) AS due
      FROM received GROUP BY user_id
), recipients AS (
    SELECT user_id, received, due, true AS current FROM current
    UNION ALL
    SELECT e.user_id, e.received, e.due, false FROM {enrolment} e
     WHERE e.{column} = %(target)s
       AND NOT EXISTS (SELECT 1 FROM current c WHERE c.user_id = e.user_id)
), people AS (
    SELECT u.id, u.user_name,
           coalesce(nullif(u.display_name, ''),
                    nullif(concat_ws(' ', u.name_given, u.name_family), ''), u.user_name) AS name,
           r.received, r.due, r.current, coalesce(p.done, 0) AS done, p.last_completed,
           p.started
      FROM recipients r
      JOIN {user} u ON u.id = r.user_id AND u.active IS TRUE AND u.deleted_at IS NULL
      LEFT JOIN LATERAL (
          SELECT count(*) FILTER (WHERE (pr.resource_id = ANY(%(plain)s)
                                         AND pr.completed_at IS NOT NULL)
                                     OR (pr.resource_id = ANY(%(passed)s)
                                         AND pr.passed_at IS NOT NULL)) AS done,
                 max(greatest(pr.completed_at, pr.passed_at)) AS last_completed,
                 count(*) > 0 AS started
            FROM {progress} pr
           WHERE pr.user_id = u.id AND pr.resource_id = ANY(%(all)s)
      ) p ON true
), graded AS (
    SELECT *, CASE WHEN %(total)s > 0 AND done >= %(total)s THEN 'completed'
                   WHEN NOT current THEN 'left'
                   WHEN due < %(today)s THEN 'overdue'
                   WHEN started THEN 'in_progress'
                   ELSE 'not_started' END AS status
      FROM people
)
"""


def _params(scope: Scope) -> dict[str, object]:
    return {
        "target": scope.target_id,
        "plain": scope.plain,
        "passed": scope.passed,
        "all": scope.plain + scope.passed,
        "total": scope.total,
        "today": timezone.localdate(),
        "tz": timezone.get_current_timezone_name(),
    }


def _sql(scope: Scope, tail: str) -> str:
    return _PEOPLE.format(column=scope.column, **_tables()) + tail


_ROW = "SELECT id, user_name, name, received, due, done, last_completed, status FROM graded"


def _row(scope: Scope, values: tuple) -> ReportRow:
    user_id, user_name, name, received, due, done, last, status = values
    return ReportRow(
        user_id, user_name, name, received, due, done, scope.total,
        last if status == "completed" else None, status,
    )  # fmt: skip


def report_people(*, scope: Scope, page: int = 1, status: str = "") -> list[ReportRow]:
    """One page of people, by user name; `status` keeps one status only."""
    where = " WHERE status = %(status)s" if status else ""
    tail = f"{_ROW}{where} ORDER BY user_name, id LIMIT %(limit)s OFFSET %(offset)s"
    params = {**_params(scope), "status": status, "limit": PAGE_SIZE}
    params["offset"] = (max(page, 1) - 1) * PAGE_SIZE
    with connection.cursor() as cursor:
        cursor.execute(_sql(scope, tail), params)
        return [_row(scope, values) for values in cursor.fetchall()]


def report_summary(*, scope: Scope) -> dict[str, int]:
    """How many recipients in each status, and in all."""
    tail = "SELECT status, count(*) FROM graded GROUP BY status"
    with connection.cursor() as cursor:
        cursor.execute(_sql(scope, tail), _params(scope))
        counts = dict(cursor.fetchall())
    statuses = ("completed", "overdue", "in_progress", "not_started", "left")
    summary = {s: counts.get(s, 0) for s in statuses}
    summary["people"] = sum(summary.values())
    return summary


def report_groups(*, scope: Scope) -> list[GroupRow]:
    """For each group the target is shared with: its active members, completed, overdue."""
    t = _tables()
    tail = f"""
    SELECT g.id, g.display_name, count(gr.id),
           count(*) FILTER (WHERE gr.status = 'completed'),
           count(*) FILTER (WHERE gr.status = 'overdue')
      FROM {t["share"]} s
      JOIN {t["group"]} g ON g.id = s.group_id
      LEFT JOIN {t["membership"]} m ON m.group_id = g.id
      LEFT JOIN graded gr ON gr.id = m.user_id
     WHERE s.{scope.column} = %(target)s
     GROUP BY g.id, g.display_name ORDER BY g.display_name, g.id
    """
    with connection.cursor() as cursor:
        cursor.execute(_sql(scope, tail), _params(scope))
        return [GroupRow(*values) for values in cursor.fetchall()]


@dataclass(frozen=True)
class ReportPage:
    summary: dict[str, int]
    groups: list[GroupRow]
    rows: list[ReportRow]


_GROUPS = """
    SELECT g.id, g.display_name AS name, count(gr.id) AS members,
           count(*) FILTER (WHERE gr.status = 'completed') AS completed,
           count(*) FILTER (WHERE gr.status = 'overdue') AS overdue
      FROM {share} s
      JOIN {group} g ON g.id = s.group_id
      LEFT JOIN {membership} m ON m.group_id = g.id
      LEFT JOIN graded gr ON gr.id = m.user_id
     WHERE s.{column} = %(target)s
     GROUP BY g.id, g.display_name
"""


def report_page(*, scope: Scope, page: int = 1, status: str = "") -> ReportPage:
    """The report page's summary, groups and one page of people in one statement, so the
    recipients are worked out once rather than three times (10,000 people x 20 resources:
    the three separate queries took about 1.1 s over HTTP, see docs/performance.md)."""
    t = _tables()
    where = "WHERE status = %(status)s" if status else ""
    tail = f"""
    SELECT
      (SELECT coalesce(json_object_agg(status, n), '{{}}')
         FROM (SELECT status, count(*) AS n FROM graded GROUP BY status) s),
      (SELECT coalesce(json_agg(json_build_array(id, name, members, completed, overdue)
                                ORDER BY name, id), '[]')
         FROM ({_GROUPS.format(column=scope.column, **t)}) g),
      (SELECT coalesce(json_agg(json_build_array(id, user_name, name, received, due, done,
                                                 last_completed, status)
                                ORDER BY user_name, id), '[]')
         FROM (SELECT * FROM graded {where} ORDER BY user_name, id
               LIMIT %(limit)s OFFSET %(offset)s) p)
    """
    params = {**_params(scope), "status": status, "limit": PAGE_SIZE}
    params["offset"] = (max(page, 1) - 1) * PAGE_SIZE
    with connection.cursor() as cursor:
        cursor.execute(_sql(scope, tail), params)
        counts, groups, rows = cursor.fetchone()
    statuses = ("completed", "overdue", "in_progress", "not_started", "left")
    summary = {s: counts.get(s, 0) for s in statuses}
    summary["people"] = sum(summary.values())
    return ReportPage(
        summary=summary,
        groups=[GroupRow(uuid.UUID(g[0]), *g[1:]) for g in groups],
        rows=[
            _row(
                scope,
                (
                    uuid.UUID(r[0]), r[1], r[2], datetime.fromisoformat(r[3]),
                    date.fromisoformat(r[4]) if r[4] else None, r[5],
                    datetime.fromisoformat(r[6]) if r[6] else None, r[7],
                ),
            )
            for r in rows
        ],
    )  # fmt: skip


def report_rows_all(*, scope: Scope, chunk: int = 2000) -> Iterator[ReportRow]:
    """Every row, by user name, fetched in chunks (for the CSV download)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(scope, f"{_ROW} ORDER BY user_name, id"), _params(scope))
        while rows := cursor.fetchmany(chunk):
            for values in rows:
                yield _row(scope, values)
