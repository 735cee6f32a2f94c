"""Reads for the SCIM API, with a fixed number of queries whatever the page size.

A user's groups and a group's members come back in the same query as the rows, so a page
of 200 users is one query, not 201: for whole user documents, aggregated once for the page
(scim/user_json.py); otherwise as a correlated subquery. A group's members come back as the
JSON text of its `members` array, rendered by PostgreSQL (`_GROUP_MEMBERS_SQL`). When
`members` is not wanted, the membership table is not touched.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import astuple, dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    F,
    Func,
    JSONField,
    Q,
    QuerySet,
    Sum,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncHour
from django.utils import timezone

from accounts.models import Group, Membership, User
from accounts.selectors import users_live, users_live_count
from scim import user_json
from scim.filters import Resource, filter_to_q
from scim.filters.equality import Equality
from scim.models import ProvisioningEvent, RejectedRequestCount, ScimToken
from scim.precompiled import Compiled, OneRow


class _InPage(Func):
    """`id = ANY(ARRAY(<page ids>))`: the ids subquery runs once as an InitPlan.

    With `id IN (<subquery>)` a table without statistics yet (a new organisation during
    its first Entra sync) could be planned as a re-run of the subquery per row: 84 ms per
    page of 100 at 1,000 users instead of 11 ms.
    """

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()
    conditional = True


@dataclass
class Page:
    rows: list[Any]
    total: int


def id_parse(value: str) -> uuid.UUID | None:
    """A SCIM id as a UUID; None for anything else (such ids are simply not found)."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


_USER = User._meta.db_table
_GROUP = Group._meta.db_table
_MEMBERSHIP = Membership._meta.db_table

# Correlated subqueries written as SQL: they are on every request's path, and a RawSQL
# compiles for free where the equivalent ORM expressions cost milliseconds per request.
# A user's groups, by name; a group's members, in the order they were added.
_USER_GROUPS = RawSQL(
    f"""(SELECT COALESCE(jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name)
                                   ORDER BY g.display_name, g.id), '[]'::jsonb)
         FROM {_MEMBERSHIP} m JOIN {_GROUP} g ON g.id = m.group_id
         WHERE m.user_id = "{_USER}"."id")""",
    [],
    JSONField(),
)

# A group's members as the JSON text of its `members` array, in the order they were added;
# NULL without members. The text goes into the response as it is (scim.groups.group_json):
# a 100,000-member group is then one 18 MB string in the worker instead of 100,000 dicts
# and their strings, whose freed memory stayed with the process as fragmentation
# (docs/performance.md, "Memory"). `to_json` escapes a string as Python's json does.
# The parameter is the API's base URL, escaped for JSON (`_members_base`).
_MEMBER = """'{"value":"' || u.id || '","$ref":"' || %s || '/Users/' || u.id
             || '","type":"User"' || COALESCE(',"display":' || to_json(u.display_name), '')
             || '}'"""
_GROUP_MEMBERS_SQL = f"""(SELECT '[' || string_agg({_MEMBER}, ',' ORDER BY m.id) || ']'
         FROM {_MEMBERSHIP} m JOIN {_USER} u ON u.id = m.user_id
         WHERE m.group_id = "{_GROUP}"."id")"""
# Where a compiled query takes the base URL: each run puts its own in (`_base_bind`).
_BASE = "looop:scim-base-url"
_MANAGER_DISPLAY = RawSQL(
    f'(SELECT mgr.display_name FROM {_USER} mgr WHERE mgr.id = "{_USER}"."manager_id")',
    [],
    CharField(),
)


def users_for_scim(*, with_groups: bool) -> QuerySet[User]:
    qs = users_live().annotate(manager_display=_MANAGER_DISPLAY)
    if with_groups:
        qs = qs.annotate(scim_groups=_USER_GROUPS)
    return qs


def _members_base(base_url: str) -> str:
    return json.dumps(base_url, ensure_ascii=False)[1:-1]


def groups_for_scim(*, with_members: bool, base_url: str = _BASE) -> QuerySet[Group]:
    """Groups; with `members`, each carries `scim_members`, its members' JSON text or None."""
    qs = Group.objects.all()
    if with_members:
        base = base_url if base_url == _BASE else _members_base(base_url)
        qs = qs.annotate(scim_members=RawSQL(_GROUP_MEMBERS_SQL, [base], TextField()))
    return qs


def _base_bind(compiled: Compiled[Any], base_url: str) -> Compiled[Any]:
    """A compiled group query with this request's base URL in its members' `$ref`."""
    if _BASE not in compiled.params:
        return compiled
    base = _members_base(base_url)
    return replace(compiled, params=tuple(base if p == _BASE else p for p in compiled.params))


_ANY_ID = uuid.UUID(int=0)


