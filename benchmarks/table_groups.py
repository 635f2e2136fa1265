"""The groups that read one growing table: the attempts list, the overview and the CSV export.

The table is loaded once and grown through the plan's sizes (10,000 → 100,000 → 1,000,000 in
the full run); every figure is taken at each size, so the report shows the cost curve.
"""

from __future__ import annotations

import time

from benchmarks import database, export, loading, overview, pages
from benchmarks.measure import median, progress
from benchmarks.plan import Plan
from benchmarks.report import Report, Row, count, rate
from proctoring import tallies


def run_pages_and_export(plan: Plan, report: Report, *, pages_too=True, export_too=True):
    """Grow one database through the sizes and measure at each (the table is loaded once)."""
    database.empty_tables()
    start_time = float(int(time.time()))
    client = pages.admin_client()
    for size in plan.pages:
        added, seconds = loading.grow_to(
            size, start_time=start_time, tests=loading.INSTITUTION_TESTS
        )
        tallies.rebuild()  # the bulk load writes with the triggers off
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
    progress(
        f"list {size}: p50 {p50:.0f} ms, p95 {p95:.0f} ms (bare SQL p50 {sql50:.0f} ms, "
        f"p95 {sql95:.0f} ms); slowest {slowest.name}"
    )
    report.add_point(
        "attempts list p50 / p95 (bare SQL)",
        size,
        f"{p50:.0f} / {p95:.0f} ms ({sql50:.0f} / {sql95:.0f} ms)",
    )
    scoped = measure_scoped_list(plan, report, size)
    main = size == plan.main_page_size
    overview.measure(report, client, size, max(3, plan.page_repeats // 2), main=main)
    if size != plan.main_page_size:
        return
    report.rows.append(
        Row(
            "attempts list, filtered + sorted, server time",
            f"{count(size)} attempts, {len(times)} views × {plan.page_repeats}",
            f"p50 {p50:.0f} ms / p95 {p95:.0f} ms",
            f"the bare SQL of the same views: p50 {sql50:.0f} ms / p95 {sql95:.0f} ms",
            "p95 ≤ bare SQL p95 + 20 ms",
            p95 <= sql95 + 20,
        )
    )
    scoped_rows(report, size, scoped, p95)
    report.sections.append(("Attempts list views at " + count(size), pages.views_table(times)))
    report.sections.append(
        ("Queries of the attempts list (`/attempts/`)", pages.query_reasons(client, "/attempts/"))
    )
    for name in ("newest first (the default)", "only in progress, by trust score"):
        page = next(page for page in times if page.name == name)
        plan_text = pages.explain(page.main_sql)
        report.sections.append(
            (f"EXPLAIN ANALYZE: {name} (`/attempts/{page.query}`)", f"```\n{plan_text}\n```")
        )
    scoped_sections(report, size, scoped)


SCOPED_TESTS = 5  # the tests a scoped user is limited to, out of the load's 500


def measure_scoped_list(plan: Plan, report: Report, size: int) -> list[pages.PageTimes]:
    """The same views for a test admin limited to SCOPED_TESTS tests (access.scopes)."""
    client, keys = pages.scoped_client(SCOPED_TESTS)
    times = pages.list_page_times(client, plan.page_repeats, pages.list_scenarios(keys))
    p50, p95 = pages.summary([seconds for page in times for seconds in page.seconds])
    sql50, sql95 = pages.summary([seconds for page in times for seconds in page.sql_seconds])
    progress(
        f"list {size}, scoped to {len(keys)} tests: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
        f"(bare SQL p50 {sql50:.0f} ms, p95 {sql95:.0f} ms)"
    )
    report.add_point(
        f"attempts list scoped to {SCOPED_TESTS} tests p50 / p95 (bare SQL)",
        size,
        f"{p50:.0f} / {p95:.0f} ms ({sql50:.0f} / {sql95:.0f} ms)",
    )
    return times


def scoped_rows(report: Report, size: int, times: list[pages.PageTimes], unscoped95: float):
    p50, p95 = pages.summary([seconds for page in times for seconds in page.seconds])
    sql50, sql95 = pages.summary([seconds for page in times for seconds in page.sql_seconds])
    report.rows.append(
        Row(
            f"attempts list of a user scoped to {SCOPED_TESTS} of {loading.INSTITUTION_TESTS} "
            "tests, server time",
            f"{count(size)} attempts, {len(times)} views × {len(times[0].seconds)}",
            f"p50 {p50:.0f} ms / p95 {p95:.0f} ms",
            f"the bare SQL of the same views: p50 {sql50:.0f} ms / p95 {sql95:.0f} ms; "
            f"unscoped p95 {unscoped95:.0f} ms",
            "p95 ≤ 60 ms",
            p95 <= 60,
        )
    )


def scoped_sections(report: Report, size: int, times: list[pages.PageTimes]) -> None:
    title = f"Attempts list views at {count(size)}, scoped to {SCOPED_TESTS} tests"
    report.sections.append((title, pages.views_table(times)))
    for name in (
        "newest first (the default)",
        "riskiest first (trust score)",
        "with a tab switch, riskiest first",
    ):
        page = next(page for page in times if page.name == name)
        for what, sql in (("rows", page.main_sql), ("count", page.count_sql)):
            if sql:
                report.sections.append(
                    (
                        f"EXPLAIN ANALYZE, scoped to {SCOPED_TESTS} tests: {name}, the {what} "
                        f"(`/attempts/{page.query}`)",
                        f"```\n{pages.explain(sql)}\n```",
                    )
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
