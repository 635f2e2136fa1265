"""`/charts/*.json`: the data each chart draws, read by static/js/charts.js.

Charts are drawn from JSON rather than from data inlined in the page because the
Content-Security-Policy forbids inline scripts.
"""

from django.http import JsonResponse

from dashboard import charts
from dashboard.permissions import VIEW_ATTEMPTS, VIEW_USAGE, require


def _json(data):
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


@require(VIEW_ATTEMPTS)
def attempts_per_day(request):
    return _json(charts.attempts_per_day())


@require(VIEW_ATTEMPTS)
def trust_distribution(request):
    return _json(charts.trust_distribution())


@require(VIEW_ATTEMPTS)
def violations_by_label(request):
    return _json(charts.violations_by_label())


@require(VIEW_ATTEMPTS, VIEW_USAGE)
def credit_balance(request):
    return _json(charts.credit_balance())
