"""Reports (admins only): a pathway's rows per person, as JSON pages or, with
`Accept: text/csv`, the whole report streamed as CSV, a chunk of people at a time."""

import csv
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.http import StreamingHttpResponse
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from api import serializers as s
from api.media import ApiJSONRenderer, CSVRenderer
from api.permissions import IsAdmin
from api.reports import ReportRow, pathway_audience, report_context, report_rows, report_rows_all
from api.views.base import ApiView
from api.views.lookups import pathway_for
from learning.models import Pathway

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404)}
CSV_COLUMNS = ["user", "user_name", "display_name", "due", "done", "total", "percent",
               "status", "completed_at"]  # fmt: skip


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Line:
    """csv.writer's file: hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(pathway: Pathway, schema: str) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    # Streaming runs after the view returned: keep to this organisation's schema.
    with schema_context(schema):
        for row in report_rows_all(pathway=pathway):
            yield writer.writerow([_cell(getattr(row, column)) for column in CSV_COLUMNS])


def _row(row: ReportRow) -> dict[str, Any]:
    return s.ReportRowSerializer(row).data


class PathwayReportView(ApiView):
    permission_classes = [IsAdmin]
    renderer_classes = [ApiJSONRenderer, CSVRenderer]

    @extend_schema(
        responses={
            (200, "application/json"): s.ReportRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The whole report, streamed."
            ),
            **ERRORS,
        }
    )
    def get(self, request: Request, pathway_id: uuid.UUID) -> Any:
        """One row per active person the pathway reaches now (deactivated people are left
        out; their progress is kept)."""
        pathway = pathway_for(request.user, pathway_id)
        if isinstance(request.accepted_renderer, CSVRenderer):
            response = StreamingHttpResponse(
                csv_lines(pathway, connection.schema_name), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="pathway-{pathway.pk}.csv"'
            return response
        context = report_context(pathway=pathway)
        return self.paged(
            pathway_audience(pathway=pathway),
            lambda people: [_row(r) for r in report_rows(context=context, people=people)],
        )
