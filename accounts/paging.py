"""Paging for console lists: one COUNT and one LIMIT/OFFSET query per page."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def page_of(items: QuerySet, request: HttpRequest, per_page: int) -> Page:
    """The page asked for in ?page=; bad or out-of-range numbers fall back to a real page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def search_query(request: HttpRequest) -> str:
    """The console lists' ?q= search text, capped at 200 characters."""
    return request.GET.get("q", "")[:200]
