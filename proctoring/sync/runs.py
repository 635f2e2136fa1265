"""SyncRun bookkeeping: every stage of every pass leaves one row saying what it did and what
went wrong, so the dashboard can show when data last arrived and why it did not.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from proctoring import signals
from proctoring.models import SyncRun
from proctoring.sync import drift

# error_summary is read by people: the first problems tell the story, the rest is a count.
MAX_SUMMARY_LINES = 50
MAX_LINE_LENGTH = 500
# How far back a failing streak is counted: enough for any alert threshold worth setting.
STREAK_LOOKBACK = 50


def worker_name() -> str:
    """This process, as host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def start_run(kind: str) -> SyncRun:
    close_interrupted_runs(kind)
    return SyncRun.objects.create(kind=kind, status=SyncRun.Status.RUNNING, worker=worker_name())


def close_interrupted_runs(kind: str) -> int:
    """Mark as failed the runs still 'running' whose process on this host no longer exists
    (killed, or the machine restarted), so the dashboard does not show them running forever."""
    host = socket.gethostname()
    dead = [
        run.pk
        for run in SyncRun.objects.filter(
            kind=kind, status=SyncRun.Status.RUNNING, worker__startswith=f"{host}:"
        ).only("pk", "worker")
        if not process_exists(run.worker.rpartition(":")[2])
    ]
    if not dead:
        return 0
    return SyncRun.objects.filter(pk__in=dead, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        error_summary="Interrupted: the worker stopped before the run finished. "
        "The next run picks up where it left off.",
    )


def process_exists(pid_text: str) -> bool:
    """Whether the process with this id (as text) exists on this machine."""
    if not pid_text.isdigit():
        return True  # not ours to judge
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def finish_run(run: SyncRun, problems: Iterable[str] = (), *, status: str | None = None) -> SyncRun:
    """Close the run. Without an explicit status: partial when anything failed, else succeeded."""
    problems = list(problems)
    if status is None:
        status = SyncRun.Status.PARTIAL if run.failed or problems else SyncRun.Status.SUCCEEDED
    run.status = status
    run.error_summary = summarise(problems)
    run.finished_at = timezone.now()
    run.save()
    announce_outcome(run)
    return run


def announce_outcome(run: SyncRun) -> None:
    """Tell listeners (proctoring.signals) that a stage failed again or recovered, and about
    the pass's drift alarms."""
    statuses = list(
        SyncRun.objects.filter(kind=run.kind, pk__lte=run.pk)
        .exclude(status__in=[SyncRun.Status.SKIPPED, SyncRun.Status.RUNNING])
        .order_by("-pk")
        .values_list("status", flat=True)[:STREAK_LOOKBACK]
    )
    if run.status == SyncRun.Status.FAILED:
        signals.announce(
            signals.sync_stage_failed,
            kind=run.kind,
            failures=_failed_in_a_row(statuses),
            error=run.error_summary.partition("\n")[0],
        )
    elif _failed_in_a_row(statuses[1:]):
        signals.announce(
            signals.sync_stage_recovered, kind=run.kind, failures=_failed_in_a_row(statuses[1:])
        )
    found = drift.alarms(run.warnings)
    if found:
        signals.announce(signals.drift_warning, run_id=run.pk, kind=run.kind, warnings=found)


def _failed_in_a_row(statuses: list[str]) -> int:
    failed = 0
    for status in statuses:
        if status != SyncRun.Status.FAILED:
            break
        failed += 1
    return failed


def fail_run(run: SyncRun, error: BaseException, problems: Iterable[str] = ()) -> SyncRun:
    """Close the run as failed; the error's message (naming cause and fix) comes first."""
    return finish_run(run, [safe_message(error), *problems], status=SyncRun.Status.FAILED)


def database_gone(error: BaseException) -> bool:
    """Whether `error` says the database stopped answering (refused or lost connection), not
    that it refused one value: the rest of the pass would fail the same way, so it stops
    instead of trying (and logging) every remaining attempt."""
    return isinstance(error, OperationalError | InterfaceError)


def close_after_crash(run: SyncRun, error: BaseException) -> None:
    """An unexpected error (a bug, the database going away) is about to propagate: record it
    if the database still answers, so the run does not stay 'running'."""
    with contextlib.suppress(DatabaseError):
        finish_run(
            run,
            [f"Unexpected error ({type(error).__name__}): {safe_message(error)}"],
            status=SyncRun.Status.FAILED,
        )


def skipped_run(kind: str, reason: str) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        kind=kind,
        worker=worker_name(),
        status=SyncRun.Status.SKIPPED,
        started_at=now,
        finished_at=now,
        error_summary=reason,
    )


def summarise(problems: list[str]) -> str:
    lines = [redact(line)[:MAX_LINE_LENGTH] for line in problems[:MAX_SUMMARY_LINES]]
    if len(problems) > MAX_SUMMARY_LINES:
        lines.append(f"... and {len(problems) - MAX_SUMMARY_LINES} more")
    return "\n".join(lines)


def safe_message(error: BaseException) -> str:
    """An exception as text fit for the database, a log line or a page."""
    text = str(error) or type(error).__name__
    return redact(text)


def redact(text: str) -> str:
    """The API client never puts the secret in a message; this makes sure nothing else does."""
    secret = settings.AUTOPROCTOR_CLIENT_SECRET
    return text.replace(secret, "[secret]") if secret else text
