"""`/attempts/export.csv`: the rows `/attempts/` shows for the same query string, as CSV."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from access.permissions import EXPORT_ATTEMPTS, VIEW_ATTEMPTS, require
from access.scopes import visible_attempts
from audit.services import audit_record
from dashboard import selectors
from dashboard.export import csv_lines
from dashboard.export_copy import csv_bytes
from dashboard.filters import AttemptFilter
from dashboard.sorting import Sort

EXPORT_CSV = "export.csv"


def csv_stream(attempts: QuerySet) -> Iterator[bytes | str]:
    """The CSV file for `attempts`: on PostgreSQL made by the database and streamed by COPY
    (export_copy.py, the same bytes at COPY speed), elsewhere by export.csv_lines."""
    if connection.vendor == "postgresql":
        return csv_bytes(attempts)
    return csv_lines(attempts)


@require(VIEW_ATTEMPTS, EXPORT_ATTEMPTS)
def export_csv(request: HttpRequest) -> HttpResponse:
    attempts = visible_attempts(request.user, EXPORT_ATTEMPTS, selectors.attempt_list(request.user))
    attempt_filter = AttemptFilter(request.GET, queryset=attempts, request=request)
    if not attempt_filter.is_valid():
        # Exporting while ignoring a filter the user typed would hand out more rows than meant.
        problems = "; ".join(
            f"{attempt_filter.form.fields[name].label}: {' '.join(errors)}"
            for name, errors in attempt_filter.form.errors.items()
        )
        return HttpResponse(
            f"Nothing exported: a filter is not valid ({problems}). Correct it on the attempts "
            "page and export again.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    audit_record(
        user=request.user,
        action=EXPORT_CSV,
        summary="Exported the attempts list as CSV"
        + (f" ({request.GET.urlencode()})" if request.GET else ""),
        detail={"query": dict(request.GET.lists())},
    )
    sort = Sort.from_param(request.GET.get("o"))
    attempts = sort.annotate(attempt_filter.qs).order_by(*sort.order_by())
    response = StreamingHttpResponse(csv_stream(attempts), content_type="text/csv; charset=utf-8")
    filename = f"attempts-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
