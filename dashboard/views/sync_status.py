"""`/sync/`: is the worker keeping up? The running passes' progress (kept up to date by
static/js/sync_progress.js), the last sync runs (a results pass's tier, and how often each
tier runs), the attempts whose evidence keeps failing,
when the schedules run next, the latest webhook deliveries, and a "sync now" button.

"Sync now" queues the scheduled results task (which queues the evidence pass when it is done)
for the worker; it never runs a pass inside the web request. Each rendering of the page carries
a one-time token, so a double click or a resent form queues one pass, not two.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.tasks import async_task

from access.permissions import RUN_SYNC, VIEW_ATTEMPTS, can, require
from audit.services import audit_record
from dashboard.selectors.progress import blank_progress, progress_payload
from notifications.selectors import recent_deliveries, webhooks_configured
from proctoring.models import Attempt, SyncRun
from proctoring.sync.drift import latest_warnings

logger = logging.getLogger(__name__)

RECENT_RUNS = 20
FAILING_ATTEMPTS = 50
# The scheduled pass: results, then (queued by that task) evidence.
FULL_PASS_TASK = "proctoring.tasks.sync_results_task"  # noqa: S105 - a task path
TOKENS_KEY = "sync.now_tokens"  # noqa: S105 - a session key, not a secret
MAX_TOKENS = 10


def _queued_tasks():
    """How many tasks wait for a worker; None when the queue does not answer."""
    try:
        return get_broker().queue_size()
    except Exception:  # a broker that is down must not take the status page with it
        logger.warning("The task queue did not answer", exc_info=True)
        return None


def _new_token(request) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(TOKENS_KEY, [])
    request.session[TOKENS_KEY] = [*tokens, token][-MAX_TOKENS:]
    return token


def _use_token(request, token: str) -> bool:
    """True the first time a token from this session's pages comes back, False after."""
    tokens = request.session.get(TOKENS_KEY, [])
    if not token or token not in tokens:
        return False
    request.session[TOKENS_KEY] = [each for each in tokens if each != token]
    return True


@require(RUN_SYNC)
def sync_status(request: HttpRequest) -> HttpResponse:
    failing = Attempt.objects.filter(sync_error_count__gt=0)
    context = {
        "nav": "sync",
        "runs": SyncRun.objects.order_by("-started_at", "-pk")[:RECENT_RUNS],
        "failing_count": failing.count(),
        "failing": failing.order_by("-sync_error_at", "-pk").only(
            "pk",
            "test_attempt_id",
            "candidate_name",
            "sync_error",
            "sync_error_at",
            "sync_error_count",
        )[:FAILING_ATTEMPTS],
        "schedules": Schedule.objects.order_by("next_run", "pk"),
        "now": timezone.now(),
        "queued": _queued_tasks(),
        "token": _new_token(request),
        "can_open_reports": can(request.user, VIEW_ATTEMPTS),
        "drift_warnings": latest_warnings(),
        "progress": progress_payload(),
        "blank_run": blank_progress(),
        "deliveries": recent_deliveries(),
        "webhooks_configured": webhooks_configured(),
        "tiers": {
            "settle_hours": settings.SYNC_SETTLE_HOURS,
            "settle_sweep_minutes": settings.SYNC_SETTLE_SWEEP_MINUTES,
            "full_sweep_hours": settings.SYNC_FULL_SWEEP_HOURS,
        },
    }
    return render(request, "sync/status.html", context)


@require(RUN_SYNC)
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    if not _use_token(request, request.POST.get("token", "")):
        messages.warning(
            request,
            "That sync request was already sent, so nothing more was queued. Use the button "
            "on this page to queue another pass.",
        )
        return redirect("sync-status")
    task_id = async_task(FULL_PASS_TASK, task_name=f"sync now ({request.user.get_username()})")
    audit_record(
        user=request.user,
        action="sync.start",
        summary="Queued a sync pass (results, then evidence)",
        detail={"task": task_id},
    )
    messages.success(
        request,
        "A sync pass is queued: results first, then evidence. The worker (manage.py qcluster) "
        "picks it up within seconds; its progress shows under Running now.",
    )
    return redirect("sync-status")
