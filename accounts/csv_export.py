"""Streamed CSV downloads for the console: rows are written as they are read, in batches,
so an export of 100,000 people holds one batch in memory, not the whole file."""

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.http import StreamingHttpResponse
from django_tenants.utils import schema_context

# A cell starting with one of these is a formula to spreadsheet programs (CSV injection):
# such cells get a leading apostrophe, as OWASP recommends.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    """csv.writer's file: each write returns the line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_stream(
    *, filename: str, header: list[str], rows: Callable[[], Iterable[list[Any]]]
) -> StreamingHttpResponse:
    """A CSV download whose rows come from `rows()` as the response is sent. The rows are
    read in this organisation's schema whatever the connection is set to by then."""
    schema = connection.schema_name
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8
        with schema_context(schema):
            for row in rows():
                yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
