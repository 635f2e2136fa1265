"""The progress of running sync passes, as the sync page, the overview banner and their JSON
endpoint show it: figures only (counts, rate, time left), never an attempt or a person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from proctoring.models import SyncRun
from proctoring.progress_text import FIGURES, progress_figures

# A page asks after the runs it shows; more than this is not a page of ours.
MAX_RUNS_ASKED = 20
RUN_FIELDS = (
    "pk",
    "kind",
    "status",
    "mode",
    "started_at",
    "created",
    "updated",
    "unchanged",
    "failed",
    "pages_read",
    "pages_total",
    "items_done",
    "items_total",
    "concurrency",
    "rate",
    "progress_at",
)


def progress_runs(also: Iterable[int] = ()) -> list[SyncRun]:
    """The running passes, and the runs `also` names (a page's runs, to see them finish), in
    one query, oldest first."""
    wanted = list(also)[:MAX_RUNS_ASKED]
    running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING)
    if wanted:
        running = running | SyncRun.objects.filter(pk__in=wanted)
    return list(running.only(*RUN_FIELDS).order_by("started_at", "pk"))


def run_progress(run: SyncRun) -> dict[str, Any]:
    """One run's progress: numbers for scripts, phrases for people (the same as the command
    line's), and the percentage done when the total is known."""
    percent = None
    if run.items_total:
        percent = round(min(100.0, 100 * run.items_done / run.items_total), 1)
    elif run.items_total == 0 or run.status != SyncRun.Status.RUNNING:
        percent = 100.0
    running = run.status == SyncRun.Status.RUNNING
    figures = progress_figures(run)
    if not running:
        figures["left"] = ""
        figures["concurrency"] = ""
    started = timezone.localtime(run.started_at)
    return {
        "id": run.pk,
        "kind": run.get_kind_display(),
        "status": run.status,
        "status_label": run.get_status_display(),
        "running": running,
        "started_at": run.started_at.isoformat(),
        "started": f"started {started:%H:%M:%S}",
        "done": run.items_done,
        "total": run.items_total,
        "percent": percent,
        "rate": run.rate,
        "checkpoint_at": run.progress_at.isoformat() if run.progress_at else None,
        "figures": figures,
    }


def progress_payload(also: Iterable[int] = ()) -> dict[str, Any]:
    return {
        "polled_at": timezone.now().isoformat(),
        "runs": [run_progress(run) for run in progress_runs(also)],
    }


def blank_progress() -> dict[str, Any]:
    """A run's progress with every figure empty: the card the page's script fills in for a
    pass that starts after the page was rendered."""
    return {
        "id": "",
        "kind": "",
        "status": "",
        "status_label": "",
        "started": "",
        "percent": None,
        "figures": dict.fromkeys(FIGURES, ""),
    }
