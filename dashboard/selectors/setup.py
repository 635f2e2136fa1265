"""What a new installation has set up and what it still lacks, for the getting-started page
(shown on the overview until a sync has stored an attempt).

Every step names the exact setting or command that completes it. The client secret is only
ever reported as set or missing: it is configured on the server, never in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django_q.models import Schedule

from proctoring.models import SyncRun
from proctoring.schedules import schedule_specs
from proctoring.worker import worker_state

DEFAULT_BASE_URL = "https://www.autoproctor.co"
RESTART = "then restart the web and worker processes"


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    done: bool | None  # None: cannot tell
    state: str  # a word or two: "set", "missing", "running", ...
    detail: str = ""
    fix: str = ""  # what to do, naming the setting or command; empty when done


def setup_steps() -> list[SetupStep]:
    return [
        _client_id(),
        _client_secret(),
        _base_url(),
        _schedules(),
        _worker(),
        _first_sync(),
    ]


def _client_id() -> SetupStep:
    if settings.AUTOPROCTOR_CLIENT_ID:
        return SetupStep("client_id", "AutoProctor client id", True, "set")
    return SetupStep(
        "client_id",
        "AutoProctor client id",
        False,
        "missing",
        fix="Set AUTOPROCTOR_CLIENT_ID in the server's environment (.env) to the client id "
        f"on AutoProctor's developer page ({settings.AUTOPROCTOR_DASHBOARD_URL}), {RESTART}.",
    )


def _client_secret() -> SetupStep:
    if settings.AUTOPROCTOR_CLIENT_SECRET:
        return SetupStep("client_secret", "AutoProctor client secret", True, "set")
    return SetupStep(
        "client_secret",
        "AutoProctor client secret",
        False,
        "missing",
        fix="Set AUTOPROCTOR_CLIENT_SECRET in the server's environment (or "
        "AUTOPROCTOR_CLIENT_SECRET_FILE, naming a file that holds it), " + RESTART + ". "
        "It is never entered or shown in the browser.",
    )


def _base_url() -> SetupStep:
    url = settings.AUTOPROCTOR_BASE_URL
    default = url.rstrip("/") == DEFAULT_BASE_URL
    return SetupStep(
        "base_url",
        "AutoProctor address",
        True,
        "default" if default else "set",
        detail=url,
        fix=""
        if default
        else "AUTOPROCTOR_BASE_URL points elsewhere than AutoProctor's "
        "own address: unset it unless AutoProctor gave you this one.",
    )


def _schedules() -> SetupStep:
    wanted = {spec.name for spec in schedule_specs()}
    present = set(Schedule.objects.filter(name__in=wanted).values_list("name", flat=True))
    missing = sorted(wanted - present)
    if not missing:
        return SetupStep("schedules", "Sync schedules", True, "present")
    return SetupStep(
        "schedules",
        "Sync schedules",
        False,
        "missing",
        detail="Missing: " + ", ".join(missing) + ".",
        fix="Run python manage.py setup_schedules (after every deployment).",
    )


def _worker() -> SetupStep:
    state = worker_state()
    if state.running:
        return SetupStep("worker", "Background worker", True, "running", detail=state.detail)
    return SetupStep(
        "worker",
        "Background worker",
        state.running,
        "not seen" if state.running is False else "unknown",
        detail=state.detail,
        fix="Keep python manage.py qcluster running (with Docker Compose: the worker service).",
    )


def _first_sync() -> SetupStep:
    last = (
        SyncRun.objects.filter(kind=SyncRun.Kind.RESULTS)
        .only("status", "error_summary", "started_at")
        .order_by("-started_at", "-pk")
        .first()
    )
    if last is None:
        return SetupStep(
            "first_sync",
            "First sync",
            False,
            "not run yet",
            fix='Press "Sync now" on the sync page, or run python manage.py sync_autoproctor.',
        )
    if last.status == SyncRun.Status.RUNNING:
        return SetupStep("first_sync", "First sync", None, "in progress")
    if last.status == SyncRun.Status.FAILED:
        return SetupStep(
            "first_sync",
            "First sync",
            False,
            "failed",
            detail=last.error_summary.splitlines()[0] if last.error_summary else "",
            fix='Fix what the error names, then press "Sync now" again; "Check my account" '
            "tells which calls work.",
        )
    return SetupStep(
        "first_sync",
        "First sync",
        True,
        "no attempts yet",
        detail="The last pass found no attempts in the AutoProctor account.",
    )
