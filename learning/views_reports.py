"""Learning ▸ Reports: completion of a pathway or a resource by group and by person, the
CSV download (streamed), and one person's learning."""

import csv
import uuid
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import User
from accounts.permissions import admin_required
from learning import reports, selectors
from learning.models import Pathway, Progress, Resource

STATUSES = ("completed", "overdue", "in_progress", "not_started", "left")
CSV_HEADER = [
    "user_name",
    "name",
    "received",
    "due",
    "completed",
    "total",
    "status",
    "completed_at",
]


def _target(kind: str, target_id: uuid.UUID) -> Pathway | Resource:
    model = Pathway if kind == "pathways" else Resource
    return get_object_or_404(model, pk=target_id)


@admin_required
def report_page(request: HttpRequest, kind: str, target_id: uuid.UUID) -> HttpResponse:
    target = _target(kind, target_id)
    scope = reports.scope_of(target)
    status = request.GET.get("status", "")
    if status not in STATUSES:
        status = ""
    page_text = request.GET.get("page", "1")
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1
    result = reports.report_page(scope=scope, page=page, status=status)
    shown = result.summary[status] if status else result.summary["people"]
    pages = max(1, -(-shown // reports.PAGE_SIZE))
    if page > pages:  # past the end: show the last page
        page = pages
        result = reports.report_page(scope=scope, page=page, status=status)
    return render(
        request,
        "learning/console/report.html",
        {
            "target": target,
            "kind": kind,
            "scope": scope,
            "summary": result.summary,
            "groups": result.groups,
            "rows": result.rows,
            "status": status,
            "page": page,
            "pages": pages,
            "statuses": STATUSES,
        },
    )


class _Echo:
    """csv.writer's file: hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(scope: reports.Scope) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in reports.report_rows_all(scope=scope):
        yield writer.writerow(
            [
                _cell(row.user_name), _cell(row.name), row.received.isoformat(),
                row.due.isoformat() if row.due else "", row.done, row.total, row.status,
                row.completed_at.isoformat() if row.completed_at else "",
            ]
        )  # fmt: skip


def _cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; make them text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin_required
def report_csv(request: HttpRequest, kind: str, target_id: uuid.UUID) -> StreamingHttpResponse:
    target = _target(kind, target_id)
    response = StreamingHttpResponse(csv_lines(reports.scope_of(target)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="report-{kind[:-1]}-{target.pk}.csv"'
    return response


@admin_required
def person_learning(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    """What is shared with a person now, and every resource they have progress on (kept
    after they leave a group or a share ends)."""
    person = get_object_or_404(User, pk=user_id, deleted_at__isnull=True)
    progress = (
        Progress.objects.filter(user=person)
        .select_related("resource__workspace")
        .order_by("-completed_at", "-opened_at")
    )
    return render(
        request,
        "learning/console/person.html",
        {
            "person": person,
            "items": selectors.learning_items(user=person),
            "progress": progress,
        },
    )
