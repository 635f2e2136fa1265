"""Claims on the review queue (review.claims): "next" hands each reviewer an attempt nobody else
is reviewing, the report's page keeps its claim alive while it is open (static/js/review.js
sends a light heartbeat) and gives it up when the reviewer leaves, and a test admin may take
over a claim someone left behind.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from access.params import row_id
from access.permissions import (
    REVIEW_ATTEMPTS,
    VIEW_ATTEMPTS,
    attempt_for,
    require,
)
from proctoring.models import Attempt
from review import assignments, claims, queue_walk
from review.permissions import may_overturn_on


def queue_url(attempt: Attempt) -> str:
    return reverse("attempt-report", args=[attempt.pk]) + "?queue=1"


def next_in_queue(
    user, after: Attempt | None = None, *, assigned: bool | None = None
) -> Attempt | None:
    """Claim for `user` the first attempt of the queue after `after` (from the top when there
    is none after it) that nobody else is reviewing: among those assigned to `user` first, then
    among those assigned to no one else (review.assignments). The queue is the one of
    selectors.review_queue, walked by review.queue_walk's statement. `assigned`: whether
    any attempt is assigned to `user`, when the caller has read it already."""
    place = None if after is None else (after.trust_score, after.pk)
    passes = [queue_walk.OPEN]
    # Most reviewers have no assignment: one look at their own rows spares them a walk of the
    # queue that would find nothing.
    if assignments.has_assignments(user) if assigned is None else assigned:
        passes.insert(0, queue_walk.MINE)
    for passage in passes:
        following = claims.claim_walked(user, queue_walk.Walk(passage, place))
        if following is None and after is not None:
            following = claims.claim_walked(user, queue_walk.Walk(passage, skip=(after.pk,)))
        if following is not None:
            return following
    return None


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def next_attempt(request: HttpRequest) -> HttpResponse:
    """The queue's "Start reviewing" and "Next attempt": claim and open the next attempt."""
    after_id = row_id(request.POST.get("after", ""))
    # Where the reviewer was, their claim on it released, and whether they have assignments:
    # one statement (review.queue_walk.leave), as attempt_for would refuse an attempt outside
    # their tests. Then the claim of the next: on PostgreSQL one statement per try. Each
    # commits by itself: only claims move (the two need not be one transaction, and a
    # transaction would cost two round trips more for each of twenty reviewers pressing at once).
    after, assigned = queue_walk.leave(request.user, after_id)
    if after_id is not None and after is None:
        raise Http404("No attempt has that id.")
    following = next_in_queue(request.user, after, assigned=assigned)
    if following is None:
        messages.info(
            request,
            "No attempt is waiting for you: every attempt left in the queue is being reviewed "
            "by someone else, or none is left.",
        )
        return redirect("review-queue")
    return HttpResponseRedirect(queue_url(following))


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def claim(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """renew (the heartbeat), release (the reviewer left), take (a test admin takes over)."""
    attempt = attempt_for(request.user, attempt_id, REVIEW_ATTEMPTS)
    action = request.POST.get("action", "")
    if action == "release":
        claims.release(request.user, attempt, page=request.POST.get("page") or None)
        return JsonResponse({"released": True})
    if action == "take":
        if not may_overturn_on(request.user, lambda: attempt.lookup_key):
            messages.error(request, "Only a test admin can take over another reviewer's claim.")
        else:
            claims.take_over(request.user, attempt)
            messages.success(
                request, "You are reviewing this attempt now; the take-over is in the audit log."
            )
        return HttpResponseRedirect(queue_url(attempt))
    if action != "renew":
        return JsonResponse({"error": "action must be renew, release or take"}, status=400)
    result = claims.claim(request.user, attempt)
    holder = result.claim
    return JsonResponse(
        {
            "mine": result.mine,
            "reviewer": holder.reviewer_name if holder else None,
            "expires_at": holder.expires_at.isoformat() if holder else None,
        }
    )
