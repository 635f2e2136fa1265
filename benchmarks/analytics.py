"""`python -m benchmarks.analytics [--attempts 50000,200000] [--only index,page,case-files]`:
the tests index at a million attempts over 500 tests, a test's page at 50,000 attempts and
grown to 200,000 (benchmarks.one_test), and the case files of 200 attempts exported as one ZIP,
with time and peak memory, each beside its reference from the same run. Prints Markdown.

The pages are served by Django's test client (everything from the URL to the finished
response) on the benchmark database (BENCH_DATABASE_URL, PostgreSQL). The case files are
fetched from a simulator on a loopback port, synced first by the sync itself, so every evidence
file really crosses HTTP through a presigned URL; the ZIP's bytes are counted and dropped as
they stream, as a response would send them. Peak memory is tracemalloc's peak of Python
allocations during the measured work (the simulator serving the files runs in the same process
and is counted too).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from contextlib import contextmanager

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from access.roles import PROCTOR  # noqa: E402
from access.scopes import set_grants  # noqa: E402
from analytics.case_file import case_files_stream  # noqa: E402
from autoproctor.testing import Simulator  # noqa: E402
from benchmarks import database, loading  # noqa: E402
from benchmarks.measure import load_average, median, progress  # noqa: E402
from benchmarks.one_test import (  # noqa: E402
    PAGE_REPEATS,
    bare,
    give_verdicts,
    measure_test_page,
    served,
)
from benchmarks.pages import ADMIN_NAME, admin_client  # noqa: E402
from benchmarks.plan import FULL  # noqa: E402
from benchmarks.report import Report, Row  # noqa: E402
from proctoring import evidence_fetch, tallies  # noqa: E402
from proctoring.api_client import client_from_settings  # noqa: E402
from proctoring.models import Attempt, EvidenceRecord  # noqa: E402
from proctoring.sync import sync_evidence, sync_results  # noqa: E402
from review.models import Verdict  # noqa: E402

CASE_FILES = 200
LATENCY_CASE_FILES = 40
LATENCY_MS = 100


def measure_tests_index(size: int, tests: int = loading.INSTITUTION_TESTS) -> list[Row]:
    """The tests index (`/tests/`) over an institution's table: `size` attempts dealt over
    `tests` tests (the bulk load's, kept from an earlier run when it is there), as a test admin
    who sees every test (read from the tallies) and as a proctor limited to a tenth of them,
    against the same figures counted from the rows (a date filter taking every date) and the
    page's own SQL replayed bare."""
    loading.grow_to(size, start_time=float(int(time.time())), tests=tests)
    tallies.rebuild()  # the bulk load writes with the triggers off
    database.vacuum()
    client = admin_client()
    client.get("/tests/")  # warm
    seconds = served(client, "/tests/", PAGE_REPEATS)
    rows = served(client, "/tests/?started_after=1970-01-01", PAGE_REPEATS)
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, params, *args: (
            statements.append((sql, params)) or execute(sql, params, *args)
        )
    ):
        client.get("/tests/")
    bare_seconds = bare(statements, PAGE_REPEATS)
    scoped = served(_scoped_client(tests // 10), "/tests/", PAGE_REPEATS)
    page_ms, bare_ms, scoped_ms, rows_ms = (
        median(x) * 1000 for x in (seconds, bare_seconds, scoped, rows)
    )
    progress(f"tests index at {size:,}: {page_ms:.0f} ms, rows {rows_ms:.0f}, bare {bare_ms:.0f}")
    return [
        Row(
            "tests index (`/tests/`), server time",
            f"{size:,} attempts over {tests} tests",
            f"{page_ms:.0f} ms (max {max(seconds) * 1000:.0f}), {len(statements)} queries; "
            f"a proctor limited to {tests // 10} tests: {scoped_ms:.0f} ms",
            f"counted from the rows (a date filter taking every date): {rows_ms:.0f} ms; "
            f"its SQL replayed bare: {bare_ms:.0f} ms",
            "≤ 300 ms",
            page_ms <= 300,
        )
    ]


def _scoped_client(tests: int):
    """A proctor whose scope is the first `tests` tests of the bulk load (access.scopes)."""
    user, _ = get_user_model().objects.get_or_create(username="bench-scoped-proctor")
    set_grants(user, {PROCTOR: [loading.test_key(number) for number in range(tests)]}, source="")
    client = Client()
    client.force_login(user)
    return client


def measure_case_files() -> list[Row]:
    """The case files of CASE_FILES attempts as one ZIP from a simulator on loopback, then the
    first LATENCY_CASE_FILES of them with storage LATENCY_MS away: the product (several files
    in flight, the next attempt's URLs asked for ahead) against the same without asking ahead
    and against one file at a time, in the same run."""
    database.empty_tables()
    with Simulator(attempts=CASE_FILES, seed=18, freeze_clock=True) as simulator:
        settings.AUTOPROCTOR_BASE_URL = simulator.base_url
        settings.AUTOPROCTOR_CLIENT_ID = simulator.client_id
        settings.AUTOPROCTOR_CLIENT_SECRET = simulator.client_secret
        settings.AUTOPROCTOR_PRESIGN_PATH = simulator.presign_path
        settings.AUTOPROCTOR_USAGE_HEADERS = list(simulator.usage_headers)
        client = client_from_settings()
        sync_results(client=client)
        sync_evidence(client=client)
        attempts = list(Attempt.objects.order_by("pk"))
        user = get_user_model().objects.get(username=ADMIN_NAME)
        give_verdicts(attempts, user, lambda index: Verdict.VIOLATION)
        files = EvidenceRecord.objects.exclude(s3_path=None).count()
        tracemalloc.start()
        seconds, total = _stream(attempts, user.username)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows = [
            Row(
                "case files of a test, one ZIP, loopback",
                f"{len(attempts)} attempts, {files:,} evidence files over HTTP",
                f"{seconds:.1f} s, peak {peak / 2**20:.1f} MB",
                f"{total / 2**20:.1f} MB streamed",
                "",
                None,
            )
        ]
        few = attempts[:LATENCY_CASE_FILES]
        few_files = EvidenceRecord.objects.filter(attempt__in=few).exclude(s3_path=None).count()
        simulator.latency = LATENCY_MS / 1000
        timings = {}
        for fetches, ahead in ((evidence_fetch.CASE_FILE_FETCHES, True),
                               (evidence_fetch.CASE_FILE_FETCHES, False), (1, False)):  # fmt: skip
            EvidenceRecord.objects.update(presigned_url="", presigned_url_expires_at=None)
            with _fetches(fetches, ahead):
                timings[(fetches, ahead)], _ = _stream(few, user.username)
        product = timings[(evidence_fetch.CASE_FILE_FETCHES, True)]
        without = timings[(evidence_fetch.CASE_FILE_FETCHES, False)]
        rows.append(
            Row(
                f"case files of a test, storage {LATENCY_MS} ms away",
                f"{len(few)} attempts, {few_files:,} files",
                f"{product:.1f} s ({few_files / product:.0f} files/s): "
                f"{evidence_fetch.CASE_FILE_FETCHES} files in flight, next attempt presigned ahead",
                f"without presigning ahead: {without:.1f} s; one file at a time: "
                f"{timings[(1, False)]:.1f} s",
                "faster than without presigning ahead",
                product < without,
            )
        )
    return rows


def _stream(attempts: list, user_name: str) -> tuple[float, int]:
    started = time.perf_counter()
    total = 0
    for chunk in case_files_stream(attempts, user_name=user_name):
        total += len(chunk)
    return time.perf_counter() - started, total


@contextmanager
def _fetches(number: int, ahead: bool):
    saved = evidence_fetch.CASE_FILE_FETCHES, evidence_fetch.PRESIGN_AHEAD
    evidence_fetch.CASE_FILE_FETCHES, evidence_fetch.PRESIGN_AHEAD = number, ahead
    try:
        yield
    finally:
        evidence_fetch.CASE_FILE_FETCHES, evidence_fetch.PRESIGN_AHEAD = saved


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analytics")
    parser.add_argument(
        "--attempts",
        default=",".join(str(size) for size in FULL.test_page),
        help="of the one test, grown from each size to the next",
    )
    parser.add_argument("--only", default="page,case-files", help="index, page, case-files")
    parser.add_argument("--index-attempts", type=int, default=1_000_000, help="over 500 tests")
    arguments = parser.parse_args()
    groups = arguments.only.split(",")
    database.ensure_database()
    database.migrate()
    admin_client()  # the user the verdicts are given by
    print(f"load average at start: {load_average()}")
    rows = []
    if "index" in groups:
        rows += measure_tests_index(arguments.index_attempts)
    if "page" in groups:
        rows += measure_test_page(tuple(int(size) for size in arguments.attempts.split(",")))
    if "case-files" in groups:
        rows += measure_case_files()
    print("\n".join(Report(rows=rows).results_table()))
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
