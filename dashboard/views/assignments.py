"""`/review/assign/`: test admins give a test's queue, or a share of it, to named reviewers
(review.assignments); each reviewer's "next" then offers their attempts first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from access.params import row_id
from access.permissions import OVERTURN_VERDICTS, REVIEW_ATTEMPTS, VIEW_ATTEMPTS, require
from dashboard import selectors
from review.assignments import assign
from review.models import ReviewAssignment
from review.refusals import ReviewRefused
from review.selectors import queue_in_order


def reviewers():
    """Active users who may review: by a group's permission, their own, or as superusers."""
    may_review = Q(groups__permissions__codename="review_attempts") | Q(
        user_permissions__codename="review_attempts"
    )
    return (
        get_user_model()
        .objects.filter(may_review | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS, OVERTURN_VERDICTS)
def assign_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.review_queue(request.user)
    tests = sorted(
        key for key in queue.order_by().values_list("lookup_key", flat=True).distinct() if key
    )
    if request.method == "POST":
        try:
            lookup_key = request.POST.get("lookup_key", "")
            if lookup_key not in tests:
                raise ReviewRefused("Choose a test whose queue has attempts; nothing was assigned.")
            ids = [row_id(value) for value in request.POST.getlist("reviewers")]
            chosen = list(reviewers().filter(pk__in=[pk for pk in ids if pk is not None]))
            each = request.POST.get("each", "").strip()
            if each and row_id(each) is None:
                raise ReviewRefused("Attempts each: a whole number, or empty for the whole queue.")
            counts = assign(
                user=request.user,
                queue=queue_in_order(queue.filter(lookup_key=lookup_key)),
                reviewers=chosen,
                each=row_id(each) if each else None,
            )
            done = ", ".join(f"{count} to {name}" for name, count in counts.items())
            messages.success(request, f"{lookup_key}: assigned {done}.")
        except ReviewRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("review-assign")
    current = (
        ReviewAssignment.objects.filter(attempt__in=queue)
        .values("attempt__lookup_key", "reviewer_name")
        .annotate(count=Count("pk"))
        .order_by("attempt__lookup_key", "reviewer_name")
    )
    context = {
        "nav": "review",
        "tests": [(key, queue.filter(lookup_key=key).count()) for key in tests],
        "reviewers": reviewers(),
        "current": current,
    }
    return render(request, "review/assign.html", context)
