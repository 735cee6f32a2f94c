"""Reads for the provisioning activity in the console: filters, the person or group each
event touched (resolved for a whole page in one query), the request and the CSV export."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.urls import reverse

from accounts.models import Group, User
from scim.models import ProvisioningEvent
from scim.selectors import id_parse

STATUS_CLASSES: dict[str, tuple[int, int]] = {
    "2xx": (200, 300),
    "4xx": (400, 500),
    "5xx": (500, 600),
    "errors": (400, 1000),
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
RESOURCES: dict[str, str] = {"User": "User", "Group": "Group", "other": ""}
EXPORT_MAX_ROWS = 100_000  # the log keeps 30 days; an export is at most this many events
EXPORT_BATCH = 1000


class ActivityFilterRefused(ValueError):
    """A filter value the console does not offer (answered with 400)."""


@dataclass(frozen=True)
class ActivityFilter:
    status: str = ""  # a key of STATUS_CLASSES
    method: str = ""
    resource: str = ""  # a key of RESOURCES

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "ActivityFilter":
        status = params.get("status", "")
        if not status and params.get("errors") == "1":  # the older "Errors only" link
            status = "errors"
        method = params.get("method", "").upper()
        resource = params.get("resource", "")
        if status and status not in STATUS_CLASSES:
            raise ActivityFilterRefused(f"Status must be one of {', '.join(STATUS_CLASSES)}.")
        if method and method not in METHODS:
            raise ActivityFilterRefused(f"Method must be one of {', '.join(METHODS)}.")
        if resource and resource not in RESOURCES:
            raise ActivityFilterRefused(f"Resource must be one of {', '.join(RESOURCES)}.")
        return cls(status=status, method=method, resource=resource)

    @property
    def active(self) -> bool:
        return bool(self.status or self.method or self.resource)


def activity_events(*, filters: ActivityFilter) -> QuerySet[ProvisioningEvent]:
    """The SCIM request log, newest first, narrowed by the filter."""
    events = ProvisioningEvent.objects.all()
    if filters.status:
        low, high = STATUS_CLASSES[filters.status]
        events = events.filter(status__gte=low, status__lt=high)
    if filters.method:
        events = events.filter(method=filters.method)
    if filters.resource:
        events = events.filter(resource_type=RESOURCES[filters.resource])
    return events.order_by("-at", "-id")


@dataclass(frozen=True)
class Target:
    label: str
    url: str  # "" when there is no page to link to (deleted, or never created)


@dataclass(frozen=True)
class ActivityRow:
    event: ProvisioningEvent
    target: Target | None
    body: str  # pretty-printed when it is whole JSON
    clash: str  # the userName a 409 found taken, "" otherwise
    clash_with: Target | None  # the live person who holds that userName


def _body_json(event: ProvisioningEvent) -> Any:
    if not event.body:
        return None
    try:
        return json.loads(event.body)
    except ValueError:  # cut at the size cap
        return None


def _clash(event: ProvisioningEvent, body: Any) -> str:
    if event.status != 409 or event.scim_type != "uniqueness" or not isinstance(body, dict):
        return ""
    name = body.get("userName")
    return name if isinstance(name, str) else ""


def _person(user: User) -> Target:
    label = (
        user.full_name
        if user.full_name == user.user_name
        else f"{user.full_name} ({user.user_name})"
    )
    if user.deleted_at is not None:
        return Target(f"{label} (deleted)", "")
    return Target(label, reverse("person_detail", args=[user.pk]))


def activity_rows(events: Sequence[ProvisioningEvent]) -> list[ActivityRow]:
    """Each event with the person or group it touched. Two queries for any number of rows:
    one for the people (by id, and by the userNames that 409s found taken), one for groups."""
    bodies = [_body_json(event) for event in events]
    clashes = [_clash(event, body) for event, body in zip(events, bodies, strict=True)]
    user_ids, group_ids = set(), set()
    for event in events:
        parsed = id_parse(event.resource_id) if event.resource_id else None
        if parsed is not None and event.resource_type == "User":
            user_ids.add(parsed)
        elif parsed is not None and event.resource_type == "Group":
            group_ids.add(parsed)
    names = {name.upper() for name in clashes if name}
    people: dict[Any, User] = {}
    holders: dict[str, User] = {}
    if user_ids or names:
        found = User.objects.annotate(upper_name=Upper("user_name")).filter(
            Q(pk__in=user_ids) | Q(upper_name__in=names, deleted_at__isnull=True)
        )
        for user in found.only(
            "id", "user_name", "display_name", "name_given", "name_family", "deleted_at"
        ):
            people[user.pk] = user
            if user.deleted_at is None:
                holders[user.user_name.upper()] = user
    groups = (
        {g.pk: g for g in Group.objects.filter(pk__in=group_ids).only("id", "display_name")}
        if group_ids
        else {}
    )
    rows = []
    for event, body, clash in zip(events, bodies, clashes, strict=True):
        target = None
        parsed = id_parse(event.resource_id) if event.resource_id else None
        if parsed is not None and event.resource_type == "User":
            user = people.get(parsed)
            target = _person(user) if user else Target(f"User {event.resource_id} (deleted)", "")
        elif parsed is not None and event.resource_type == "Group":
            group = groups.get(parsed)
            target = (
                Target(group.display_name, reverse("group_detail", args=[group.pk]))
                if group
                else Target(f"Group {event.resource_id} (deleted)", "")
            )
        holder = holders.get(clash.upper()) if clash else None
        pretty = json.dumps(body, indent=2, ensure_ascii=False) if body is not None else event.body
        rows.append(ActivityRow(event, target, pretty, clash, _person(holder) if holder else None))
    return rows


EXPORT_HEADER = [
    "at", "method", "path", "resource_type", "resource_id", "touched", "status", "scim_type",
    "detail", "duration_ms", "token", "body",
]  # fmt: skip


def activity_export_rows(*, filters: ActivityFilter) -> Iterator[list[Any]]:
    """The filtered log as CSV rows, newest first, read in batches by (at, id) so memory
    stays one batch whatever the log's size; at most EXPORT_MAX_ROWS events."""
    events = activity_events(filters=filters)
    last: tuple[Any, int] | None = None
    sent = 0
    while sent < EXPORT_MAX_ROWS:
        batch_query = events
        if last is not None:
            batch_query = events.filter(Q(at__lt=last[0]) | Q(at=last[0], id__lt=last[1]))
        batch = list(batch_query[: min(EXPORT_BATCH, EXPORT_MAX_ROWS - sent)])
        if not batch:
            return
        for row in activity_rows(batch):
            e = row.event
            touched = row.target.label if row.target else ""
            detail = e.detail + (f' (userName "{row.clash}")' if row.clash else "")
            yield [
                e.at.isoformat(), e.method, e.path, e.resource_type, e.resource_id, touched,
                e.status, e.scim_type, detail, e.duration_ms, e.token_name, e.body,
            ]  # fmt: skip
        sent += len(batch)
        last = (batch[-1].at, batch[-1].pk)
