"""A full pass: the stages in order, sharing one API client, stopping at the first failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoproctor import NotConfigured
from proctoring.models import SyncRun
from proctoring.sync.evidence import sync_evidence
from proctoring.sync.profile import profiled_client
from proctoring.sync.results import sync_results
from proctoring.sync.usage import sync_usage

if TYPE_CHECKING:
    from collections.abc import Iterable

    from autoproctor import AutoProctorClient
    from proctoring.sync.progress import Observer

STAGES = {
    "results": sync_results,
    "evidence": sync_evidence,
    "usage": sync_usage,
}


def run_full_pass(
    client: AutoProctorClient | None = None,
    stages: Iterable[str] = tuple(STAGES),
    *,
    full: bool = False,
    settle_window: bool = False,
    observer: Observer | None = None,
) -> list[SyncRun]:
    """Run the stages in order. A failed stage (bad credentials, skewed clock, unreachable
    API, ...) ends the pass: the next stages would fail the same way, and the next scheduled
    pass starts over. A skipped stage (another pass holds it) does not. `full`: the results
    stage reads every page (a full sweep) even when an incremental pass would do;
    `settle_window`: it reads the settle window whole (a settle-window sweep). `observer` is
    told of the results and evidence stages' every step (proctoring.sync.progress)."""
    if client is not None:
        return _run_stages(client, stages, full, settle_window, observer)
    try:
        shared = profiled_client()
    except NotConfigured:
        # The first stage records why it cannot run.
        return _run_stages(None, stages, full, settle_window, observer)
    with shared:
        return _run_stages(shared, stages, full, settle_window, observer)


def _run_stages(
    client, stages, full: bool, settle_window: bool, observer: Observer | None
) -> list[SyncRun]:
    done = []
    for name in stages:
        if name == "results":
            run = sync_results(
                client=client, full=full, settle_window=settle_window, observer=observer
            )
        elif name == "evidence":
            run = sync_evidence(client=client, observer=observer)
        else:
            run = STAGES[name](client=client)
        done.append(run)
        if run.status == SyncRun.Status.FAILED:
            break
    return done
