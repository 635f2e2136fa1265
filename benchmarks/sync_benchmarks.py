"""The sync through its real path: the simulator (in its own process) → the AutoProctor client
→ the sync services → PostgreSQL.

- results: a first sync into an empty database (planner statistics of an empty table, as a new
  installation has), then a re-sync that finds nothing changed, with statistics refreshed in
  between as autovacuum would by the next scheduled pass; reference: the same pages fetched
  and parsed without storing anything (the HTTP floor).
- upsert alone: `upsert_attempts` over the pages already fetched (no HTTP), page by page as the
  sync calls it; reference: COPY of the same rows into the same (empty, indexed) table.
- evidence: the 4-step flow for every attempt, with the default bounded pool of workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from benchmarks import database
from benchmarks.cpu import cpu_of
from benchmarks.measure import median, timed
from benchmarks.simulated_api import SimulatedApi
from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import sync_evidence, sync_results
from proctoring.sync.results import DATA_FIELDS, attempt_values, upsert_attempts

# What the upsert writes for a new attempt, in the order copy_attempts gives the values.
ATTEMPT_COPY_COLUMNS = [
    "client_id",
    "test_attempt_id",
    *DATA_FIELDS,
    "first_seen_at",
    "last_synced_at",
    "sync_error",
    "sync_error_count",
    "violation_count",
]


@dataclass
class ResultsFigures:
    size: int
    first_sync: list[float] = field(default_factory=list)  # seconds per run
    resync: list[float] = field(default_factory=list)
    fetch_only: list[float] = field(default_factory=list)
    stored: int = 0
    resync_unchanged: int = 0

    @property
    def rate(self) -> float:
        return self.size / median(self.first_sync)


def results_sync(size: int, runs: int = 3, *, fetch_only: bool = True) -> ResultsFigures:
    """First sync and re-sync of `size` attempts, `runs` times each (the table emptied before
    every first sync); the fetch-only pass as the reference, unless `fetch_only` is False (the
    sizes whose figures only draw the cost curve: a million attempts' fetch takes a minute)."""
    figures = ResultsFigures(size)
    with SimulatedApi(attempts=size) as api:
        client = api.client()
        for _ in range(runs):
            database.empty_tables()
            seconds, run = timed(sync_results, client=client)
            _check(run, SyncRun.Status.SUCCEEDED)
            figures.first_sync.append(seconds)
            figures.stored = Attempt.objects.count()
            database.analyze()  # what autovacuum does before the next scheduled pass
            # A full sweep: every page again (the incremental pass is the network group's).
            seconds, run = timed(sync_results, client=client, full=True)
            _check(run, SyncRun.Status.SUCCEEDED)
            figures.resync.append(seconds)
            figures.resync_unchanged = run.unchanged
            if fetch_only:
                seconds, _ = timed(fetch_all_pages, client)
                figures.fetch_only.append(seconds)
        client.close()
    return figures


def fetch_all_pages(client) -> list[list]:
    """Every results page, parsed, stored nowhere: the HTTP and parsing part of a sync."""
    return [page.attempts for page in client.iter_result_pages()]


@dataclass
class UpsertFigures:
    size: int
    upsert: list[float] = field(default_factory=list)
    copy: list[float] = field(default_factory=list)

    @property
    def upsert_rate(self) -> float:
        return self.size / median(self.upsert)

    @property
    def copy_rate(self) -> float:
        return self.size / median(self.copy)


def upsert_against_copy(size: int, runs: int = 3) -> UpsertFigures:
    """`upsert_attempts` page by page into the empty table, against COPY of the same rows."""
    with SimulatedApi(attempts=size) as api:
        client = api.client()
        pages = fetch_all_pages(client)
        client_id = client.client_id
        client.close()
    figures = UpsertFigures(sum(len(page) for page in pages))
    for _ in range(runs):
        database.empty_tables()
        seconds, _ = timed(_upsert_pages, client_id, pages)
        figures.upsert.append(seconds)
        database.empty_tables()
        seconds, _ = timed(copy_attempts, client_id, pages)
        figures.copy.append(seconds)
    database.empty_tables()
    return figures


def _upsert_pages(client_id, pages) -> None:
    seen: set[str] = set()
    for attempts in pages:
        upsert_attempts(client_id, attempts, seen=seen)


def copy_attempts(client_id: str, pages) -> None:
    """COPY the rows the upsert would write, converted from the same parsed values."""
    now = timezone.now()
    columns = ", ".join(ATTEMPT_COPY_COLUMNS)
    statement = f"COPY proctoring_attempt ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for attempts in pages:
            for data in attempts:
                values = attempt_values(data)
                values["raw"] = json.dumps(values["raw"])
                copy.write_row(
                    [client_id, data.test_attempt_id, *values.values(), now, now, "", 0, 0]
                )


@dataclass
class EvidenceFigures:
    size: int
    workers: str
    seconds: list[float] = field(default_factory=list)
    attempts: int = 0
    records: int = 0
    peak: int = 0  # the most attempts in flight at once
    cpu_ours: float = 0.0  # CPU seconds of the syncing process (all its threads), last run
    cpu_simulator: float = 0.0  # of the simulator's process
    cpu_database: float = 0.0  # of the PostgreSQL backends serving the run

    @property
    def rate(self) -> float:
        return self.attempts / median(self.seconds)


def evidence_sync(size: int, runs: int = 3, workers: int | None = None) -> EvidenceFigures:
    """The evidence pass over every processed attempt of `size` (results synced first), as the
    product runs it: `workers` None is the adaptive pool (SYNC_EVIDENCE_WORKERS to start,
    up to SYNC_EVIDENCE_MAX_CONCURRENCY); a number pins it. The CPU time of the syncing
    process, of the simulator and of the database backends is measured around the pass."""
    label = (
        f"adaptive, {settings.SYNC_EVIDENCE_WORKERS} to {settings.SYNC_EVIDENCE_MAX_CONCURRENCY}"
        if workers is None
        else f"pinned at {workers}"
    )
    figures = EvidenceFigures(size, label)
    with SimulatedApi(attempts=size) as api:
        client = api.client()
        for _ in range(runs):
            database.empty_tables()
            _check(sync_results(client=client), SyncRun.Status.SUCCEEDED)
            with cpu_of(api.process.pid) as cpu:
                seconds, run = timed(sync_evidence, client=client, workers=workers)
            _check(run, SyncRun.Status.SUCCEEDED)
            figures.seconds.append(seconds)
            figures.attempts = run.updated
            figures.peak = getattr(run, "peak_concurrency", 0)
            figures.records = EvidenceRecord.objects.count()
            figures.cpu_ours, figures.cpu_simulator, figures.cpu_database = cpu.seconds
        client.close()
    return figures


def _check(run: SyncRun, status: str) -> None:
    if run.status != status:
        raise RuntimeError(
            f"The {run.kind} pass ended {run.status}, not {status}: {run.error_summary[:500]}"
        )