def _user_by_id(*, with_groups: bool, for_update: bool) -> OneRow[User]:
    def query(pk: uuid.UUID) -> QuerySet[User]:
        qs = users_for_scim(with_groups=with_groups).filter(pk=pk)
        return qs.select_for_update(of=("self",), no_key=True) if for_update else qs

    return OneRow(query, _ANY_ID)


def _group_by_id(*, with_members: bool, for_update: bool) -> OneRow[Group]:
    def query(pk: uuid.UUID) -> QuerySet[Group]:
        qs = groups_for_scim(with_members=with_members).filter(pk=pk)
        return qs.select_for_update(of=("self",), no_key=True) if for_update else qs

    return OneRow(query, _ANY_ID)


# Every variant, compiled once on first use (GET by id runs on most SCIM requests).
_USERS = {(g, u): _user_by_id(with_groups=g, for_update=u) for g in (0, 1) for u in (0, 1)}
_GROUPS = {u: _group_by_id(with_members=False, for_update=u) for u in (0, 1)}


@lru_cache(maxsize=1)
def _group_with_members() -> Compiled[Group]:
    """A group by id with its members; it takes the base URL as well as the id."""
    return Compiled.of(groups_for_scim(with_members=True).filter(pk=_ANY_ID)[:1], _ANY_ID)


def user_get(*, user_id: str, with_groups: bool = True, for_update: bool = False) -> User | None:
    """A live user by SCIM id; None for unknown, deleted or malformed ids."""
    pk = id_parse(user_id)
    return None if pk is None else _USERS[(with_groups, for_update)].get(pk)


def group_get(
    *, group_id: str, members_base_url: str | None = None, for_update: bool = False
) -> Group | None:
    """A group by SCIM id; with `members_base_url`, with its members (`scim_members`),
    whose `$ref` start with it. None for unknown or malformed ids."""
    pk = id_parse(group_id)
    if pk is None:
        return None
    if members_base_url is None:
        return _GROUPS[for_update].get(pk)
    assert not for_update, "a locked group is edited without its members"
    rows = _base_bind(_group_with_members(), members_base_url).rows(pk)
    return rows[0] if rows else None


def _page_total(rows: list[Any], *, offset: int, limit: int, count: Callable[[], int]) -> int:
    """A short page is the end of the results: only a full (or empty) one needs a COUNT."""
    if 0 < len(rows) < limit or (offset == 0 and limit > 0 and not rows):
        return offset + len(rows)
    return count()


