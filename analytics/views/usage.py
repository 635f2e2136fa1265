"""`/usage/`: the account's credits, from the latest usage snapshot, their history, and when
they run out at the current rate (proctoring.credit_forecast)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.permissions import VIEW_ATTEMPTS, VIEW_USAGE, require
from dashboard import selectors
from dashboard.selectors import charts
from proctoring.credit_forecast import burn_by_test, credit_forecast


@require(VIEW_ATTEMPTS, VIEW_USAGE)
def usage(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.latest_usage()
    context = {
        "nav": "usage",
        "snapshot": snapshot,
        "by_lookup_key": selectors.usage_by_lookup_key(snapshot) if snapshot else [],
        "credit_balance": charts.credit_balance(),
        "forecast": credit_forecast(),
        "burn_by_test": burn_by_test(),
    }
    return render(request, "dashboard/usage.html", context)
