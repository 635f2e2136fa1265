"""`/tests/<lookup_key>/`: one test's figures, charts, calibration and collusion signals; its
charts' JSON; a test admin's per-test review threshold; two attempts side by side."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from access.permissions import (
    EXPORT_ATTEMPTS,
    REVIEW_ATTEMPTS,
    SET_THRESHOLDS,
    VIEW_ATTEMPTS,
    VIEW_EVIDENCE,
    VIEW_USAGE,
    attempt_for,
    can,
    require,
    test_for,
)
from analytics import calibration, cohort, collusion, test_tallies
from autoproctor.storable import storable_text
from proctoring.models import Attempt
from review import services as review_services
from review import thresholds

# A window dismissed in one action is at most this long.
MAX_WINDOW_MINUTES = 60


def _figures(request, lookup_key, *permissions):
    """The test's figures, or 404 when it has no attempt or is outside the user's tests."""
    test_for(request.user, lookup_key, *permissions)
    figures = test_tallies.figures_of(lookup_key)
    if figures is None:
        raise Http404(f"No attempt has the lookup key {lookup_key!r}.")
    return figures


@require(VIEW_ATTEMPTS)
def test_page(request: HttpRequest, lookup_key: str) -> HttpResponse:
    figures = _figures(request, lookup_key)
    scored_bands = test_tallies.bands(lookup_key)
    context = {
        "nav": "tests",
        "figures": figures,
        "trust_distribution": test_tallies.trust_distribution(scored_bands, figures.threshold),
        "violations_by_label": cohort.violations_by_label(lookup_key),
        "outcomes": calibration.label_outcomes(lookup_key),
        "suggestion": calibration.suggest_threshold(lookup_key, scored_bands),
        "coverage": calibration.COVERAGE,
        "pairs": collusion.similar_pairs(lookup_key),
        "shared_emails": collusion.shared_emails(lookup_key),
        "shared_names": collusion.names_under_several_emails(lookup_key),
        "collusion": collusion,
        "strip": cohort.minute_strip(lookup_key),
        "can_set_threshold": can(request.user, SET_THRESHOLDS),
        "can_review": can(request.user, REVIEW_ATTEMPTS),
        "can_export_cases": can(request.user, EXPORT_ATTEMPTS, VIEW_EVIDENCE),
        # Credits are usage: shown to those /usage/ is for.
        "can_see_credits": can(request.user, VIEW_USAGE),
    }
    return render(request, "analytics/test_page.html", context)


def _json(data):
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


@require(VIEW_ATTEMPTS)
def trust_chart(request: HttpRequest, lookup_key: str) -> JsonResponse:
    test_for(request.user, lookup_key)
    attempts = Attempt.objects.filter(lookup_key=lookup_key)
    if not attempts.exists():
        raise Http404(f"No attempt has the lookup key {lookup_key!r}.")
    threshold = thresholds.threshold_for(lookup_key)
    return _json(test_tallies.trust_distribution(test_tallies.bands(lookup_key), threshold))


@require(VIEW_ATTEMPTS)
def labels_chart(request: HttpRequest, lookup_key: str) -> JsonResponse:
    test_for(request.user, lookup_key)
    return _json(cohort.violations_by_label(lookup_key))


@require(VIEW_ATTEMPTS, SET_THRESHOLDS)
@require_POST
def set_threshold(request: HttpRequest, lookup_key: str) -> HttpResponse:
    _figures(request, lookup_key, SET_THRESHOLDS)
    text = request.POST.get("threshold", "").strip()
    reason = request.POST.get("reason", "").strip()
    try:
        value = thresholds.parse_percent(text) if text else None
        thresholds.set_threshold(
            user=request.user, lookup_key=lookup_key, threshold=value, reason=reason
        )
    except thresholds.ThresholdRefused as refused:
        messages.error(request, f"The threshold was not changed. {refused}")
    else:
        if value is None:
            messages.success(request, "This test uses the default review threshold again.")
        else:
            messages.success(request, f"This test's review threshold is now {value:.2%}.")
    return redirect("test-page", lookup_key=lookup_key)


@require(VIEW_ATTEMPTS)
def compare(request: HttpRequest, lookup_key: str, first_id: int, second_id: int) -> HttpResponse:
    """Two attempts of the test side by side: their violations minute by minute."""
    test_for(request.user, lookup_key)
    first = attempt_for(request.user, first_id)
    second = attempt_for(request.user, second_id)
    if first.lookup_key != lookup_key or second.lookup_key != lookup_key:
        raise Http404("Both attempts must belong to this test.")
    sets = collusion.minute_sets(Attempt.objects.filter(pk__in=[first.pk, second.pk]))
    one, other = sets.get(first.pk, set()), sets.get(second.pk, set())
    rows = [
        (minute, label, (label, minute) in one, (label, minute) in other)
        for label, minute in sorted(one | other, key=lambda item: (item[1], item[0]))
    ]
    context = {
        "nav": "tests",
        "lookup_key": lookup_key,
        "both": [first, second],
        "rows": rows,
        "shared": len(one & other),
    }
    return render(request, "analytics/compare.html", context)


@require(VIEW_ATTEMPTS, REVIEW_ATTEMPTS)
@require_POST
def dismiss_window(request: HttpRequest, lookup_key: str) -> HttpResponse:
    """Dismiss one label for a time window across the test (a spike the room shared)."""
    _figures(request, lookup_key, REVIEW_ATTEMPTS)
    try:
        # parse_datetime returns None for a wrong form, raises for a right form out of range.
        start = parse_datetime(request.POST.get("start", "").strip() or "x")
    except ValueError:
        start = None
    try:
        minutes = int(request.POST.get("minutes", "1"))
    except ValueError:
        minutes = 0
    end = None
    if start is not None and not timezone.is_naive(start) and 1 <= minutes <= MAX_WINDOW_MINUTES:
        try:
            # Aware datetimes add in local time: 9999-12-31T23:59:59+14:00 has no minute after
            # (and 0001-01-01T00:00+14:00 no time in UTC, which the database stores).
            start = start.astimezone(UTC)
            end = start + timedelta(minutes=minutes)
        except OverflowError:
            end = None
    if end is None:
        messages.error(
            request,
            "Nothing was dismissed: the window was not understood. Send start as an ISO 8601 "
            f"time with its offset (before the year 9999) and minutes between 1 and "
            f"{MAX_WINDOW_MINUTES}.",
        )
        return redirect("test-page", lookup_key=lookup_key)
    label = request.POST.get("label", "")
    if "\x00" in label:
        messages.error(request, "Nothing was dismissed: no label holds a NUL character.")
        return redirect("test-page", lookup_key=lookup_key)
    try:
        made = review_services.dismiss_window(
            user=request.user,
            lookup_key=lookup_key,
            label=label,
            start=start,
            end=end,
            reason=storable_text(request.POST.get("reason", "").strip()),
        )
    except review_services.ReviewRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Dismissed {len(made)} event{pluralize(len(made))}.")
    return redirect("test-page", lookup_key=lookup_key)
