"""The pathway report: one row per person the pathway reaches now, with their due date and
progress, derived from Progress rows (never stored twice).

learning.selectors has no report read yet, so this module builds one from its parts
(pathway_resources, step_counts_as_done, due_date_of, item_status). Deactivated and deleted
people are left out of the rows; their Progress stays. A fixed number of queries per chunk
of people, whatever the pathway's audience: the people, their progress on the pathway's
resources, and their memberships of the groups it is shared with.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, User
from learning.models import Pathway, Progress, Resource, Share
from learning.selectors import (
    ItemStatus,
    due_date_of,
    item_status,
    pathway_resources,
    step_counts_as_done,
)

CHUNK = 1000  # people per query while streaming the CSV


@dataclass(frozen=True)
class ReportRow:
    user: uuid.UUID
    user_name: str
    display_name: str
    due: date | None
    done: int
    total: int
    percent: int
    status: ItemStatus
    completed_at: datetime | None


def pathway_audience(*, pathway: Pathway) -> QuerySet[User]:
    """Active people the pathway is shared with, directly or through a group they are in
    now, ordered by user name."""
    shares = Share.objects.filter(pathway=pathway)
    in_group = Membership.objects.filter(
        user=OuterRef("pk"),
        group_id__in=shares.filter(group__isnull=False).values("group_id"),
    )
    return (
        User.objects.filter(active=True, deleted_at__isnull=True)
        .filter(Q(pk__in=shares.filter(user__isnull=False).values("user_id")) | Exists(in_group))
        .only("id", "user_name", "display_name", "name_given", "name_family")
        .order_by("user_name", "id")
    )


@dataclass(frozen=True)
class _Context:
    pathway: Pathway
    resources: list[Resource]
    shares: list[Share]
    today: date


def report_context(*, pathway: Pathway) -> _Context:
    return _Context(
        pathway=pathway,
        resources=pathway_resources([pathway.pk])[pathway.pk],
        shares=list(Share.objects.filter(pathway=pathway)),
        today=timezone.localdate(),
    )


def _done_at(pathway: Pathway, resource: Resource, progress: Progress) -> datetime:
    """When a step counted as done: passed, under "lock until passed" for a quiz."""
    if pathway.lock_until_passed and getattr(resource, "has_quiz", False):
        return progress.passed_at  # type: ignore[return-value]  # set: it counts as done
    return progress.completed_at  # type: ignore[return-value]


def report_rows(*, context: _Context, people: list[User]) -> list[ReportRow]:
    """Rows for `people` (who must be in the pathway's audience), in their order."""
    if not people:
        return []
    ids = [p.pk for p in people]
    resource_ids = [r.pk for r in context.resources]
    progress: dict[uuid.UUID, dict[uuid.UUID, Progress]] = {}
    for row in Progress.objects.filter(user_id__in=ids, resource_id__in=resource_ids):
        progress.setdefault(row.user_id, {})[row.resource_id] = row
    group_shares = [s for s in context.shares if s.group_id]
    joined: dict[tuple[uuid.UUID, uuid.UUID], datetime] = {}
    if group_shares:
        memberships = Membership.objects.filter(
            user_id__in=ids, group_id__in=[s.group_id for s in group_shares]
        ).values_list("user_id", "group_id", "created")
        joined = {(u, g): created for u, g, created in memberships}
    rows: list[ReportRow] = []
    for person in people:
        dues: list[date] = []
        for share in context.shares:
            if share.user_id == person.pk:
                received = share.created
            elif share.group_id and (person.pk, share.group_id) in joined:
                received = max(share.created, joined[(person.pk, share.group_id)])
            else:
                continue
            due = due_date_of(share.due, share.due_date, share.due_days, received)
            if due is not None:
                dues.append(due)
        mine = progress.get(person.pk, {})
        stamps = [
            _done_at(context.pathway, r, mine[r.pk])
            for r in context.resources
            if step_counts_as_done(context.pathway, r, mine.get(r.pk))
        ]
        done, total = len(stamps), len(context.resources)
        due = min(dues) if dues else None
        completed_at = max(stamps) if total and done == total else None
        rows.append(
            ReportRow(
                user=person.pk,
                user_name=person.user_name,
                display_name=person.full_name,
                due=due,
                done=done,
                total=total,
                percent=round(100 * done / total) if total else 0,
                status=item_status(
                    due=due, done=done, total=total, started=bool(mine), today=context.today
                ),
                completed_at=completed_at,
            )
        )
    return rows


def report_rows_all(*, pathway: Pathway) -> Iterator[ReportRow]:
    """Every row, CHUNK people at a time (keyset paging on user name and id)."""
    context = report_context(pathway=pathway)
    audience = pathway_audience(pathway=pathway)
    last: tuple[str, uuid.UUID] | None = None
    while True:
        chunk = audience
        if last is not None:
            chunk = chunk.filter(Q(user_name__gt=last[0]) | Q(user_name=last[0], id__gt=last[1]))
        people = list(chunk[:CHUNK])
        if not people:
            return
        yield from report_rows(context=context, people=people)
        last = (people[-1].user_name, people[-1].pk)
