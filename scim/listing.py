"""Queries over Users and Groups (RFC 7644 §3.4.2–3.4.3): filter, sort, page, project.

The same parameters come from a query string (GET) or a SearchRequest body (POST .search).
Filters become a Django Q (scim.filters) and run in SQL; totalResults is counted in SQL.
"""

import json
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db.models import F, Q
from django.db.models.expressions import OrderBy

from accounts.models import Group
from looop.input_limits import InputRefused, integer_value
from scim import selectors
from scim.attributes import Projection
from scim.errors import ScimError, invalid_value
from scim.filters.equality import Equality, simple_equality
from scim.groups import group_document
from scim.schemas import LIST_RESPONSE_SCHEMA
from scim.users import user_document
from scim.values import Fields

Resource = Literal["User", "Group"]


def _integer(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:  # `1e999` or a 30-digit number would fail in int() or in PostgreSQL's OFFSET
        return integer_value(value, name)
    except InputRefused as exc:
        raise invalid_value(exc.message) from None


@dataclass
class ListParams:
    filter: str | None
    sort_by: str | None
    descending: bool
    start_index: int
    count: int
    projection: Projection

    @classmethod
    def parse(cls, raw: Fields) -> "ListParams":
        """From query parameters or a SearchRequest; names are case-insensitive."""
        expression = raw.get("filter")
        if expression is not None and not isinstance(expression, str):
            raise ScimError(400, "'filter' must be a string.", "invalidFilter")
        sort_by = raw.get("sortBy")
        if sort_by is not None and not isinstance(sort_by, str):
            raise invalid_value("'sortBy' must be a string.")
        order = str(raw.get("sortOrder") or "ascending").lower()
        if order not in ("ascending", "descending"):
            raise invalid_value("'sortOrder' must be 'ascending' or 'descending'.")
        # RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0, and the
        # service provider caps the page size (ServiceProviderConfig filter.maxResults).
        start = _integer(raw.get("startIndex"), "startIndex")
        count = _integer(raw.get("count"), "count")
        limit = settings.SCIM_MAX_RESULTS
        return cls(
            filter=expression.strip() or None if expression else None,
            sort_by=sort_by.strip() or None if sort_by else None,
            descending=order == "descending",
            start_index=max(start or 1, 1),
            count=limit if count is None else min(max(count, 0), limit),
            projection=Projection.parse(raw.get("attributes"), raw.get("excludedAttributes")),
        )


def list_document(resources: list[dict], *, total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _where(params: ListParams, resource: Resource) -> Q:
    if not params.filter:
        return Q()
    from scim.filters import filter_to_q

    return filter_to_q(params.filter, resource)


def _order(params: ListParams, resource: Resource) -> list[Any]:
    if not params.sort_by:
        return ["-created", "-id"] if params.descending else ["created", "id"]
    from scim.filters import sort_field

    field = sort_field(params.sort_by, resource)
    expression = F(field) if isinstance(field, str) else field
    # RFC 7644 §3.4.2.3: unassigned values sort last, whatever the order.
    ordering: OrderBy = (
        expression.desc(nulls_last=True) if params.descending else expression.asc(nulls_last=True)
    )
    return [ordering, "id"]


def _equality(params: ListParams, resource: Resource) -> Equality | None:
    """Entra's lookup by one attribute, in the default order: a precompiled query."""
    if not params.filter or params.sort_by or params.descending:
        return None
    return simple_equality(params.filter, resource)


def _queryset(resource: Resource, projection: Projection, base_url: str) -> Any:
    if resource == "User":
        return selectors.users_for_scim(with_groups=projection.wants("groups"))
    return selectors.groups_for_scim(with_members=projection.wants("members"), base_url=base_url)


def _render(resource: Resource, row: Any, base_url: str, projection: Projection) -> dict:
    if resource == "User":
        document = user_document(row, base_url=base_url)
    else:
        document = group_document(row, base_url=base_url)
    return projection.apply(document)


def resource_list(params: ListParams, *, resource: Resource, base_url: str) -> dict[str, Any]:
    offset, limit = params.start_index - 1, params.count
    equality = _equality(params, resource)
    if equality is not None:
        related = params.projection.wants("groups" if resource == "User" else "members")
        page = selectors.lookup_page(
            resource,
            equality=equality,
            related=related,
            offset=offset,
            limit=limit,
            base_url=base_url,
        )
    else:
        where = _where(params, resource)
        page = selectors.page_get(
            _queryset(resource, params.projection, base_url),
            count_qs=selectors.users_live() if resource == "User" else Group.objects.all(),
            where=where,
            order_by=_order(params, resource),
            offset=offset,
            limit=limit,
            total=selectors.users_total(where) if resource == "User" else None,
        )
    resources = [_render(resource, row, base_url, params.projection) for row in page.rows]
    return list_document(resources, total=page.total, start_index=params.start_index)


def user_list_json(params: ListParams, *, base_url: str) -> str:
    """`resource_list` for users without `attributes`/`excludedAttributes`, as JSON text:
    each document comes rendered from PostgreSQL (scim/user_json.py)."""
    assert params.projection.is_identity
    offset, limit = params.start_index - 1, params.count
    equality = _equality(params, "User")
    if equality is not None:
        page = selectors.user_json_lookup(
            equality=equality, offset=offset, limit=limit, base_url=base_url
        )
    else:
        page = selectors.user_json_page(
            where=_where(params, "User"),
            order_by=_order(params, "User"),
            offset=offset,
            limit=limit,
            base_url=base_url,
        )
    envelope = json.dumps(
        list_document([], total=page.total, start_index=params.start_index),
        separators=(",", ":"),  # compact, as the other responses
    )
    envelope = envelope.replace('"itemsPerPage":0', f'"itemsPerPage":{len(page.rows)}', 1)
    return envelope.replace('"Resources":[]', f'"Resources":[{",".join(page.rows)}]', 1)


def root_search(params: ListParams, *, base_url: str) -> dict[str, Any]:
    """POST /.search over every resource type (RFC 7644 §3.4.3): users first, then groups.

    A filter naming an attribute one type lacks just matches nothing of that type; it is
    an error only if no type understands it.
    """
    wheres: dict[Resource, Q] = {}
    first_error: ScimError | None = None
    for resource in ("User", "Group"):
        try:
            wheres[resource] = _where(params, resource)
        except ScimError as exc:
            first_error = first_error or exc
    if not wheres and first_error is not None:
        raise first_error
    offset, remaining, total = params.start_index - 1, params.count, 0
    resources: list[dict] = []
    for resource, where in wheres.items():
        qs = _queryset(resource, params.projection, base_url).filter(where)
        count_qs = selectors.users_live() if resource == "User" else Group.objects.all()
        count = count_qs.filter(where).count()
        total += count
        if remaining > 0 and offset < count:
            rows = list(qs.order_by(*_order(params, resource))[offset : offset + remaining])
            resources += [_render(resource, r, base_url, params.projection) for r in rows]
            remaining -= len(rows)
        offset = max(offset - count, 0)
    return list_document(resources, total=total, start_index=params.start_index)
