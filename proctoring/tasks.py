"""django-q2 tasks: thin wrappers that run one sync stage in the worker (`manage.py qcluster`).

Schedules point at these functions (see proctoring.schedules). A stage that fails raises
SyncFailed, so the worker's task list shows the failure and its reason; the SyncRun row
holds the details either way.
"""

from __future__ import annotations

from django_q.tasks import async_task

from proctoring.models import SyncRun
from proctoring.sync import sync_evidence, sync_results, sync_usage


class SyncFailed(Exception):
    """A sync stage failed; the message is the SyncRun's error summary."""


def sync_results_task() -> dict:
    """The results pass, then (unless another pass holds the lease and will do it) the
    evidence pass as a task of its own."""
    run = sync_results()
    _raise_if_failed(run)
    if run.status != SyncRun.Status.SKIPPED:
        async_task("proctoring.tasks.sync_evidence_task", task_name="sync evidence")
    return summary(run)


def sync_evidence_task() -> dict:
    return summary(_raise_if_failed(sync_evidence()))


def sync_usage_task() -> dict:
    return summary(_raise_if_failed(sync_usage()))


def _raise_if_failed(run: SyncRun) -> SyncRun:
    if run.status == SyncRun.Status.FAILED:
        raise SyncFailed(f"{run.get_kind_display()} sync failed: {run.error_summary}")
    return run


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
