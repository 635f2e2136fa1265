"""django-q2 tasks: thin wrappers that run one sync stage in the worker (`manage.py qcluster`).

Schedules point at these functions (see proctoring.schedules). A stage that fails raises
SyncFailed, and one that stored only part of what it read (a partly failed run) raises
SyncPartlyFailed after queuing what follows it, so the worker's task list shows either as a
failed task with its reason, as `sync_autoproctor` exits non-zero for both; the SyncRun row
holds the details either way.
"""

from __future__ import annotations

from django_q.tasks import async_task

from proctoring.models import SyncRun
from proctoring.sync import sync_evidence, sync_results, sync_usage


class SyncFailed(Exception):
    """A sync stage failed; the message is the SyncRun's error summary."""


class SyncPartlyFailed(Exception):
    """A sync stage stored only part of what it read; the message says what and why."""


def sync_results_task() -> dict:
    """The results pass, then (unless another pass holds the lease and will do it) the
    evidence pass as a task of its own (also after a partly failed pass: what was stored has
    evidence to fetch)."""
    run = sync_results()
    _raise_if_failed(run)
    if run.status != SyncRun.Status.SKIPPED:
        async_task("proctoring.tasks.sync_evidence_task", task_name="sync evidence")
    return summary(_raise_if_partly_failed(run))


def sync_evidence_task() -> dict:
    return summary(_raise_if_partly_failed(_raise_if_failed(sync_evidence())))


def sync_usage_task() -> dict:
    return summary(_raise_if_partly_failed(_raise_if_failed(sync_usage())))


def _raise_if_failed(run: SyncRun) -> SyncRun:
    if run.status == SyncRun.Status.FAILED:
        raise SyncFailed(f"{run.get_kind_display()} sync failed: {run.error_summary}")
    return run


def _raise_if_partly_failed(run: SyncRun) -> SyncRun:
    if run.status == SyncRun.Status.PARTIAL:
        raise SyncPartlyFailed(partly_failed_reason(run))
    return run


def partly_failed_reason(run: SyncRun) -> str:
    """E.g. "Results sync partly failed: 155 of 160 attempts read were not stored: ..."."""
    read = run.created + run.updated + run.unchanged + run.failed
    if run.kind == SyncRun.Kind.RESULTS:
        what = f"{run.failed:,} of {read:,} attempts read were not stored"
    elif run.kind == SyncRun.Kind.EVIDENCE:
        what = f"the evidence of {run.failed:,} attempts was not fetched"
    else:
        what = "not everything was stored"
    first = (run.error_summary or "").partition("\n")[0]
    return f"{run.get_kind_display()} sync partly failed: {what}" + (f": {first}" if first else "")


def summary(run: SyncRun) -> dict:
    return {
        "run": run.pk,
        "kind": run.kind,
        "status": run.status,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "failed": run.failed,
    }
