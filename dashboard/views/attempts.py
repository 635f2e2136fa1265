"""`/attempts/` (the filtered, sorted list) and `/attempts/<id>/` (one attempt's report)."""

from urllib.parse import quote

from django.conf import settings
from django.shortcuts import render

from dashboard import selectors
from dashboard.filters import AttemptFilter
from dashboard.pagination import COUNT_CAP, capped_count, paginate
from dashboard.permissions import EXPORT_ATTEMPTS, VIEW_ATTEMPTS, attempt_for, can, require
from dashboard.sorting import COLUMNS, Sort


@require(VIEW_ATTEMPTS)
def attempt_list(request):
    attempt_filter = AttemptFilter(request.GET, queryset=selectors.attempt_list())
    sort = Sort.from_param(request.GET.get("o"))
    attempts = attempt_filter.qs
    page = paginate(
        attempts, sort, after=request.GET.get("after"), before=request.GET.get("before")
    )
    # When one page holds every match, its length is the count: no need to ask the database.
    single_page = not (page.has_next or page.has_previous)
    matching = len(page.rows) if single_page else capped_count(attempts)
    headers = [
        {
            "column": column,
            "param": sort.header_param(column),
            "current": column.key == sort.column.key,
            "descending": sort.descending,
        }
        for column in COLUMNS.values()
    ]
    context = {
        "nav": "attempts",
        "filter": attempt_filter,
        "sort": sort,
        "headers": headers,
        "page": page,
        "matching": min(matching, COUNT_CAP),
        "matching_capped": matching > COUNT_CAP,
        "can_export": can(request.user, EXPORT_ATTEMPTS),
    }
    return render(request, "dashboard/attempt_list.html", context)


@require(VIEW_ATTEMPTS)
def attempt_report(request, attempt_id):
    attempt = attempt_for(request.user, attempt_id)
    records = selectors.attempt_timeline(attempt)
    context = {
        "nav": "attempts",
        "attempt": attempt,
        "records": records,
        "violations": sum(1 for record in records if record.is_violation),
        "gallery": [record for record in records if record.has_file],
        "without_file": sum(1 for record in records if not record.has_file),
        "autoproctor_url": "{}/test-attempts/{}/".format(
            settings.AUTOPROCTOR_DASHBOARD_URL, quote(attempt.test_attempt_id, safe="")
        ),
        "review_threshold": settings.REVIEW_THRESHOLD,
    }
    return render(request, "dashboard/attempt_report.html", context)