def _user_json_rows(ids_sql: str, ids_params: list[Any], base_url: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(user_json.page_sql(ids_sql), [base_url, *ids_params])
        return [row[0] for row in cursor.fetchall()]


def user_json_page(
    *, where: Q, order_by: list[Any], offset: int, limit: int, base_url: str
) -> Page:
    """A page of live users as SCIM documents rendered by PostgreSQL (scim/user_json.py)."""
    live = users_live().filter(where)
    rows: list[str] = []
    if limit > 0:
        # LIMIT and OFFSET as parameters, so that every page of one query shape is one
        # statement that PostgreSQL plans once (planning it took longer than a COUNT).
        try:
            ids_sql, ids_params = live.order_by(*order_by).values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing, such as `id eq "x"`
            return Page(rows=[], total=0)
        page = f"{ids_sql} LIMIT %s OFFSET %s", [*ids_params, limit, offset]
        rows = _user_json_rows(*page, base_url)
    total = _page_total(rows, offset=offset, limit=limit, count=users_total(where))
    return Page(rows=rows, total=total)


def users_total(where: Q) -> Callable[[], int]:
    """How to count the live users matching `where`: all of them are the trigger-kept
    tally (accounts.LiveUserShard), a filter needs a COUNT."""
    return users_live_count if not where else users_live().filter(where).order_by().count


# --- lookups by one attribute (scim.filters.equality), compiled once per shape ---------

_PLACEHOLDER = "looop:lookup-value"
_LOOKUP_ORDER = ("created", "id")


def _lookup_where(resource: Resource, attribute: str, value: str) -> Q:
    return filter_to_q(Equality(attribute, value).as_filter(), resource)


# The cache keys hold the shape only, never a looked-up value.
@lru_cache(maxsize=64)
def _user_ids_lookup(attribute: str, offset: int, limit: int) -> Compiled[User]:
    where = _lookup_where("User", attribute, _PLACEHOLDER)
    ids = users_live().filter(where).order_by(*_LOOKUP_ORDER).values("pk")
    return Compiled.of(ids[offset : offset + limit], _PLACEHOLDER)


@lru_cache(maxsize=64)
def _rows_lookup(
    resource: Resource, attribute: str, related: bool, offset: int, limit: int
) -> Compiled[Any]:
    where = _lookup_where(resource, attribute, _PLACEHOLDER)
    if resource == "User":
        qs: QuerySet[Any] = users_for_scim(with_groups=related)
    else:
        qs = groups_for_scim(with_members=related)
    rows = qs.filter(where).order_by(*_LOOKUP_ORDER)[offset : offset + limit]
    return Compiled.of(rows, _PLACEHOLDER)


def _lookup_page(
    rows: list[Any], resource: Resource, equality: Equality, offset: int, limit: int
) -> Page:
    base = users_live() if resource == "User" else Group.objects.all()

    def count() -> int:
        return base.filter(_lookup_where(resource, *astuple(equality))).count()

    return Page(rows=rows, total=_page_total(rows, offset=offset, limit=limit, count=count))


def user_json_lookup(*, equality: Equality, offset: int, limit: int, base_url: str) -> Page:
    """`user_json_page` for Entra's lookup by one attribute, in the default order."""
    rows: list[str] = []
    if limit > 0:
        ids = _user_ids_lookup(equality.attribute, offset, limit)
        rows = _user_json_rows(ids.sql, ids.bind(equality.value), base_url)
    return _lookup_page(rows, "User", equality, offset, limit)


def lookup_page(
    resource: Resource,
    *,
    equality: Equality,
    related: bool,
    offset: int,
    limit: int,
    base_url: str,
) -> Page:
    """`page_get` for Entra's lookup by one attribute, in the default order. `related`:
    with the users' groups or the groups' members."""
    rows: list[Any] = []
    if limit > 0:
        compiled = _rows_lookup(resource, equality.attribute, related, offset, limit)
        rows = _base_bind(compiled, base_url).rows(equality.value)
    return _lookup_page(rows, resource, equality, offset, limit)


def page_get(
    qs: QuerySet[Any],
    *,
    count_qs: QuerySet[Any],
    where: Q,
    order_by: list[Any],
    offset: int,
    limit: int,
    total: Callable[[], int] | None = None,
) -> Page:
    """One page and the total. The count query (on `count_qs`, without the page's joins and
    subqueries, or `total` if given) runs only when the page cannot tell the total: a short
    page is the end of the results, so Entra's lookup by userName is a single query."""
    if limit <= 0:
        rows = []
    elif offset == 0:
        rows = list(qs.filter(where).order_by(*order_by)[:limit])
    else:
        # PostgreSQL would compute the groups/members subqueries for every skipped row too;
        # pick the page's ids first, then annotate only those.
        ids = count_qs.filter(where).order_by(*order_by).values("pk")[offset : offset + limit]
        rows = list(qs.filter(_InPage(F("pk"), ArraySubquery(ids))).order_by(*order_by))
    count = total or count_qs.filter(where).order_by().count
    return Page(rows=rows, total=_page_total(rows, offset=offset, limit=limit, count=count))


# --- Requests without a valid token, for Account > Provisioning ---------------------------


@dataclass(frozen=True)
class RejectedHour:
    """Requests without a valid token in one hour (UTC), by reason."""

    hour: datetime
    missing: int = 0
    malformed: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        return self.missing + self.malformed + self.invalid


def rejected_requests_by_hour(*, hours: int = 24) -> list[RejectedHour]:
    """The last `hours` hours that had requests without a valid token, newest first."""
    since = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    rows = (
        RejectedRequestCount.objects.filter(minute__gte=since)
        .annotate(hour=TruncHour("minute"))
        .values_list("hour", "reason")
        .annotate(total=Sum("count"))
        .order_by()
    )
    by_hour: dict[datetime, dict[str, int]] = {}
    for hour, reason, total in rows:
        by_hour.setdefault(hour, {})[reason] = total
    return [RejectedHour(hour, **by_hour[hour]) for hour in sorted(by_hour, reverse=True)]


# --- Account > Provisioning in the console ----------------------------------------------


def scim_tokens() -> QuerySet[ScimToken]:
    return ScimToken.objects.order_by("-created_at", "-id")


def scim_token_get(*, token_id: int) -> ScimToken | None:
    return ScimToken.objects.filter(pk=token_id).first()


def scim_tokens_active_count() -> int:
    now = timezone.now()
    return ScimToken.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True
    ).count()


@dataclass(frozen=True)
class ProvisioningSummary:
    users: int
    groups: int
    last_request_at: datetime | None
    errors_last_24h: int


def provisioning_summary() -> ProvisioningSummary:
    """Figures for Account > Provisioning. Groups only arrive by SCIM, so all of them count."""
    since = timezone.now() - timedelta(hours=24)
    last = ProvisioningEvent.objects.order_by("-at").values_list("at", flat=True).first()
    return ProvisioningSummary(
        users=users_live().filter(source=User.Source.SCIM).count(),
        groups=Group.objects.count(),
        last_request_at=last,
        errors_last_24h=ProvisioningEvent.objects.filter(at__gte=since, status__gte=400).count(),
    )
