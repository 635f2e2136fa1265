"""`/`: headline figures and charts of everything synced so far."""

from django.shortcuts import render

from dashboard import charts, selectors
from dashboard.permissions import VIEW_ATTEMPTS, VIEW_USAGE, can, require


@require(VIEW_ATTEMPTS)
def overview(request):
    show_usage = can(request.user, VIEW_USAGE)
    context = {
        "nav": "overview",
        "figures": selectors.overview_figures(),
        "usage": selectors.latest_usage() if show_usage else None,
        "show_usage": show_usage,
        "attempts_per_day": charts.attempts_per_day(),
        "trust_distribution": charts.trust_distribution(),
        "violations_by_label": charts.violations_by_label(),
        "credit_balance": charts.credit_balance() if show_usage else None,
    }
    return render(request, "dashboard/overview.html", context)
