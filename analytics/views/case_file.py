"""`/attempts/<id>/case-file.zip` and a test's confirmed violations' case files, streamed.

Test admins only (export and evidence permissions); each download is audited before the first
byte leaves, once per attempt included, and, like opening evidence, only when asked for from our
own pages (dashboard.fetch_site), so another site cannot write such rows in a user's name.
"""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse

from access.permissions import (
    EXPORT_ATTEMPTS,
    VIEW_ATTEMPTS,
    VIEW_EVIDENCE,
    attempt_for,
    require,
    test_for,
)
from analytics.case_file import case_file_name, case_file_stream, case_files_stream, safe_name
from audit.services import audit_record
from dashboard.fetch_site import from_our_pages
from proctoring.models import Attempt
from review.models import Verdict

CASE_FILE = "case_file.download"


def _zip_response(stream, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require(VIEW_ATTEMPTS, VIEW_EVIDENCE, EXPORT_ATTEMPTS)
@from_our_pages  # an audited GET: see dashboard.fetch_site
def case_file(request: HttpRequest, attempt_id: int) -> StreamingHttpResponse:
    attempt = attempt_for(request.user, attempt_id, VIEW_EVIDENCE, EXPORT_ATTEMPTS)
    audit_record(
        user=request.user,
        action=CASE_FILE,
        attempt=attempt,
        summary=f"Downloaded the case file of {attempt.test_attempt_id}",
    )
    stream = case_file_stream(attempt, user_name=request.user.get_username())
    return _zip_response(stream, case_file_name(attempt))


@require(VIEW_ATTEMPTS, VIEW_EVIDENCE, EXPORT_ATTEMPTS)
@from_our_pages  # an audited GET: see dashboard.fetch_site
def test_case_files(request: HttpRequest, lookup_key: str) -> StreamingHttpResponse:
    """The case files of every attempt of the test with the verdict "Violation confirmed"."""
    test_for(request.user, lookup_key, VIEW_EVIDENCE, EXPORT_ATTEMPTS)
    attempts = list(
        Attempt.objects.filter(lookup_key=lookup_key, review__verdict=Verdict.VIOLATION).order_by(
            "pk"
        )
    )
    for attempt in attempts:
        audit_record(
            user=request.user,
            action=CASE_FILE,
            attempt=attempt,
            summary=f"Downloaded the case file of {attempt.test_attempt_id} with the "
            f"{len(attempts)} confirmed violation(s) of {lookup_key}",
        )
    stream = case_files_stream(attempts, user_name=request.user.get_username())
    return _zip_response(stream, f"case-files-{safe_name(lookup_key)}.zip")
