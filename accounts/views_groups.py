"""Groups: the list and a group's page with its members, paged in SQL."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.paging import page_of, search_page_of, search_query
from accounts.permissions import admin_required
from accounts.selectors import group_get, group_members, groups_search

GROUPS_PER_PAGE = 25
MEMBERS_PER_PAGE = 50


@admin_required
def groups_list(request: HttpRequest) -> HttpResponse:
    query = search_query(request)
    page = page_of(groups_search(query=query), request, GROUPS_PER_PAGE)
    return render(request, "console/groups_list.html", {"page": page, "query": query})


@admin_required
def group_detail(request: HttpRequest, group_id: uuid.UUID) -> HttpResponse:
    group = group_get(group_id=group_id)
    if group is None:
        raise Http404("No such group in this organisation.")
    query = search_query(request)
    paging = search_page_of if query.strip() else page_of  # a text search scans every member
    page = paging(group_members(group=group, query=query), request, MEMBERS_PER_PAGE)
    return render(
        request, "console/group_detail.html", {"group": group, "page": page, "query": query}
    )
