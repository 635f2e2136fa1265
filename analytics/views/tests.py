"""`/tests/`: one row per test (lookup key) with its figures, sortable and filtered by date."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.permissions import VIEW_ATTEMPTS, VIEW_USAGE, can, require
from access.scopes import scope_of, visible_attempts
from analytics.figures import Figures, test_figures
from analytics.filters import TestsFilter
from analytics.tallied_figures import tallied_test_figures
from proctoring.credit_forecast import credit_forecast

# `?o=<key>` (or `-<key>` for descending): the column to sort by.
SORTS = {
    "test": lambda row: row.lookup_key,
    "attempts": lambda row: row.attempts,
    "submitted": lambda row: row.submitted,
    "median": lambda row: -1 if row.median_trust is None else row.median_trust,
    "below": lambda row: -1 if row.below_share is None else row.below_share,
    "review": lambda row: row.needs_review,
    "confirmed": lambda row: row.confirmed,
    "credits": lambda row: row.credits if isinstance(row.credits, int) else -1,
    "first": lambda row: row.first_attempt.timestamp() if row.first_attempt else 0,
    "last": lambda row: row.last_attempt.timestamp() if row.last_attempt else 0,
}
DEFAULT_SORT = "-last"


def _sorted(rows: list[Figures], param: str, sorts: dict) -> tuple[list[Figures], str]:
    key = param.lstrip("-")
    if key not in sorts:
        param, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    # Ties keep the tests in name order, whichever the direction.
    rows = sorted(rows, key=lambda row: row.lookup_key)
    return sorted(rows, key=SORTS[key], reverse=param.startswith("-")), param


def _figures(request: HttpRequest, tests_filter: TestsFilter) -> list[Figures]:
    """Over every date the tallies hold the figures; within dates they are counted from rows."""
    form = tests_filter.form
    if form.is_valid() and not form.cleaned_data.get("started"):
        return tallied_test_figures(scope_of(request.user))
    return test_figures(tests_filter.qs)


@require(VIEW_ATTEMPTS)
def tests_index(request: HttpRequest) -> HttpResponse:
    tests_filter = TestsFilter(request.GET, queryset=visible_attempts(request.user))
    # Credits are usage: their column (and sorting by it) only for those /usage/ is for.
    sees_credits = can(request.user, VIEW_USAGE)
    sorts = SORTS if sees_credits else {k: v for k, v in SORTS.items() if k != "credits"}
    rows, sort = _sorted(_figures(request, tests_filter), request.GET.get("o", DEFAULT_SORT), sorts)
    query = request.GET.copy()
    query.pop("o", None)
    headers = [
        (key, title, f"-{key}" if sort == key else key, sort.lstrip("-") == key)
        for key, title in [
            ("test", "Test"),
            ("attempts", "Attempts"),
            ("submitted", "Submitted"),
            ("median", "Median trust"),
            ("below", "Below threshold"),
            ("review", "Needs review"),
            ("confirmed", "Confirmed violations"),
            ("credits", "Credits"),
            ("first", "First attempt"),
            ("last", "Last attempt"),
        ]
        if key in sorts
    ]
    context = {
        "nav": "tests",
        "filter": tests_filter,
        "rows": rows,
        "headers": headers,
        "sort": sort,
        "filter_query": query.urlencode(),
        # Attempts with no test key belong to no test, but they were taken and cost credits:
        # say how many, so the table's total and the usage page's agree.
        "without_key": tests_filter.qs.filter(lookup_key="").count(),
        # Those who see usage (test admins) are warned here too when credits run low.
        "forecast": credit_forecast() if sees_credits else None,
        "sees_credits": sees_credits,
    }
    return render(request, "analytics/tests_index.html", context)
