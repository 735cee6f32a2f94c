"""Reports (admins only): a pathway's rows per person from learning.reports, the same rows
as the console's report, as JSON pages or, with `Accept: text/csv`, the console's CSV,
streamed."""

import uuid
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.http import StreamingHttpResponse
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.media import ApiJSONRenderer, CSVRenderer
from api.permissions import IsAdmin
from api.views.base import ApiView
from api.views.lookups import pathway_for
from learning import reports
from learning.reports import ReportRow
from learning.views_reports import csv_lines
from looop.input_limits import integer_value

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404)}
STATUSES = ("completed", "overdue", "in_progress", "not_started", "left")


def _row(row: ReportRow) -> dict[str, Any]:
    percent = round(100 * row.done / row.total) if row.total else 0
    return s.ReportRowSerializer(row).data | {"percent": percent}


def _streamed(scope: reports.Scope, schema: str) -> Iterator[str]:
    # Streaming runs after the view has returned: stay in this organisation's schema.
    with schema_context(schema):
        yield from csv_lines(scope)


class PathwayReportView(ApiView):
    permission_classes = [IsAdmin]
    renderer_classes = [ApiJSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="Page number (50 rows a page)"),
            OpenApiParameter("status", str, enum=STATUSES, description="Only this status"),
        ],
        responses={
            (200, "application/json"): s.ReportRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The whole report, streamed."
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, pathway_id: uuid.UUID) -> Any:
        """One row per active person the pathway reaches, and people who left its audience
        after making progress (status `left`); deactivated and deleted people are left out,
        and their progress is kept."""
        pathway = pathway_for(request.user, pathway_id)
        scope = reports.scope_of(pathway)
        if isinstance(request.accepted_renderer, CSVRenderer):
            response = StreamingHttpResponse(
                _streamed(scope, connection.schema_name), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="pathway-{pathway.pk}.csv"'
            return response
        page = integer_value(request.query_params.get("page", "1"), "page")
        status = request.query_params.get("status", "")
        if status and status not in STATUSES:
            raise ValidationError({"status": [f"One of {', '.join(STATUSES)}."]})
        if page < 1:
            raise NotFound()
        report = reports.report_page(scope=scope, page=page, status=status)  # one statement
        count = report.summary[status] if status else report.summary["people"]
        pages = max(1, -(-count // reports.PAGE_SIZE))
        if page > pages:
            raise NotFound()
        url = request.build_absolute_uri(request.path)
        query = f"&status={status}" if status else ""
        return Response(
            {
                "count": count,
                "next": f"{url}?page={page + 1}{query}" if page < pages else None,
                "previous": f"{url}?page={page - 1}{query}" if page > 1 else None,
                "results": [_row(r) for r in report.rows],
            }
        )
