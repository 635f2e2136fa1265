"""`/attempts/<id>/evidence/<record_id>/`: one evidence file, streamed through the dashboard.

The browser never talks to AutoProctor: this view resolves the record's presigned URL on the
server (proctoring.sync.evidence_url caches it and refreshes it before it expires), opens it,
and streams the bytes on. Only images and audio are passed through — anything else could be
run by the browser as a page of ours — and the response is cacheable by that browser only.
"""

import logging

from django.http import StreamingHttpResponse
from django.shortcuts import render

from dashboard.audit import audit_record
from dashboard.fetch_site import from_our_pages
from dashboard.permissions import VIEW_ATTEMPTS, VIEW_EVIDENCE, evidence_record_for, require
from proctoring.autoproctor import AutoProctorClient, AutoProctorError, EvidenceUrlExpired
from proctoring.models import EvidenceRecord
from proctoring.sync import evidence_url

logger = logging.getLogger(__name__)

# Who opened which evidence, when: every request for a file is audited.
EVIDENCE_VIEW = "evidence.view"
CHUNK_SIZE = 64 * 1024
# Someone is waiting for the page: retry a failed request once, not with the worker's patience.
INTERACTIVE_RETRIES = 1
# image/svg+xml can carry scripts; it is not something AutoProctor records.
REFUSED_TYPES = {"image/svg+xml"}


def _allowed(content_type):
    return content_type.startswith(("image/", "audio/")) and content_type not in REFUSED_TYPES


def _problem(request, record, status, problem, advice):
    return render(
        request,
        "dashboard/evidence_problem.html",
        {"record": record, "attempt": record.attempt, "problem": problem, "advice": advice},
        status=status,
    )


def _open(client, record):
    """The upstream response for the record's file. A cached URL that storage turns down as
    expired (clocks disagree, or it was revoked) is forgotten and resolved once more."""
    try:
        return client.open_file(evidence_url(record, client=client))
    except EvidenceUrlExpired:
        EvidenceRecord.objects.filter(pk=record.pk).update(presigned_url_expires_at=None)
        record.presigned_url_expires_at = None
        return client.open_file(evidence_url(record, client=client))


def _stream(client, upstream):
    try:
        yield from upstream.iter_content(chunk_size=CHUNK_SIZE)
    finally:
        upstream.close()
        client.close()


@require(VIEW_ATTEMPTS, VIEW_EVIDENCE)
@from_our_pages  # an audited GET: see dashboard.fetch_site
def evidence_file(request, attempt_id, record_id):
    record = evidence_record_for(request.user, attempt_id, record_id)
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
    client = None
    try:
        client = AutoProctorClient.from_settings(max_retries=INTERACTIVE_RETRIES)
        upstream = _open(client, record)
    except AutoProctorError as error:
        if client is not None:
            client.close()
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
    content_type = upstream.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not _allowed(content_type):
        upstream.close()
        client.close()
        logger.warning("Evidence file of record %s has type %r", record.pk, content_type)
        return _problem(
            request,
            record,
            502,
            f"AutoProctor sent this evidence file as {content_type or 'an unknown type'}, "
            "not as an image or audio clip, so it is not shown.",
            "Open the attempt in AutoProctor's own dashboard to see it.",
        )
    response = StreamingHttpResponse(_stream(client, upstream), content_type=content_type)
    # iter_content undoes any Content-Encoding, so only an unencoded length is still true.
    if upstream.headers.get("Content-Length", "").isdigit() and not upstream.headers.get(
        "Content-Encoding"
    ):
        response["Content-Length"] = upstream.headers["Content-Length"]
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
