"""`/attempts/<id>/evidence/<record_id>/`: one evidence file, streamed through the dashboard.

The browser never talks to AutoProctor: proctoring.evidence_files resolves the record's
presigned URL on the server, opens it and hands over the bytes (images and audio only), which
this view streams on, cacheable by that browser only. Every request is audited.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from access.params import is_storable_integer
from access.permissions import (
    VIEW_ATTEMPTS,
    VIEW_EVIDENCE,
    OutOfScope,
    evidence_record_for,
    require,
)
from audit.services import audit_record
from autoproctor import AutoProctorError
from dashboard.fetch_site import from_our_pages
from proctoring.evidence_files import NotMedia, open_evidence_file

logger = logging.getLogger(__name__)

# Who opened which evidence, when: every request for a file is audited.
EVIDENCE_VIEW = "evidence.view"
# ... and who asked for evidence of an attempt outside their tests.
EVIDENCE_REFUSED = "evidence.refused"


def _problem(request, record, status, problem, advice):
    return render(
        request,
        "dashboard/evidence_problem.html",
        {"record": record, "attempt": record.attempt, "problem": problem, "advice": advice},
        status=status,
    )


@require(VIEW_ATTEMPTS, VIEW_EVIDENCE)
@from_our_pages  # an audited GET: see dashboard.fetch_site
def evidence_file(request: HttpRequest, attempt_id: int, record_id: int) -> HttpResponse:
    if not (is_storable_integer(attempt_id) and is_storable_integer(record_id)):
        # A typed id past the database's integers: a lookup on it would fail on SQLite.
        raise Http404("No such evidence record.")
    try:
        record = evidence_record_for(request.user, attempt_id, record_id)
    except OutOfScope as refusal:
        # The attempt is outside the user's tests: answered as if it did not exist, and logged.
        audit_record(
            user=request.user,
            action=EVIDENCE_REFUSED,
            attempt=refusal.record.attempt,
            summary=f"Refused evidence record #{refusal.record.pk}: outside the user's tests",
            detail={"record": refusal.record.pk},
        )
        raise
    audit_record(
        user=request.user,
        action=EVIDENCE_VIEW,
        attempt=record.attempt,
        summary=f"Opened {record.label} ({record.get_data_type_display().lower()}, "
        f"{record.get_device_display().lower()}, #{record.position})",
        detail={
            "record": record.pk,
            "device": record.device,
            "position": record.position,
            "label": record.label,
            "occurred_at": record.occurred_at.isoformat() if record.occurred_at else None,
        },
    )
    if not record.has_file:
        return _problem(
            request,
            record,
            404,
            "No evidence file was kept for this record.",
            "AutoProctor keeps a limited number of files per attempt; the event still counts.",
        )
    try:
        evidence = open_evidence_file(record)
    except AutoProctorError as error:
        logger.warning("Evidence file of record %s could not be loaded: %s", record.pk, error)
        return _problem(
            request,
            record,
            502,
            f"AutoProctor did not hand over this evidence file. {error}",
            "Reload the page in a minute. If it keeps failing, check the AutoProctor settings "
            "(client id and secret, base URL) and that this server can reach AutoProctor; the "
            "sync status shows the latest errors.",
        )
    except NotMedia as refused:
        content_type = refused.content_type
        logger.warning("Evidence file of record %s has type %r", record.pk, content_type)
        return _problem(
            request,
            record,
            502,
            f"AutoProctor sent this evidence file as {content_type or 'an unknown type'}, "
            "not as an image or audio clip, so it is not shown.",
            "Open the attempt in AutoProctor's own dashboard to see it.",
        )
    response = StreamingHttpResponse(evidence.chunks(), content_type=evidence.content_type)
    if evidence.length is not None:
        response["Content-Length"] = str(evidence.length)
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
