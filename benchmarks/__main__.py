"""`python -m benchmarks [--quick] [--only results,upsert,evidence,network,pages,export,...]`

Groups: results, upsert, evidence, network, pages, export, retention, analytics (a test's page,
case files), claims (twenty reviewers pressing "next" at once).

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from benchmarks import analytics, claims, database, network, sync_groups, table_groups  # noqa: E402
from benchmarks.measure import load_average, progress  # noqa: E402
from benchmarks.plan import FULL, QUICK, Plan  # noqa: E402
from benchmarks.report import README, Report, write_current  # noqa: E402

GROUPS = [
    "results",
    "upsert",
    "evidence",
    "network",
    "pages",
    "export",
    "retention",
    "analytics",
    "claims",
]


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
    durations = []
    for step in STEPS:
        if step.groups & set(groups):
            progress(f"== {step.name}")
            step_started = time.time()
            step.run(plan, report, set(groups))
            durations.append(f"{step.name} {(time.time() - step_started) / 60:.1f}")
            loads.append(load_average())
    if not arguments.keep_data:
        database.empty_tables()  # a million attempts take 4 GB: leave the disk free
    conditions = describe_conditions(arguments, started, loads, durations)
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


def describe_conditions(
    arguments, started: float, loads: list[str], durations: list[str]
) -> list[str]:
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
        "minutes each step took: " + ", ".join(durations),
        "load average (1, 5, 15 min) at the start and after each step: " + "; ".join(loads),
    ]


@dataclass(frozen=True)
class Step:
    """Part of a run: what it measures (`name`), the groups that ask for it, and how."""

    name: str
    groups: frozenset[str]
    run: Callable[[Plan, Report, set[str]], None]


def _step(name: str, groups: str, run: Callable[[Plan, Report, set[str]], None]) -> Step:
    return Step(name, frozenset(groups.split(",")), run)


def _rows(measure: Callable[[Plan], list]) -> Callable[[Plan, Report, set[str]], None]:
    return lambda plan, report, groups: report.rows.extend(measure(plan))


# In this order, so a million attempts are bulk-loaded once: the attempts list's table, grown
# to a million, then serves the tests index (the same 500 tests) and, last because it erases
# them, the retention purge.
STEPS = [
    _step("results", "results", lambda plan, report, groups: sync_groups.run_results(plan, report)),
    _step("upsert", "upsert", lambda plan, report, groups: sync_groups.run_upsert(plan, report)),
    _step(
        "evidence", "evidence", lambda plan, report, groups: sync_groups.run_evidence(plan, report)
    ),
    _step(
        "network",
        "network",
        lambda plan, report, groups: network.run_network(
            report,
            first_sync=plan.network_first_sync,
            steady=plan.network_steady,
            progress=progress,
        ),
    ),
    _step("claims", "claims", lambda plan, report, groups: claims.run_claims(plan, report)),
    _step(
        "a test's page and case files",
        "analytics",
        _rows(
            lambda plan: (
                analytics.measure_test_page(plan.test_page) + analytics.measure_case_files()
            )
        ),
    ),
    _step(
        "pages and export",
        "pages,export",
        lambda plan, report, groups: table_groups.run_pages_and_export(
            plan, report, pages_too="pages" in groups, export_too="export" in groups
        ),
    ),
    _step(
        "tests index",
        "analytics",
        _rows(lambda plan: analytics.measure_tests_index(plan.tests_index)),
    ),
    _step(
        "retention",
        "retention",
        lambda plan, report, groups: sync_groups.run_retention(plan, report),
    ),
]


if __name__ == "__main__":
    main()
