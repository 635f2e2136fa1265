"""The sync with AutoProctor a network round trip away (the simulator's `--latency`).

- first sync: results then evidence into an empty database against a simulator answering every
  call after LATENCY_MS, in its own process; the rate is evidence-ready attempts per second of
  the whole sync, next to the ideal `(pages + 3 × ready) × latency / concurrency` at the
  concurrency the evidence pass reached. Then a steady-state pass (nothing new): its results
  calls and seconds. Peak memory of this process over both.
- steady state at scale: a simulator in this process (the figures are calls, not seconds):
  the results calls of a pass with nothing new over STEADY_SIZE attempts in each of the three
  tiers (incremental, settle-window sweep, full sweep), and of an incremental pass after 1 %
  new attempts on the listing's young end, against `2 × changed pages + 3`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from autoproctor import AutoProctorClient
from autoproctor.testing import Simulator
from benchmarks import database
from benchmarks.measure import peak_rss_mb, timed
from benchmarks.report import Report, Row, count
from benchmarks.simulated_api import SimulatedApi
from proctoring.models import Attempt, ResultsMode, SyncRun
from proctoring.sync import sync_evidence, sync_results

LATENCY_MS = 100
PAGE_SIZE = 100


@dataclass
class FirstSyncFigures:
    attempts: int
    pages: int
    ready: int
    seconds: float
    results_seconds: float
    concurrency: int
    steady_calls: int
    steady_seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.ready / self.seconds

    @property
    def ideal_seconds(self) -> float:
        return (self.pages + 3 * self.ready) * LATENCY_MS / 1000 / self.concurrency


@dataclass
class SteadyFigures:
    attempts: int
    nothing_new_calls: int  # an incremental pass
    settle_window_calls: int
    full_calls: int
    added: int
    changed_pages: int
    after_change_calls: int


class CallCounter:
    """Counts the results calls a client makes (a listener of its transport)."""

    def __init__(self):
        self.results = 0

    def __call__(self, endpoint, status, elapsed_ms, retry_after) -> None:
        if endpoint == "results":
            self.results += 1


def first_sync_with_latency(size: int) -> FirstSyncFigures:
    database.empty_tables()
    with SimulatedApi(attempts=size, latency_ms=LATENCY_MS) as api:
        client = api.client(timeout=30.0)
        results_seconds, results = timed(sync_results, client=client)
        evidence_seconds, evidence = timed(sync_evidence, client=client)
        _check(results)
        _check(evidence)
        counter = CallCounter()
        with client.listening(counter):
            steady_seconds, steady = timed(sync_results, client=client)
        _check(steady)
        client.close()
    return FirstSyncFigures(
        attempts=size,
        pages=results.pages_read,
        ready=evidence.updated,
        seconds=results_seconds + evidence_seconds,
        results_seconds=results_seconds,
        concurrency=evidence.peak_concurrency,
        steady_calls=counter.results,
        steady_seconds=steady_seconds,
        peak_rss_mb=peak_rss_mb(),
    )


def steady_state_calls(size: int) -> SteadyFigures:
    database.empty_tables()
    simulator = Simulator(attempts=size, freeze_clock=True).start()
    try:
        client = AutoProctorClient(
            base_url=simulator.base_url,
            client_id=simulator.client_id,
            client_secret=simulator.client_secret,
            clock=simulator.clock.now,
        )
        _check(sync_results(client))
        # The evidence pass's outcome, without its calls: these figures are the results pass's.
        Attempt.objects.filter(evidence_status="processed").update(
            evidence_fetched_at=timezone.now()
        )
        database.analyze()
        nothing_new, window, full, changed = (CallCounter() for _ in range(4))
        with client.listening(nothing_new):
            _check(sync_results(client), mode=ResultsMode.INCREMENTAL)
        with client.listening(window):
            _check(sync_results(client, settle_window=True), mode=ResultsMode.SETTLE_WINDOW)
        with client.listening(full):
            _check(sync_results(client, full=True), mode=ResultsMode.FULL)
        added = size // 100
        simulator.dataset.add_attempts(added)
        with client.listening(changed):
            run = sync_results(client)
        _check(run, mode=ResultsMode.INCREMENTAL)
        assert run.created == added, f"{run.created} of {added} new attempts stored"
        client.close()
    finally:
        simulator.stop()
    database.empty_tables()
    return SteadyFigures(
        attempts=size,
        nothing_new_calls=nothing_new.results,
        settle_window_calls=window.results,
        full_calls=full.results,
        added=added,
        changed_pages=-(-added // PAGE_SIZE),
        after_change_calls=changed.results,
    )


def _check(run: SyncRun, *, mode: str | None = None) -> None:
    if run.status != SyncRun.Status.SUCCEEDED:
        raise SystemExit(f"The {run.kind} pass ended {run.status}: {run.error_summary}")
    if mode is not None and run.mode != mode:
        raise SystemExit(f"A {mode} pass was planned as {run.mode}: {run.mode_reason}")


def run_network(report: Report, *, first_sync: int, steady: int, progress) -> None:
    """The network group's rows of the report."""
    first = first_sync_with_latency(first_sync)
    share = first.ideal_seconds / first.seconds
    progress(
        f"first sync at {LATENCY_MS} ms, {first_sync}: {first.rate:.1f} ready/s, "
        f"{share:.0%} of ideal at concurrency {first.concurrency}"
    )
    report.rows.append(
        Row(
            f"first sync at {LATENCY_MS} ms latency (results, then evidence)",
            f"{count(first.attempts)} attempts, {count(first.ready)} ready",
            f"{first.rate:.1f} ready attempts/s ({first.seconds:.0f} s)",
            f"ideal at concurrency {first.concurrency}: {first.ideal_seconds:.0f} s, "
            f"reached {share:.0%}",
            "≥ 60/s and ≥ 50 % of ideal",
            first.rate >= 60 and share >= 0.5,
        )
    )
    report.rows.append(
        Row(
            f"pass with nothing new at {LATENCY_MS} ms",
            f"{count(first.attempts)} attempts",
            f"{first.steady_calls} results calls, {first.steady_seconds:.1f} s",
            f"a full sweep: {first.pages} calls",
            "≤ 3 results calls",
            first.steady_calls <= 3,
        )
    )
    report.rows.append(
        Row(
            "peak memory of the syncing process",
            f"{count(first.attempts)} attempts",
            f"{first.peak_rss_mb:.0f} MB",
            "",
            "",
            None,
        )
    )
    figures = steady_state_calls(steady)
    limit = 2 * figures.changed_pages + 3
    progress(
        f"steady {steady}: incremental {figures.nothing_new_calls} calls, settle-window sweep "
        f"{figures.settle_window_calls}, full sweep {figures.full_calls}; after "
        f"{figures.added} new: {figures.after_change_calls} calls"
    )
    report.rows.append(
        Row(
            "pass with nothing new: incremental (every pass)",
            f"{count(figures.attempts)} attempts",
            f"{figures.nothing_new_calls} results calls",
            f"a full sweep: {figures.attempts // PAGE_SIZE:,} calls",
            "≤ 3 results calls",
            figures.nothing_new_calls <= 3,
        )
    )
    report.rows.append(
        Row(
            "pass with nothing new: settle-window sweep "
            f"(every {settings.SYNC_SETTLE_SWEEP_MINUTES} min)",
            f"{count(figures.attempts)} attempts",
            f"{figures.settle_window_calls} results calls",
            f"the last {settings.SYNC_SETTLE_HOURS} h of attempts and one page more",
            "",
            None,
        )
    )
    report.rows.append(
        Row(
            f"pass with nothing new: full sweep (every {settings.SYNC_FULL_SWEEP_HOURS} h)",
            f"{count(figures.attempts)} attempts",
            f"{figures.full_calls:,} results calls",
            "every page",
            "",
            None,
        )
    )
    report.rows.append(
        Row(
            "incremental pass after 1 % new attempts",
            f"{count(figures.attempts)} + {count(figures.added)} attempts",
            f"{figures.after_change_calls} results calls",
            f"{figures.changed_pages} changed pages",
            f"≤ 2 × changed pages + 3 = {limit}",
            figures.after_change_calls <= limit,
        )
    )
