"""Reads for the console's People list: filters, sorting and the CSV export.

The filter and sort live in the URL (`?status=active&source=scim&sort=-created`), so a
filtered list can be bookmarked, shared and exported as it is shown.
"""

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper

from accounts.models import Group, Membership, User
from accounts.selectors import users_search
from looop.input_limits import InputRefused

STATUSES = {"active": "Active", "deactivated": "Deactivated"}
SOURCES = dict(User.Source.choices)
ROLES = dict(User.Role.choices)
# sort key → (column label, the ORDER BY expressions for ascending order)
SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "name": ("Name", (Upper("user_name"),)),
    "email": ("Email", (Upper("email"),)),
    "status": ("Status", (F("active"),)),
    "source": ("Source", (F("source"),)),
    "role": ("Role", (F("role"),)),
    "department": ("Department", (Upper("department"),)),
    "created": ("Added", (F("created"),)),
}
MAX_TEXT = 200
GROUP_CHOICES_MAX = 500  # the group filter's menu; more groups are still filterable by id
EXPORT_BATCH = 2000


@dataclass(frozen=True)
class PeopleFilter:
    q: str = ""
    status: str = ""
    source: str = ""
    role: str = ""
    department: str = ""
    group: str = ""  # a group id
    sort: str = "name"  # a key of SORTS, "-" in front for descending

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "PeopleFilter":
        """The filter named in a query string; a value the list does not offer is a 400."""
        values = {f.name: params.get(f.name, "").strip() for f in fields(cls)}
        values["sort"] = values["sort"] or "name"
        for name, allowed in (("status", STATUSES), ("source", SOURCES), ("role", ROLES)):
            if values[name] and values[name] not in allowed:
                raise InputRefused(
                    f"{name.capitalize()} must be one of {', '.join(allowed)}.", kind="syntax"
                )
        if values["sort"].removeprefix("-") not in SORTS:
            raise InputRefused(f"Sort must be one of {', '.join(SORTS)}.", kind="syntax")
        for name in ("q", "department"):
            if len(values[name]) > MAX_TEXT:
                raise InputRefused(f"{name} is longer than {MAX_TEXT} characters.", kind="text")
        if values["group"]:
            try:
                values["group"] = str(uuid.UUID(values["group"]))
            except ValueError:
                raise InputRefused("Group must be a group's id.", kind="syntax") from None
        return cls(**values)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "sort")


def people_filtered(*, filters: PeopleFilter) -> QuerySet[User]:
    """Live people matching the filter, in the asked order (ties broken by id)."""
    people = users_search(query=filters.q)
    if filters.status == "active":
        people = people.filter(active=True)
    elif filters.status == "deactivated":
        people = people.filter(Q(active=False) | Q(active__isnull=True))
    if filters.source:
        people = people.filter(source=filters.source)
    if filters.role:
        people = people.filter(role=filters.role)
    if filters.department:
        people = people.filter(department__iexact=filters.department)
    if filters.group:
        people = people.filter(
            pk__in=Membership.objects.filter(group_id=filters.group).values("user_id")
        )
    descending = filters.sort.startswith("-")
    expressions = SORTS[filters.sort.removeprefix("-")][1]
    # Ascending NULLS LAST and descending NULLS FIRST are an index's two scan directions.
    order = [
        OrderBy(e, descending=descending, nulls_last=not descending or None) for e in expressions
    ]
    return people.order_by(*order, "-id" if descending else "id")


@dataclass(frozen=True)
class SortHeader:
    key: str
    label: str
    next_sort: str  # the sort a click on the header asks for
    aria_sort: str  # "ascending", "descending" or "none"


def sort_headers(*, current: str) -> dict[str, SortHeader]:
    """The People table's headers, each a link that sorts by it (again: the other way)."""
    headers = {}
    for key, (label, _) in SORTS.items():
        if current == key:
            headers[key] = SortHeader(key, label, f"-{key}", "ascending")
        elif current == f"-{key}":
            headers[key] = SortHeader(key, label, key, "descending")
        else:
            headers[key] = SortHeader(key, label, key, "none")
    return headers


def group_choices() -> list[tuple[str, str]]:
    """Groups for the filter's menu, by name (one query)."""
    groups = Group.objects.order_by(Upper("display_name"), "id").values_list("id", "display_name")
    return [(str(pk), name) for pk, name in groups[:GROUP_CHOICES_MAX]]


def people_list_choices(*, filters: PeopleFilter) -> dict[str, Any]:
    """What the People page's filter form and headers offer."""
    return {
        "status_choices": list(STATUSES.items()),
        "source_choices": list(SOURCES.items()),
        "role_choices": list(ROLES.items()),
        "group_choices": group_choices(),
        "headers": sort_headers(current=filters.sort),
    }


_GROUP_NAMES = RawSQL(
    f"""(SELECT string_agg(g.display_name, '; ' ORDER BY g.display_name)
         FROM {Membership._meta.db_table} m JOIN {Group._meta.db_table} g ON g.id = m.group_id
         WHERE m.user_id = "{User._meta.db_table}"."id")""",
    [],
)
EXPORT_HEADER = [
    "id", "userName", "name", "email", "status", "source", "role", "department", "title",
    "externalId", "groups", "created",
]  # fmt: skip
_EXPORT_FIELDS = (
    "id", "user_name", "name_given", "name_family", "display_name", "email", "active",
    "source", "role", "department", "title", "external_id", "group_names", "created",
    "upper_name",
)  # fmt: skip


def people_export_rows(*, filters: PeopleFilter) -> Iterator[list[Any]]:
    """The filtered people as CSV rows, by userName. Read in batches of EXPORT_BATCH keyed
    on the upper-cased userName (unique among live people, and indexed), so memory holds one
    batch and each batch is an index range scan, whatever the organisation's size."""
    base = (
        people_filtered(filters=replace(filters, sort="name"))
        .annotate(upper_name=Upper("user_name"), group_names=_GROUP_NAMES)
        .order_by("upper_name")
    )
    last: str | None = None
    while True:
        batch_query = base if last is None else base.filter(upper_name__gt=last)
        batch = list(batch_query.values_list(*_EXPORT_FIELDS)[:EXPORT_BATCH])
        if not batch:
            return
        for (pk, user_name, given, family, display, email, active, source, role, department,
             title, external_id, groups, created, _) in batch:  # fmt: skip
            name = " ".join(p for p in (given, family) if p) or display or ""
            yield [
                pk, user_name, name, email, "active" if active is True else "deactivated",
                source, role, department, title, external_id, groups, created.isoformat(),
            ]  # fmt: skip
        last = batch[-1][-1]
