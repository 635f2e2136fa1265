"""`/charts/*.json`: the data each chart draws, read by static/js/charts.js.

Charts are drawn from JSON rather than from data inlined in the page because the
Content-Security-Policy forbids inline scripts. The charts of attempts and violations are read
from the cache of the current data generation (dashboard.chart_cache), which the overview page
has usually filled a moment before.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from access.permissions import VIEW_ATTEMPTS, VIEW_USAGE, require
from dashboard.chart_cache import per_generation
from dashboard.selectors import charts, tallied


def _json(data):
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


@require(VIEW_ATTEMPTS)
def attempts_per_day(request: HttpRequest) -> JsonResponse:
    (data,) = per_generation(request.user, tallied.attempts_per_day)
    return _json(data)


@require(VIEW_ATTEMPTS)
def trust_distribution(request: HttpRequest) -> JsonResponse:
    (data,) = per_generation(request.user, tallied.trust_distribution)
    return _json(data)


@require(VIEW_ATTEMPTS)
def violations_by_label(request: HttpRequest) -> JsonResponse:
    (data,) = per_generation(request.user, tallied.violations_by_label)
    return _json(data)


@require(VIEW_ATTEMPTS, VIEW_USAGE)
def credit_balance(request: HttpRequest) -> JsonResponse:
    return _json(charts.credit_balance())
