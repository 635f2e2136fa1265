"""`/`: headline figures and charts of everything synced so far (computed once per data
generation: dashboard.chart_cache), with a banner of the running passes' progress for those
who run the sync. Until a sync has stored an attempt, the getting-started page instead: what
is set up and what is missing, for test admins; "ask your test admin" for everyone else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.permissions import RUN_SYNC, USE_CONSOLE, VIEW_ATTEMPTS, VIEW_USAGE, can, require
from dashboard import selectors
from dashboard.chart_cache import per_generation
from dashboard.selectors import charts, tallied
from dashboard.selectors.progress import blank_progress, progress_payload
from dashboard.selectors.setup import setup_steps
from proctoring.sync.drift import alarms, latest_warnings


@require(VIEW_ATTEMPTS)
def overview(request: HttpRequest) -> HttpResponse:
    runs_sync = can(request.user, RUN_SYNC)
    figures, per_day, trust, violations = per_generation(
        request.user,
        tallied.overview_figures,
        tallied.attempts_per_day,
        tallied.trust_distribution,
        tallied.violations_by_label,
    )
    if not figures["attempts"]:  # from the cache: no query of its own once data arrived
        return getting_started(request, runs_sync=runs_sync)
    show_usage = can(request.user, VIEW_USAGE)
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
        "drift_alarms": alarms(latest_warnings()) if runs_sync else [],
        "can_check_account": can(request.user, USE_CONSOLE),
        "progress": progress_payload() if runs_sync else None,
        "blank_run": blank_progress(),
    }
    return render(request, "dashboard/overview.html", context)


def getting_started(request: HttpRequest, *, runs_sync: bool) -> HttpResponse:
    """The first-run page. Only those who run the sync see the settings' state."""
    steps = setup_steps() if runs_sync else []
    context = {
        "nav": "overview",
        "runs_sync": runs_sync,
        "steps": steps,
        "missing": [step for step in steps if step.done is False],
        "can_check_account": can(request.user, USE_CONSOLE),
        "progress": progress_payload() if runs_sync else None,
        "blank_run": blank_progress(),
    }
    return render(request, "dashboard/getting_started.html", context)
