"""`/console/doctor/`: the "Check my account" button, the same check as
`manage.py autoproctor_doctor`, for test admins who have no shell on the server."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from access.permissions import USE_CONSOLE, require
from audit.services import audit_record
from autoproctor import NotConfigured
from autoproctor.doctor import run_doctor
from autoproctor.doctor_report import CAPABILITIES
from console import ratelimit as console_ratelimit
from proctoring.sync.profile import profiled_client, store_report

# A web request should not wait the full API timeout on each of a dozen calls, nor long for
# retries: one retry each, within a short total budget.
MAX_TIMEOUT_SECONDS = 10.0
MAX_RETRIES = 1
MAX_BUDGET_SECONDS = 20.0


@require(USE_CONSOLE)
@require_POST
def console_doctor(request: HttpRequest) -> HttpResponse:
    # The console's header (the target and the limit) shows here as on its other pages.
    context = {
        "nav": "console",
        "base_url": settings.AUTOPROCTOR_BASE_URL,
        "client_id": settings.AUTOPROCTOR_CLIENT_ID,
        "limit": console_ratelimit.REQUESTS_PER_MINUTE,
    }
    try:
        client = profiled_client(max_retries=min(settings.AUTOPROCTOR_MAX_RETRIES, MAX_RETRIES))
    except NotConfigured as error:
        context["error"] = str(error)
        return render(request, "console/doctor.html", context)
    with client:
        report = run_doctor(
            client,
            timeout=min(settings.AUTOPROCTOR_TIMEOUT, MAX_TIMEOUT_SECONDS),
            budget_seconds=min(settings.AUTOPROCTOR_DOCTOR_BUDGET_SECONDS, MAX_BUDGET_SECONDS),
        )
    store_report(report)
    audit_record(
        user=request.user,
        action="console.doctor",
        summary="Checked the AutoProctor account: " + ("works" if report.ok else "failed"),
        detail={name: verdict.ok for name, verdict in report.verdicts.items()},
    )
    context |= {
        "report": report,
        "verdicts": [report.verdicts[name] for name in CAPABILITIES if name in report.verdicts],
        "text": "\n".join(report.lines()),
    }
    return render(request, "console/doctor.html", context)
