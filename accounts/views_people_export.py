"""People > Export: the People list's current filter as a streamed CSV file."""

from django.http import HttpRequest, StreamingHttpResponse

from accounts.csv_export import csv_stream
from accounts.permissions import admin_required
from accounts.selectors_people import EXPORT_HEADER, PeopleFilter, people_export_rows


@admin_required
def people_export(request: HttpRequest) -> StreamingHttpResponse:
    filters = PeopleFilter.from_query(request.GET)
    return csv_stream(
        filename=f"people-{request.tenant.schema_name}.csv",
        header=EXPORT_HEADER,
        rows=lambda: people_export_rows(filters=filters),
    )
