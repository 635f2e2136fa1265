"""`/`: headline figures and charts of everything synced so far (computed once per data
generation: dashboard.chart_cache)."""

from django.shortcuts import render

from dashboard import charts, selectors
from dashboard.chart_cache import per_generation
from dashboard.permissions import RUN_SYNC, USE_CONSOLE, VIEW_ATTEMPTS, VIEW_USAGE, can, require
from proctoring.sync.drift import alarms, latest_warnings


@require(VIEW_ATTEMPTS)
def overview(request):
    show_usage = can(request.user, VIEW_USAGE)
    figures, per_day, trust, violations = per_generation(
        selectors.overview_figures,
        charts.attempts_per_day,
        charts.trust_distribution,
        charts.violations_by_label,
    )
    context = {
        "nav": "overview",
        "figures": figures,
        "usage": selectors.latest_usage() if show_usage else None,
        "show_usage": show_usage,
        "attempts_per_day": per_day,
        "trust_distribution": trust,
        "violations_by_label": violations,
        "credit_balance": charts.credit_balance() if show_usage else None,
        # Test admins (who run the sync) are told when AutoProctor's answers drifted.
        "drift_alarms": alarms(latest_warnings()) if can(request.user, RUN_SYNC) else [],
        "can_check_account": can(request.user, USE_CONSOLE),
    }
    return render(request, "dashboard/overview.html", context)
