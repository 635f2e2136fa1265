"""The groups that measure the sync and the worker: results, upsert, evidence, retention.

Each `run_*(plan, report)` measures at the plan's sizes, prints its progress and adds its points
to the cost curve and its row, against the reference taken in the same run, to the table.
"""

from __future__ import annotations

from benchmarks import database, loading, retention, sync_benchmarks
from benchmarks.measure import median, progress
from benchmarks.plan import Plan
from benchmarks.report import Report, Row, count, ms, percent, rate


def run_results(plan: Plan, report: Report) -> None:
    for size, runs in plan.results:
        main = size == plan.main_sync_size
        figures = sync_benchmarks.results_sync(size, runs=runs, fetch_only=main)
        first, again = median(figures.first_sync), median(figures.resync)
        fetch = median(figures.fetch_only) if main else 0.0
        fetched = f", fetch {fetch:.1f} s" if main else ""
        progress(f"results {size}: first {first:.1f} s, re-sync {again:.1f} s{fetched}")
        report.add_point("results sync, attempts/s", size, rate(figures.rate))
        report.add_point(
            "re-sync unchanged, s (share of first sync)",
            size,
            f"{again:.1f} s ({percent(again, first)})",
        )
        if main:
            report.rows.append(
                Row(
                    "results sync (API → attempts), end to end",
                    f"{count(size)} attempts",
                    f"{rate(figures.rate)} ({first:.1f} s)",
                    f"fetching and parsing the pages alone: {fetch:.1f} s",
                    "≥ 2,000/s",
                    figures.rate >= 2000,
                )
            )
            report.rows.append(
                Row(
                    "re-sync with nothing changed",
                    f"{count(size)} attempts",
                    f"{again:.1f} s ({count(figures.resync_unchanged)} unchanged)",
                    f"first sync {first:.1f} s: {percent(again, first)}",
                    "≤ 50 % of first sync",
                    again <= first / 2,
                )
            )


def run_upsert(plan: Plan, report: Report) -> None:
    for size, runs in plan.upsert:
        figures = sync_benchmarks.upsert_against_copy(size, runs=runs)
        share = figures.upsert_rate / figures.copy_rate
        progress(f"upsert {size}: {figures.upsert_rate:.0f}/s, COPY {figures.copy_rate:.0f}/s")
        report.add_point(
            "attempt upsert, rows/s (share of COPY)",
            size,
            f"{rate(figures.upsert_rate)} ({share:.0%})",
        )
        if size == plan.main_sync_size:
            report.rows.append(
                Row(
                    "attempt upsert alone",
                    f"{count(size)} attempts",
                    rate(figures.upsert_rate, " rows/s"),
                    f"COPY of the same rows: {rate(figures.copy_rate, ' rows/s')}: {share:.0%}",
                    "≥ 30 % of COPY",
                    share >= 0.30,
                )
            )


def run_evidence(plan: Plan, report: Report) -> None:
    """As the product runs it (the adaptive pool); the CPU of the pass split between the
    syncing process, the simulator and PostgreSQL, per attempt."""
    rates = {}
    for size, runs in plan.evidence:
        figures = sync_benchmarks.evidence_sync(size, runs=runs)
        rates[size] = figures.rate
        per = 1000 / max(figures.attempts, 1)
        own_rate = figures.attempts / max(figures.cpu_ours, 1e-9)
        split = (
            f"CPU per attempt: ours {figures.cpu_ours * per:.2f} ms ({own_rate:.0f} attempts per "
            f"CPU-second of the syncing process), simulator {figures.cpu_simulator * per:.2f} ms, "
            f"PostgreSQL {figures.cpu_database * per:.2f} ms"
        )
        progress(f"evidence {size}: {figures.rate:.0f}/s, {figures.records} records; {split}")
        report.add_point("evidence sync, attempts/s", size, rate(figures.rate))
        if size == plan.main_evidence_size:
            smallest = rates[min(rates)]
            report.rows.append(
                Row(
                    "evidence sync (4-step flow), as the product runs it",
                    f"{count(figures.attempts)} attempts, {count(figures.records)} records",
                    f"{rate(figures.rate)} ({median(figures.seconds):.1f} s; "
                    f"{figures.rate / smallest:.0%} of the rate at {count(min(rates))})",
                    f"pool {figures.workers}, peak {figures.peak} in flight; {split}",
                    "≥ 300/s, flat from 10,000",
                    figures.rate >= 300,
                )
            )


def run_retention(plan: Plan, report: Report) -> None:
    """The size the table already holds first, so it is purged without loading it again."""
    held = loading.attempt_count()
    for size in sorted(plan.retention, key=lambda size: size != held):
        figures = retention.retention_purge(size)
        share = figures.bare_seconds / figures.seconds
        progress(
            f"retention {size}: {figures.seconds:.1f} s, bare SQL {figures.bare_seconds:.1f} s, "
            f"longest batch {figures.longest_batch * 1000:.0f} ms"
        )
        report.add_point("retention purge, attempts/s", size, rate(figures.rate))
        if size == plan.retention[-1]:
            report.rows.append(
                Row(
                    "retention: evidence purged and attempts erased (apply_retention)",
                    f"{count(size)} attempts, {count(figures.records)} records",
                    f"{rate(figures.rate)} ({figures.seconds:.1f} s); longest batch of "
                    f"{figures.batch_size}: {ms(figures.longest_batch)}",
                    f"one bare DELETE + UPDATE, no batches: {figures.bare_seconds:.1f} s "
                    f"({share:.0%} of the purge's time)",
                    "each batch ≤ 1 s",
                    figures.longest_batch <= 1.0,
                )
            )
        database.empty_tables()
