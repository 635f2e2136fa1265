"""The staff's actions on the candidate's side, from an attempt's report: make a response link
(emailed, or shown once to pass on), revoke it, and download everything held about the
attempt's candidate. POST only, so another site cannot start them in a user's name."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from access.permissions import (
    EXPORT_ATTEMPTS,
    REVIEW_ATTEMPTS,
    VIEW_ATTEMPTS,
    VIEW_EVIDENCE,
    attempt_for,
    require,
)
from candidates import services
from candidates.export import candidate_export_name, candidate_export_stream
from candidates.models import ResponseLink
from candidates.selectors import may_export_candidates


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def create_link(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for(request.user, attempt_id)
    link, token = services.create_link(attempt=attempt, user=request.user)
    base = settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
    url = services.link_address(token, base)
    emailed = services.email_link(link=link, url=url)
    response = render(
        request,
        "candidates/link_made.html",
        {
            "nav": "attempts",
            "attempt": attempt,
            "link": link,
            "emailed": emailed,
            # Shown this once when it was not emailed: only its hash is kept.
            "url": "" if emailed else url,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def revoke_link(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Close the attempt's open link (there is at most one: a new link closes the last)."""
    attempt = attempt_for(request.user, attempt_id)
    for link in ResponseLink.objects.filter(attempt=attempt, revoked_at__isnull=True):
        services.revoke_link(link=link, user=request.user)
    return redirect("attempt-report", attempt_id=attempt.pk)


@require(VIEW_ATTEMPTS, VIEW_EVIDENCE, EXPORT_ATTEMPTS)
@require_POST
def export_candidate(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Everything held about this attempt's candidate (every attempt with their email)."""
    attempt = attempt_for(request.user, attempt_id)
    if not may_export_candidates(request.user):
        return HttpResponse(
            "A candidate's copy holds their attempts of every test, and your role is limited to "
            "some tests: ask a test admin whose role reaches every test to make it.",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    if not attempt.candidate_email:
        return HttpResponse(
            "This attempt has no candidate email (erased, or never sent), so there is no "
            "candidate to export: find one of the candidate's attempts that has it.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    email = attempt.candidate_email
    stream = candidate_export_stream(email, user=request.user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{candidate_export_name(email)}"'
    response["Cache-Control"] = "private, no-store"
    return response
