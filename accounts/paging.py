"""Paging for console lists: one COUNT and one LIMIT/OFFSET query per page; a text search
pages with `SearchPaginator`, which spares most of its counting."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

# A text search counts its matches up to here, then says "more than 10,000".
SEARCH_COUNT_CAP = 10_000


def page_of(items: QuerySet, request: HttpRequest, per_page: int) -> Page:
    """The page asked for in ?page=; bad or out-of-range numbers fall back to a real page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def search_query(request: HttpRequest) -> str:
    """The console lists' ?q= search text, capped at 200 characters."""
    return request.GET.get("q", "")[:200]


class SearchPaginator(Paginator):
    """Paging for a substring search, which no index serves: each read of it scans every
    live person (at 100,000 people the count and the page were two such scans, 0.46 s).

    - The first page is read before the count; if it is not full, it is the whole result
      and the count is its length (a rare term costs one scan, not two).
    - Otherwise the count stops at `cap` + 1 matches (a common term stops early), and the
      list says "more than 10,000" and offers the first `cap` results' pages.
    """

    def __init__(self, object_list: QuerySet, per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = SEARCH_COUNT_CAP if cap is None else cap
        self._first: list | None = None

    def read_first_page(self) -> None:
        self._first = list(self.object_list[: self.per_page])

    @cached_property
    def count(self) -> int:
        if self._first is not None and len(self._first) < self.per_page:
            return len(self._first)
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        """More matches than were counted."""
        return self.count > self.cap

    @property
    def cap_label(self) -> str:
        return f"{self.cap:,}"

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return -(-self.cap // self.per_page)
        return super().num_pages

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        if number == 1 and self._first is not None:
            return self._get_page(self._first, 1, self)
        return super().page(number)


def search_page_of(items: QuerySet, request: HttpRequest, per_page: int) -> Page:
    """`page_of` for a text search (SearchPaginator)."""
    paginator = SearchPaginator(items, per_page)
    asked = request.GET.get("page", "")
    if asked.strip() in ("", "1") or not asked.strip().lstrip("-").isdigit():
        paginator.read_first_page()  # page 1, or a bad number that falls back to it
    return paginator.get_page(asked or None)
