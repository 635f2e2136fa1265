"""`/respond/<token>/`: what a candidate sees of one attempt, and their response; no account.

The token in the URL is the only credential: it opens the one attempt its link is bound to.
A token we never gave is refused, an expired or revoked link says so and shows nothing else.
Evidence files are served as on the staff pages (proctoring.evidence_files: images and audio
only, from AutoProctor's storage without following redirects elsewhere), each request in the
evidence access log under "candidate".
"""

from __future__ import annotations

import contextlib
import logging

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_record
from autoproctor import AutoProctorError
from candidates import selectors, services, tokens
from candidates.forms import ResponseForm
from candidates.models import LinkState, ResponseLink
from candidates.pages import candidate_page
from proctoring.evidence_files import NotMedia, open_evidence_file
from proctoring.models import EvidenceRecord

logger = logging.getLogger("candidates")

# The evidence access log's action, as the staff evidence view (dashboard.views.evidence) writes it.
EVIDENCE_VIEW = "evidence.view"
OWN_ORIGINS = {"same-origin", "none"}

CLOSED = {
    "unknown": (404, "This link is not valid", "Check that you copied the whole address."),
    LinkState.EXPIRED: (
        410,
        "This link has expired",
        "Ask the organisation that sent it for a new one.",
    ),
    LinkState.REVOKED: (
        410,
        "This link was withdrawn",
        "Ask the organisation that sent it if you need a new one.",
    ),
}


def _closed(request: HttpRequest, why: str) -> HttpResponse:
    status, title, advice = CLOSED[why]
    return render(
        request, "candidates/closed.html", {"title": title, "advice": advice}, status=status
    )


def _open_link(token: str) -> tuple[ResponseLink | None, str]:
    link = tokens.link_for(token)
    if link is None:
        return None, "unknown"
    return link, link.state()


@candidate_page
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    link, state = _open_link(token)
    if state != LinkState.LIVE:
        return _closed(request, state)
    view = selectors.candidate_view(link)
    form = ResponseForm()
    if request.method == "POST" and view.response is None:
        form = ResponseForm(request.POST)
        if form.is_valid():
            # A second submission (two tabs) is no error: the page shows the first.
            with contextlib.suppress(services.AlreadyAnswered):
                services.submit_response(link=link, text=form.cleaned_data["text"])
            return redirect("candidate-respond", token=token)
    return render(
        request,
        "candidates/respond.html",
        {"view": view, "form": form, "token": token, "expires_at": link.expires_at},
        status=400 if form.errors else 200,
    )


@candidate_page
@require_GET
def evidence(request: HttpRequest, token: str, record_id: int) -> HttpResponse:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in OWN_ORIGINS:  # only from the link's own page
        return _closed(request, "unknown")
    link, state = _open_link(token)
    if state != LinkState.LIVE:
        return _closed(request, state)
    record = EvidenceRecord.objects.filter(attempt=link.attempt, pk=record_id).first()
    if record is None or not record.has_file:
        return render(request, "candidates/no_file.html", {"token": token}, status=404)
    audit_record(
        user=None,
        actor=services.CANDIDATE,
        action=EVIDENCE_VIEW,
        attempt=link.attempt,
        summary=f"The candidate opened {record.label} ({record.get_data_type_display().lower()}, "
        f"{record.get_device_display().lower()}, #{record.position}) through their response link",
        detail={
            "record": record.pk,
            "device": record.device,
            "position": record.position,
            "label": record.label,
            "link": link.pk,
        },
    )
    try:
        file = open_evidence_file(record)
    except (AutoProctorError, NotMedia) as error:
        logger.warning("Evidence file of record %s not served to a candidate: %s", record.pk, error)
        return render(request, "candidates/no_file.html", {"token": token}, status=502)
    response = StreamingHttpResponse(file.chunks(), content_type=file.content_type)
    if file.length is not None:
        response["Content-Length"] = str(file.length)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
