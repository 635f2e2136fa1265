"""`python -m benchmarks [--quick] [--only results,upsert,evidence,network,pages,export,retention]`

Creates and migrates the benchmark database (BENCH_DATABASE_URL), runs the benchmarks and prints
Markdown: the table of figures against their references and targets, the cost curve over the
sizes, the attempts list's query plans, and the conditions of the run. Also written to
var/bench-<time>.md. A full run of every group writes its table, date and machine into
benchmarks/README.md as the current results (`--readme FILE` for another run or file). The
figures are medians of repeated runs: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from benchmarks import (  # noqa: E402
    database,
    export,
    loading,
    network,
    pages,
    retention,
    sync_benchmarks,
)
from benchmarks.measure import load_average, median  # noqa: E402
from benchmarks.report import (  # noqa: E402
    README,
    Report,
    Row,
    count,
    ms,
    percent,
    rate,
    write_current,
)


@dataclass(frozen=True)
class Plan:
    """How big each benchmark is, and how many times each is repeated."""

    results: tuple[tuple[int, int], ...]  # (attempts, runs): first sync and re-sync
    upsert: tuple[tuple[int, int], ...]
    evidence: tuple[tuple[int, int], ...]
    pages: tuple[int, ...]  # table sizes for the list, the overview and the export
    page_repeats: int
    export_repeats: int
    main_sync_size: int  # the size the main table reports
    main_evidence_size: int
    main_page_size: int
    network_first_sync: int = 10_000  # attempts of the first sync at 100 ms latency
    network_steady: int = 100_000  # attempts of the steady-state call counts
    retention: tuple[int, ...] = (100_000, 1_000_000)  # attempts purged by apply_retention


FULL = Plan(
    results=((10_000, 3), (100_000, 3), (1_000_000, 1)),
    upsert=((10_000, 3), (100_000, 3), (1_000_000, 1)),
    evidence=((1_000, 3), (10_000, 3), (100_000, 1)),
    pages=(10_000, 100_000, 1_000_000),
    page_repeats=10,
    export_repeats=3,
    main_sync_size=100_000,
    main_evidence_size=10_000,
    main_page_size=1_000_000,
)
QUICK = Plan(
    results=((1_000, 1), (10_000, 1)),
    upsert=((1_000, 1), (10_000, 1)),
    evidence=((300, 1), (1_000, 1)),
    pages=(1_000, 10_000),
    page_repeats=3,
    export_repeats=1,
    main_sync_size=10_000,
    main_evidence_size=1_000,
    main_page_size=10_000,
    network_first_sync=2_000,
    network_steady=10_000,
    retention=(10_000,),
)
GROUPS = ["results", "upsert", "evidence", "network", "pages", "export", "retention"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized: a few minutes")
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument(
        "--keep-data", action="store_true", help="leave the loaded rows for a look afterwards"
    )
    parser.add_argument(
        "--readme",
        type=Path,
        help="write the current results into this file (default: benchmarks/README.md after "
        "a full run of every group, nowhere after a quick or partial one)",
    )
    arguments = parser.parse_args()
    plan = QUICK if arguments.quick else FULL
    groups = [group for group in arguments.only.split(",") if group]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown groups {', '.join(sorted(unknown))}; choose from {GROUPS}")

    started = time.time()
    loads = [load_average()]
    database.ensure_database()
    database.migrate()
    report = Report()
    for group, runner in SYNC_RUNNERS.items():
        if group in groups:
            progress(f"== {group}")
            runner(plan, report)
            loads.append(load_average())
    if "pages" in groups or "export" in groups:
        progress("== pages and export")
        run_pages_and_export(
            plan, report, pages_too="pages" in groups, export_too="export" in groups
        )
        loads.append(load_average())
    if not arguments.keep_data:
        database.empty_tables()  # a million attempts take 4 GB: leave the disk free
    conditions = describe_conditions(arguments, started, loads)
    text = report.markdown(conditions)
    print(text)
    output = Path(settings.BASE_DIR) / "var" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.md"
    output.parent.mkdir(exist_ok=True)
    output.write_text(text)
    progress(f"written to {output}")
    readme = arguments.readme
    if readme is None and not arguments.quick and groups == GROUPS:
        readme = README
    if readme:
        write_current(readme, report, conditions, quick=arguments.quick)
        progress(f"current results written to {readme}")


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_results(plan: Plan, report: Report) -> None:
    for size, runs in plan.results:
        figures = sync_benchmarks.results_sync(size, runs=runs)
        first, again = median(figures.first_sync), median(figures.resync)
        fetch = median(figures.fetch_only)
        progress(f"results {size}: first {first:.1f} s, re-sync {again:.1f} s, fetch {fetch:.1f} s")
        report.add_point("results sync, attempts/s", size, rate(figures.rate))
        report.add_point(
            "re-sync unchanged, s (share of first sync)",
            size,
            f"{again:.1f} s ({percent(again, first)})",
        )
        if size == plan.main_sync_size:
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
    for size, runs in plan.evidence:
        figures = sync_benchmarks.evidence_sync(size, runs=runs)
        progress(f"evidence {size}: {figures.rate:.0f}/s, {figures.records} records")
        report.add_point("evidence sync, attempts/s", size, rate(figures.rate))
        if size == plan.main_evidence_size:
            report.rows.append(
                Row(
                    "evidence sync (4-step flow)",
                    f"{count(figures.attempts)} attempts, {count(figures.records)} records",
                    f"{rate(figures.rate)} ({median(figures.seconds):.1f} s)",
                    f"pool of {figures.workers} workers (SYNC_EVIDENCE_WORKERS)",
                    "≥ 200/s with a bounded pool",
                    figures.rate >= 200,
                )
            )


def run_pages_and_export(plan: Plan, report: Report, *, pages_too=True, export_too=True):
    """Grow one database through the sizes and measure at each (the table is loaded once)."""
    database.empty_tables()
    start_time = float(int(time.time()))
    client = pages.admin_client()
    for size in plan.pages:
        added, seconds = loading.grow_to(size, start_time=start_time)
        database.vacuum()
        progress(f"loaded {count(added)} attempts in {seconds:.0f} s; now {count(size)}")
        if pages_too:
            measure_pages(plan, report, client, size)
        if export_too:
            measure_export(plan, report, size)


def measure_pages(plan: Plan, report: Report, client, size: int) -> None:
    times = pages.list_page_times(client, plan.page_repeats)
    every = [seconds for page in times for seconds in page.seconds]
    bare = [seconds for page in times for seconds in page.sql_seconds]
    p50, p95 = pages.summary(every)
    sql50, sql95 = pages.summary(bare)
    slowest = max(times, key=lambda page: median(page.seconds))
    progress(f"list {size}: p50 {p50:.0f} ms, p95 {p95:.0f} ms; slowest {slowest.name}")
    report.add_point("attempts list p50 / p95", size, f"{p50:.0f} / {p95:.0f} ms")
    overview = pages.overview_times(client, max(3, plan.page_repeats // 2))
    warm, cold = median(overview.warm), median(overview.cold)
    report.add_point(
        "overview + charts, cached / first after a sync", size, f"{ms(warm)} / {ms(cold)}"
    )
    if size != plan.main_page_size:
        return
    report.rows.append(
        Row(
            "attempts list, filtered + sorted, server time",
            f"{count(size)} attempts, {len(times)} views × {plan.page_repeats}",
            f"p50 {p50:.0f} ms / p95 {p95:.0f} ms",
            f"the bare SQL of the same views: p50 {sql50:.0f} ms / p95 {sql95:.0f} ms",
            "p95 ≤ 100 ms",
            p95 <= 100,
        )
    )
    report.rows.append(
        Row(
            "overview page + chart JSON, server time",
            f"{count(size)} attempts",
            f"{ms(warm)} ({overview.queries_warm} queries)",
            f"first request after a sync changed data: {ms(cold)} "
            f"({overview.queries_cold} queries)",
            "≤ 300 ms",
            warm <= 0.3,
        )
    )
    report.sections.append(("Attempts list views at " + count(size), pages.views_table(times)))
    for name in ("newest first (the default)", "only in progress, by trust score"):
        page = next(page for page in times if page.name == name)
        plan_text = pages.explain(page.main_sql)
        report.sections.append(
            (f"EXPLAIN ANALYZE: {name} (`/attempts/{page.query}`)", f"```\n{plan_text}\n```")
        )


def measure_export(plan: Plan, report: Report, size: int) -> None:
    """The export and its COPY reference, alternately, `export_repeats` times: the medians."""
    exports, copies = [], []
    for _ in range(plan.export_repeats):
        exports.append(export.run_export())
        copies.append(export.copy_reference(exports[-1].select))
    figures = sorted(exports, key=lambda run: run.seconds)[len(exports) // 2]
    figures.peak_rss_mb = max(run.peak_rss_mb for run in exports)
    rows, _, copy_seconds = sorted(copies, key=lambda run: run[2])[len(copies) // 2]
    copy_rate = rows / copy_seconds
    share = figures.rate / copy_rate
    progress(
        f"export {size}: {figures.rate:.0f} rows/s, {figures.peak_rss_mb:.0f} MB; "
        f"COPY {copy_rate:.0f} rows/s"
    )
    report.add_point(
        "CSV export, rows/s (share of COPY), peak RSS",
        size,
        f"{rate(figures.rate)} ({share:.0%}), {figures.peak_rss_mb:.0f} MB",
    )
    if size == plan.main_page_size:
        report.rows.append(
            Row(
                "CSV export of every row",
                f"{count(figures.rows)} attempts",
                f"{rate(figures.rate, ' rows/s')} ({figures.seconds:.1f} s), peak RSS "
                f"{figures.peak_rss_mb:.0f} MB (at start {figures.rss_before_mb:.0f} MB)",
                f"`COPY (same SELECT) TO STDOUT CSV`: {rate(copy_rate, ' rows/s')} "
                f"({copy_seconds:.1f} s): {share:.0%}",
                "≥ 80 % of COPY, RSS ≤ 100 MB",
                share >= 0.8 and figures.peak_rss_mb <= 100,
            )
        )


def describe_conditions(arguments, started: float, loads: list[str]) -> list[str]:
    server = database.server_settings()
    return [
        f"`python -m benchmarks{' --quick' if arguments.quick else ''}"
        f"{'' if arguments.only == ','.join(GROUPS) else ' --only ' + arguments.only}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
        f"{(time.time() - started) / 60:.0f} min",
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"PostgreSQL {server['server_version']}: shared_buffers {server['shared_buffers']}, "
        f"work_mem {server['work_mem']}, synchronous_commit {server['synchronous_commit']}, "
        f"jit {server['jit']}, autovacuum {server['autovacuum']} (the runs ANALYZE where "
        "autovacuum would have: after a bulk load, and between a first sync and a re-sync)",
        "load average (1, 5, 15 min) at the start and after each group: " + "; ".join(loads),
    ]


def run_retention(plan: Plan, report: Report) -> None:
    for size in plan.retention:
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


SYNC_RUNNERS = {
    "results": run_results,
    "upsert": run_upsert,
    "evidence": run_evidence,
    "network": lambda plan, report: network.run_network(
        report, first_sync=plan.network_first_sync, steady=plan.network_steady, progress=progress
    ),
    "retention": run_retention,
}


if __name__ == "__main__":
    main()
