"""Reads for the SCIM API, with a fixed number of queries whatever the page size.

A user's groups and a group's members come back in the same query as the rows,
as a correlated ARRAY(SELECT jsonb_build_object(...)) subquery, so a page of 200 users
is one query, not 201. When `members` is not wanted the membership table is not touched.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

from accounts.models import Group, Membership, User


@dataclass
class Page:
    rows: list[Any]
    total: int


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def users_live() -> QuerySet[User]:
    return User.objects.filter(deleted_at__isnull=True)


def users_for_scim(*, with_groups: bool) -> QuerySet[User]:
    qs = users_live().annotate(manager_display=F("manager__display_name"))
    if with_groups:
        groups = (
            Membership.objects.filter(user_id=OuterRef("pk"))
            .order_by("group__display_name", "group_id")
            .values(json=JSONObject(value="group_id", display="group__display_name"))
        )
        qs = qs.annotate(scim_groups=ArraySubquery(groups))
    return qs


def groups_for_scim(*, with_members: bool) -> QuerySet[Group]:
    qs = Group.objects.all()
    if with_members:
        members = (
            Membership.objects.filter(group_id=OuterRef("pk"))
            .order_by("id")
            .values(json=JSONObject(value="user_id", display="user__display_name"))
        )
        qs = qs.annotate(scim_members=ArraySubquery(members))
    return qs


def user_get(*, user_id: str, with_groups: bool = True, for_update: bool = False) -> User | None:
    """A live user by SCIM id; None for unknown, deleted or malformed ids."""
    pk = _uuid(user_id)
    if pk is None:
        return None
    qs = users_for_scim(with_groups=with_groups)
    if for_update:
        qs = qs.select_for_update(of=("self",), no_key=True)
    return qs.filter(pk=pk).first()


def group_get(
    *, group_id: str, with_members: bool = True, for_update: bool = False
) -> Group | None:
    pk = _uuid(group_id)
    if pk is None:
        return None
    qs = groups_for_scim(with_members=with_members)
    if for_update:
        qs = qs.select_for_update(of=("self",), no_key=True)
    return qs.filter(pk=pk).first()


def page_get(
    qs: QuerySet[Any],
    *,
    count_qs: QuerySet[Any],
    where: Q,
    order_by: list[Any],
    offset: int,
    limit: int,
) -> Page:
    """One page and the total. The count query (on `count_qs`, without the page's joins and
    subqueries) runs only when the page cannot tell the total: a short page is the end of
    the results, so Entra's lookup by userName is a single query."""
    rows = list(qs.filter(where).order_by(*order_by)[offset : offset + limit]) if limit > 0 else []
    if 0 < len(rows) < limit or (offset == 0 and limit > 0 and not rows):
        return Page(rows=rows, total=offset + len(rows))
    return Page(rows=rows, total=count_qs.filter(where).order_by().count())
