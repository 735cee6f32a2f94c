"""Paged lists: `?page=N&page_size=M` (at most PAGE_SIZE_MAX), with the total count and
links to the neighbouring pages. A page past the end is a 404 with a JSON error."""

from rest_framework.pagination import PageNumberPagination

from api.limits import PAGE_SIZE, PAGE_SIZE_MAX


class ApiPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = PAGE_SIZE_MAX
