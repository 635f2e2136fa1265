"""The overview page and its charts' JSON on a big table: cold (the first request after a sync
changed data) and cached, for a test admin who sees every test and for a user scoped to 5.

"A sync changed data" is made the way the sync makes it: an incremental results pass's upsert
(proctoring.sync.results.upsert_attempts) rescoring a few hundred stored attempts, so the
database's tallies move through their triggers as they do in production, and a SyncRun saying
it changed them (a new data generation: dashboard.chart_cache). The reference is the same
figures recounted from the rows, as the overview computed them before the tallies (the
dashboard's row-counting selectors), in the same run.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.roles import PROCTOR, ensure_roles
from access.scopes import set_grants
from autoproctor.values import parse_attempt
from benchmarks import loading
from benchmarks.measure import median, progress
from benchmarks.pages import CHART_URLS, _get, explain
from benchmarks.report import Report, Row, count, ms
from dashboard import selectors
from dashboard.selectors import charts
from proctoring.models import Attempt, SyncRun
from proctoring.sync.results import upsert_attempts

SCOPED_NAME = "bench-scoped"
SCOPED_TESTS = 5
CHANGED_PER_SYNC = 500
SYNCS = itertools.count()  # each simulated sync rescores other attempts than the last
ATTEMPT_CHART_URLS = [url for url in CHART_URLS if "credit" not in url]  # a proctor's charts
COUNTED_TABLES = ("proctoring_attempt", "proctoring_evidencerecord", "tally", "attemptday")


@dataclass
class OverviewTimes:
    cold: list[float] = field(default_factory=list)  # first request after a sync changed data
    warm: list[float] = field(default_factory=list)
    queries_cold: int = 0
    queries_warm: int = 0
    statements: list[tuple[float, str]] = field(default_factory=list)  # (seconds, SQL) cold


def scoped_client() -> tuple[Client, list[str]]:
    """A client logged in as a proctor who may see 5 of the bulk load's tests, and those keys."""
    ensure_roles()
    user, _ = get_user_model().objects.get_or_create(username=SCOPED_NAME)
    keys = [loading.test_key(number) for number in range(0, 500, 500 // SCOPED_TESTS)]
    set_grants(user, {PROCTOR: keys}, source="benchmark")
    client = Client()
    client.force_login(user)
    return client, keys


def rescored(round_number: int) -> list:
    """CHANGED_PER_SYNC stored attempts as an incremental pass would read them again, each
    with another trust score (AttemptData, for the sync's own upsert)."""
    stored = list(
        Attempt.objects.filter(trust_score__isnull=False)
        .order_by("-id")
        .values_list("test_attempt_id", "lookup_key", "trust_score", "raw")[
            round_number * CHANGED_PER_SYNC : (round_number + 1) * CHANGED_PER_SYNC
        ]
    )
    return [
        dataclasses.replace(
            parse_attempt(raw),
            test_attempt_id=attempt_id,
            lookup_key=key,
            trust_score=round((score + 0.1234) % 1, 4),  # always another score than stored
        )
        for attempt_id, key, score, raw in stored
    ]


def a_sync_changed_data(round_number: int) -> None:
    """An incremental pass's work: CHANGED_PER_SYNC stored attempts rescored through the
    sync's own upsert, then the run that says so (a new data generation)."""
    counts = upsert_attempts(loading.CLIENT_ID, rescored(round_number))
    SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS,
        status=SyncRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        updated=counts.updated,
        worker="benchmarks overview",
    )


class RolledBack(Exception):
    pass


def upkeep_seconds(repeats: int) -> tuple[float, float]:
    """(the upsert of a pass's rescored attempts with the tallies kept, the same upsert with the
    triggers off), medians; each rolled back, so the tables stay as they were."""
    timed: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for kept in (True, False):
            attempts = rescored(next(SYNCS))
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    if not kept:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                    started = time.perf_counter()
                    upsert_attempts(loading.CLIENT_ID, attempts)
                    timed[kept].append(time.perf_counter() - started)
                    raise RolledBack
            except RolledBack:
                pass
    return median(timed[True]), median(timed[False])


def overview_times(client: Client, repeats: int, urls: list[str]) -> OverviewTimes:
    """The overview page and its charts' JSON, as a browser loads them, summed: the first
    load after a sync changed data, then a cached one."""
    times = OverviewTimes()

    def load() -> float:
        return sum(_get(client, url)[0] for url in ["/", *urls])

    cache.clear()
    load()  # the session and the permissions read once, as a user who is signed in has them
    for _ in range(repeats):
        a_sync_changed_data(next(SYNCS))
        with CaptureQueriesContext(connection) as captured:
            times.cold.append(load())
        times.queries_cold = len(captured)
        times.statements = [
            (float(query["time"]), query["sql"])
            for query in captured.captured_queries
            if any(table in query["sql"] for table in COUNTED_TABLES)
        ]
        with CaptureQueriesContext(connection) as captured:
            times.warm.append(load())
        times.queries_warm = len(captured)
    return times


def recount_seconds(repeats: int) -> float:
    """The reference: the overview's figures and charts recounted from the rows (median)."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        selectors.overview_figures()
        charts.attempts_per_day()
        charts.trust_distribution()
        charts.violations_by_label()
        seconds.append(time.perf_counter() - started)
    return median(seconds)


def measure(report: Report, admin: Client, size: int, repeats: int, *, main: bool) -> None:
    """The overview's figures at `size` attempts; the rows and the plans at the main size."""
    everyone = overview_times(admin, repeats, CHART_URLS)
    scoped_user, keys = scoped_client()
    scoped = overview_times(scoped_user, repeats, ATTEMPT_CHART_URLS)
    cold, warm = median(everyone.cold), median(everyone.warm)
    scoped_cold, scoped_warm = median(scoped.cold), median(scoped.warm)
    progress(
        f"overview {size}: cold {ms(cold)}, cached {ms(warm)}; scoped to {SCOPED_TESTS} tests: "
        f"cold {ms(scoped_cold)}, cached {ms(scoped_warm)}"
    )
    report.add_point(
        "overview + charts, cached / first after a sync", size, f"{ms(warm)} / {ms(cold)}"
    )
    if not main:
        return
    reference = recount_seconds(max(1, repeats // 2))
    changed = f"after a sync rescored {CHANGED_PER_SYNC} attempts"
    kept, bare = upkeep_seconds(max(1, repeats // 2))
    report.rows += [
        Row(
            "overview page + chart JSON, first request after a sync, server time",
            f"{count(size)} attempts, {changed}",
            f"{ms(cold)} ({everyone.queries_cold} queries)",
            f"the same figures recounted from the rows: {ms(reference)}",
            "≤ 300 ms",
            cold <= 0.3,
        ),
        Row(
            "overview page + chart JSON, cached, server time",
            f"{count(size)} attempts",
            f"{ms(warm)} ({everyone.queries_warm} queries)",
            f"first request after a sync: {ms(cold)}",
            "≤ 50 ms",
            warm <= 0.05,
        ),
        Row(
            "a pass's upsert keeping the overview's tallies (triggers)",
            f"{CHANGED_PER_SYNC} rescored attempts of {count(size)}",
            ms(kept),
            f"the same upsert with the triggers off: {ms(bare)}",
            "",
            None,
        ),
        Row(
            f"overview + chart JSON, a user scoped to {SCOPED_TESTS} tests, first after a sync",
            f"{count(size)} attempts over {loading.INSTITUTION_TESTS} tests",
            f"{ms(scoped_cold)} ({scoped.queries_cold} queries)",
            f"cached: {ms(scoped_warm)}",
            "≤ 300 ms",
            scoped_cold <= 0.3,
        ),
    ]
    for title, times in (("every test", everyone), (f"scoped to {', '.join(keys)}", scoped)):
        slowest = sorted(times.statements, reverse=True)[:3]
        plans = "\n\n".join(explain(sql) for _, sql in slowest)
        report.sections.append(
            (
                f"EXPLAIN ANALYZE: the overview's slowest reads after a sync, {title}",
                f"```\n{plans}\n```",
            )
        )
