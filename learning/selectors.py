"""What a person can see in learning, and their learning list: one place for access.

Access follows memberships at read time. A group share is one row; its members are read
from `accounts.Membership` in the same query, so a joiner receives it and a leaver loses it
at once, and nothing is written per person. The pages, the reports and quiz grading all ask
these functions; none of them decides access on its own.

A learner never sees a draft, nor a private workspace they are not given. A resource is
visible when it is published and (its workspace is open or given to them) or it is shared
with them, or it is a step of a pathway shared with them; a step locked by "enforce order"
stays locked however it is reached, unless the resource itself is shared with them
(resource_for_learner).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Membership, User
from learning.learning_list import STATUSES, learning_list_rows, received_at
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
from learning.pathway_progress import PathwayView as PathwayView
from learning.pathway_progress import StepStateName as StepStateName
from learning.pathway_progress import StepView as StepView
from learning.pathway_progress import pathway_resources, steps_view
from learning.pathway_progress import pathway_view as pathway_view
from learning.pathway_progress import progress_of as progress_of
from learning.pathway_progress import step_counts_as_done as step_counts_as_done

DUE_SOON_DAYS = 7

ItemStatus = Literal["overdue", "due_soon", "in_progress", "not_started", "completed"]
STATUS_ORDER: dict[str, int] = {
    "overdue": 0,
    "due_soon": 1,
    "in_progress": 2,
    "not_started": 3,
    "completed": 4,
}


def group_ids_of(user: User) -> QuerySet[Membership]:
    """The groups `user` belongs to now, as a subquery."""
    return Membership.objects.filter(user=user).values("group_id")


def shares_reaching(user: User) -> QuerySet[Share]:
    """Shares given to `user` directly or to a group they are in now."""
    return Share.objects.filter(Q(user=user) | Q(group_id__in=group_ids_of(user)))


def workspaces_visible(*, user: User) -> QuerySet[Workspace]:
    """Open workspaces, and private ones given to `user` or to one of their groups."""
    given = WorkspaceAccess.objects.filter(workspace=OuterRef("pk")).filter(
        Q(user=user) | Q(group_id__in=group_ids_of(user))
    )
    return Workspace.objects.filter(Q(visibility=Workspace.Visibility.OPEN) | Exists(given))


def pathways_visible(*, user: User) -> QuerySet[Pathway]:
    """Pathways shared with `user` (their audience)."""
    return Pathway.objects.filter(Exists(shares_reaching(user).filter(pathway=OuterRef("pk"))))


def with_has_quiz(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    quiz = Element.objects.filter(resource=OuterRef("pk"), kind=Element.Kind.QUIZ)
    return resources.annotate(has_quiz=Exists(quiz))


def resources_visible(*, user: User) -> QuerySet[Resource]:
    """Published resources `user` may open, ignoring pathway locks (see resource_for_learner).

    Annotated with `via_workspace` and `via_share`; a row with neither is reached only
    through a shared pathway."""
    shares = shares_reaching(user)
    via_workspace = Exists(workspaces_visible(user=user).filter(pk=OuterRef("workspace_id")))
    via_share = Exists(shares.filter(resource=OuterRef("pk")))
    via_pathway = Exists(
        PathwayStep.objects.filter(
            resource=OuterRef("pk"),
            pathway_id__in=shares.filter(pathway__isnull=False).values("pathway_id"),
        )
    )
    return with_has_quiz(
        Resource.objects.filter(status=Resource.Status.PUBLISHED)
        .annotate(via_workspace=via_workspace, via_share=via_share)
        .filter(Q(via_workspace=True) | Q(via_share=True) | via_pathway)
    )


@dataclass(frozen=True)
class StepLock:
    """Why a resource this person may see does not open yet: it is a step of `pathway`
    (enforce order) after `after`, which they have not completed."""

    resource: Resource
    pathway: Pathway
    after: Resource | None

    @property
    def message(self) -> str:
        """What the locked page says, for the API's 403: the learner sees the step on its
        pathway, so why it is closed is no secret."""
        first = f": complete “{self.after.title}” first" if self.after else ""
        return f"Locked{first}. “{self.pathway.name}” opens its resources in order."


def locks_of(*, user: User, resources: list[Resource]) -> dict[uuid.UUID, StepLock]:
    """Those of `resources` (visible to `user`) that "enforce order" keeps closed for them.

    The lock holds wherever the resource is opened: while it is a step of an enforce-order
    pathway shared with this person, it opens only when one of the pathways shared with them
    that hold it has it open, even if its workspace lets them browse it (else the order
    could be skipped from the workspace page). A share of the resource itself opens it:
    that is an assignment of its own, with its own due date. No query beyond the first
    when no enforce-order pathway shared with them holds any of them; four otherwise."""
    ids = {resource.pk for resource in resources}
    pathways = list(pathways_visible(user=user).filter(steps__resource_id__in=ids).distinct())
    if not any(pathway.enforce_order for pathway in pathways):
        return {}
    shared = set(
        shares_reaching(user).filter(resource_id__in=ids).values_list("resource_id", flat=True)
    )
    steps = pathway_resources([pathway.pk for pathway in pathways])
    progress = progress_of(
        user=user, resource_ids=list({r.pk for held in steps.values() for r in held})
    )
    locks: dict[uuid.UUID, StepLock] = {}
    by_id = {resource.pk: resource for resource in resources}
    for pathway in pathways:  # by name: the first pathway that locks a step names it
        for step in steps_view(pathway, steps[pathway.pk], progress).steps:
            resource_id = step.resource.pk
            if resource_id not in ids or resource_id in shared:
                continue
            if step.state != "locked":
                shared.add(resource_id)  # open through this pathway: open, whatever others say
                locks.pop(resource_id, None)
            elif resource_id not in locks:
                locks[resource_id] = StepLock(by_id[resource_id], pathway, step.after)
    return locks


def resource_access(*, user: User, resource_id: object) -> Resource | StepLock | None:
    """The resource if `user` may open it now; its lock if it is a step they must reach
    first (they see it listed on the pathway page, so they may know why); else None
    (unknown, draft, private, another organisation's)."""
    try:
        uuid.UUID(str(resource_id))
    except ValueError:
        return None
    resource = (
        resources_visible(user=user).select_related("workspace").filter(pk=resource_id).first()
    )
    if resource is None or resource.via_share:
        return resource
    return locks_of(user=user, resources=[resource]).get(resource.pk, resource)


def resource_for_learner(*, user: User, resource_id: object) -> Resource | None:
    """The resource if `user` may open it now, else None (unknown, draft, private, locked:
    see locks_of)."""
    found = resource_access(user=user, resource_id=resource_id)
    return found if isinstance(found, Resource) else None


def pathway_for_learner(*, user: User, pathway_id: object) -> Pathway | None:
    try:
        uuid.UUID(str(pathway_id))
    except ValueError:
        return None
    return pathways_visible(user=user).filter(pk=pathway_id).first()


# --- the learner's list: everything shared with them, with due dates and progress ---


@dataclass(frozen=True)
class Assignment:
    """A resource or pathway that reaches a person, with the earliest due date of its shares."""

    resource_id: uuid.UUID | None
    pathway_id: uuid.UUID | None
    received: datetime
    due: date | None


def due_date_of(
    due: str,
    due_date: date | None,
    due_days: int | None,
    received: datetime,
    tz: tzinfo | None = None,
) -> date | None:
    """The due date of one share for one person; "N days after receipt" is a date in the
    organisation's time zone (`tz`, looked up once per list rather than once per item)."""
    if due == Share.Due.FIXED:
        return due_date
    if due == Share.Due.AFTER and due_days is not None:
        when = received + timedelta(days=due_days)
        return when.astimezone(tz or timezone.get_current_timezone()).date()
    return None


def assignments_of(*, user: User) -> list[Assignment]:
    """One query: the person's direct shares and their groups' shares, received when the
    share was made or when they joined the group, whichever is later."""
    fields = ("resource_id", "pathway_id", "received", "due", "due_date", "due_days")
    direct = Share.objects.filter(user=user).annotate(received=F("created")).values(*fields)
    through_groups = (
        Share.objects.filter(group__memberships__user=user)
        .annotate(received=Greatest("created", "group__memberships__created"))
        .values(*fields)
    )
    merged: dict[tuple[uuid.UUID | None, uuid.UUID | None], Assignment] = {}
    tz = timezone.get_current_timezone()
    for row in direct.union(through_groups, all=True):
        key = (row["resource_id"], row["pathway_id"])
        due = due_date_of(row["due"], row["due_date"], row["due_days"], row["received"], tz)
        seen = merged.get(key)
        if seen is not None:
            dues = [d for d in (seen.due, due) if d is not None]
            due = min(dues) if dues else None
            received = min(seen.received, row["received"])
        else:
            received = row["received"]
        merged[key] = Assignment(key[0], key[1], received, due)
    return list(merged.values())


class LearningItem(NamedTuple):
    """One line of my learning. A named tuple: the home builds 50 per request, and a frozen
    dataclass's __init__ (one object.__setattr__ per field) cost five times as much (3.4
    against 0.7 µs for these ten fields)."""

    kind: Literal["resource", "pathway"]
    id: uuid.UUID
    title: str
    due: date | None
    received: datetime
    done: int
    total: int
    started: bool
    continue_resource_id: uuid.UUID | None
    status: ItemStatus

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def item_status(
    *, due: date | None, done: int, total: int, started: bool, today: date
) -> ItemStatus:
    if total and done >= total:
        return "completed"
    if due is not None and due < today:
        return "overdue"
    if due is not None and due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "in_progress" if started else "not_started"


def learning_items(*, user: User) -> list[LearningItem]:
    """My learning, ordered: overdue, due soon, in progress, not started, then completed;
    by due date, then title, within each. One query, whatever the number of items
    (learning.learning_list)."""
    return learning_page(user=user, limit=None)[0]


def learning_page(*, user: User, limit: int | None) -> tuple[list[LearningItem], int]:
    """The first `limit` items of my learning (all if None), and how many there are."""
    rows = learning_list_rows(user_id=user.pk, due_soon_days=DUE_SOON_DAYS, limit=limit)
    items = [
        LearningItem(
            kind="pathway" if is_pathway else "resource", id=item_id, title=title, due=due,
            received=received_at(received_us), done=done, total=total, started=started,
            continue_resource_id=next_id, status=STATUSES[status],
        )
        for is_pathway, item_id, title, due, received_us, done, total, started, next_id, status, _
        in rows
    ]  # fmt: skip
    return items, rows[0][-1] if rows else 0


def learning_items_reference(*, user: User) -> list[LearningItem]:
    """The same list built in Python from the per-share rules above (assignments_of,
    steps_view, item_status): the reference the SQL list is tested against."""
    assignments = assignments_of(user=user)
    pathway_ids = [a.pathway_id for a in assignments if a.pathway_id]
    resource_ids = [a.resource_id for a in assignments if a.resource_id]
    pathways = {p.pk: p for p in Pathway.objects.filter(pk__in=pathway_ids)} if pathway_ids else {}
    steps = pathway_resources(pathway_ids) if pathway_ids else {}
    # Subqueries rather than lists of ids, and only the columns the list shows: with 200
    # items, building the IN lists and loading whole rows cost more than the queries.
    shared = shares_reaching(user).filter(resource__isnull=False).values("resource_id")
    published = Resource.objects.filter(pk__in=shared, status=Resource.Status.PUBLISHED)
    resources: dict[uuid.UUID, str] = (
        dict(published.values_list("id", "title")) if resource_ids else {}
    )
    progress = (
        {
            row.resource_id: row
            for row in Progress.objects.filter(user=user).only(
                "resource_id", "opened_at", "completed_at", "passed_at"
            )
        }
        if resources or steps
        else {}
    )
    today = timezone.localdate()
    items: list[LearningItem] = []
    for a in assignments:
        if a.pathway_id and a.pathway_id in pathways:
            pathway = pathways[a.pathway_id]
            view = steps_view(pathway, steps.get(pathway.pk, []), progress)
            started = any(r.pk in progress for r in steps.get(pathway.pk, []))
            next_step = view.next_step
            items.append(
                LearningItem(
                    kind="pathway", id=pathway.pk, title=pathway.name, due=a.due,
                    received=a.received, done=view.done, total=view.total, started=started,
                    continue_resource_id=next_step.resource.pk if next_step else None,
                    status=item_status(due=a.due, done=view.done, total=view.total,
                                       started=started, today=today),
                )
            )  # fmt: skip
        elif a.resource_id and a.resource_id in resources:
            row = progress.get(a.resource_id)
            done = int(row is not None and row.completed_at is not None)
            items.append(
                LearningItem(
                    kind="resource", id=a.resource_id, title=resources[a.resource_id],
                    due=a.due, received=a.received, done=done, total=1,
                    started=row is not None, continue_resource_id=a.resource_id,
                    status=item_status(due=a.due, done=done, total=1,
                                       started=row is not None, today=today),
                )
            )  # fmt: skip
    items.sort(key=lambda i: (STATUS_ORDER[i.status], i.due or date.max, i.title.lower()))
    return items


def workspace_resources_visible(*, user: User, workspace: Workspace) -> QuerySet[Resource]:
    """A workspace's published resources in theme order, for a person who may browse it."""
    return (
        Resource.objects.filter(workspace=workspace, status=Resource.Status.PUBLISHED)
        .select_related("theme")
        .annotate(theme_position=F("theme__position"))
        .order_by(F("theme_position").asc(nulls_first=True), "position", "title", "id")
    )


def workspace_for_learner(*, user: User, workspace_id: object) -> Workspace | None:
    try:
        uuid.UUID(str(workspace_id))
    except ValueError:
        return None
    return workspaces_visible(user=user).filter(pk=workspace_id).first()


def quiz_of(resource: Resource) -> Element | None:
    """The resource's quiz element with its questions and options (two extra queries)."""
    return (
        resource.elements.filter(kind=Element.Kind.QUIZ)
        .prefetch_related("questions__options")
        .first()
    )
