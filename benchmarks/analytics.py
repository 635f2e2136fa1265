"""`python -m benchmarks.analytics [--attempts 50000] [--only index,page,case-files]`: the tests
index at a million attempts over 500 tests, a test's page at 50,000 attempts, and the case files
of 200 attempts exported as one ZIP, with time and peak memory, each beside its reference from
the same run. Prints Markdown.

The test page is served by Django's test client as a test admin (everything from the URL to
the finished response) on the benchmark database (BENCH_DATABASE_URL, PostgreSQL). The case
files are fetched from a simulator on a loopback port, synced first by the sync itself, so every
evidence file really crosses HTTP through a presigned URL; the ZIP's bytes are counted and
dropped as they stream, as a response would send them. Peak memory is tracemalloc's peak of
Python allocations during the measured work (the simulator serving the files runs in the same
process and is counted too).
"""

from __future__ import annotations

import argparse
import os
import random
import time
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.roles import PROCTOR  # noqa: E402
from access.scopes import set_grants  # noqa: E402
from analytics import candidate_keys, minutes  # noqa: E402
from analytics.case_file import case_files_stream  # noqa: E402
from analytics.models import AttemptMinute  # noqa: E402
from autoproctor.testing import Simulator  # noqa: E402
from benchmarks import database, loading  # noqa: E402
from benchmarks.measure import load_average, median, progress, timed  # noqa: E402
from benchmarks.pages import ADMIN_NAME, admin_client  # noqa: E402
from benchmarks.report import Report, Row  # noqa: E402
from proctoring import evidence_fetch, tallies  # noqa: E402
from proctoring.api_client import client_from_settings  # noqa: E402
from proctoring.models import Attempt, EvidenceRecord  # noqa: E402
from proctoring.sync import sync_evidence, sync_results  # noqa: E402
from review.models import ReviewState, Verdict, VerdictChange  # noqa: E402

TEST_ATTEMPTS = 50_000
CASE_FILES = 200
LATENCY_CASE_FILES = 40
LATENCY_MS = 100
PAGE_REPEATS = 7
LABELS = ["tab-switch", "noise-detected", "multiple-faces", "exited-full-screen", "phone"]
LOOKUP_KEY = "bench-test"


def load_test(size: int) -> None:
    """`size` attempts of one test over two hours, 0-8 violations each in random minutes, and
    a verdict on every tenth (a third of them confirmed)."""
    database.empty_tables()
    rng = random.Random(18)
    start = timezone.now() - timedelta(days=1)
    attempts = Attempt.objects.bulk_create(
        Attempt(
            client_id="bench-client",
            test_attempt_id=f"bench-{number:06d}",
            lookup_key=LOOKUP_KEY,
            candidate_name=f"Candidate {number % 4000}",
            candidate_email=f"candidate{number % 4500}@example.org",
            started_at=start + timedelta(minutes=rng.randint(0, 30)),
            submitted_at=start + timedelta(minutes=rng.randint(60, 120)),
            trust_score=min(1.0, max(0.0, rng.gauss(0.82, 0.15))),
            evidence_status="processed",
        )
        for number in range(size)
    )
    records = []
    for attempt in attempts:
        for position in range(rng.randint(0, 8)):
            records.append(
                EvidenceRecord(
                    attempt=attempt,
                    position=position,
                    label=rng.choice(LABELS),
                    is_violation=True,
                    occurred_at=start + timedelta(minutes=rng.randint(0, 120), seconds=7),
                )
            )
    EvidenceRecord.objects.bulk_create(records, batch_size=5000)
    # What the worker does after each evidence pass, here for every attempt at once.
    minutes.rebuild()
    candidate_keys.rebuild()
    user = get_user_model().objects.get(username=ADMIN_NAME)
    give_verdicts(
        attempts[::10],
        user,
        lambda index: [Verdict.VIOLATION, Verdict.CLEARED, Verdict.CLEARED][index % 3],
    )
    database.analyze()


def give_verdicts(attempts, user, verdict_of) -> None:
    now = timezone.now()
    changes = VerdictChange.objects.bulk_create(
        VerdictChange(
            attempt=attempt,
            verdict=verdict_of(index),
            reason="benchmark",
            reviewer=user,
            reviewer_name=user.username,
            at=now,
            seen_trust_score=attempt.trust_score,
        )
        for index, attempt in enumerate(attempts)
    )
    ReviewState.objects.bulk_create(
        ReviewState(
            attempt_id=change.attempt_id,
            verdict=change.verdict,
            reviewed_by=user,
            reviewer_name=user.username,
            reviewed_at=now,
            reason="benchmark",
            seen_trust_score=change.seen_trust_score,
            latest_change=change,
        )
        for change in changes
    )


def _served(client, url: str, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return seconds


def _bare(statements: list[tuple[str, object]], repeats: int) -> list[float]:
    """Seconds of the page's own SQL statements replayed on the same connection."""
    seconds = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    return seconds


def measure_test_page(size: int) -> list[Row]:
    """A test of `size` attempts: its page (time, queries, peak memory) against its own SQL
    replayed bare and against recounting its violation cells from the evidence (what every
    request did before the worker kept them); its charts' JSON; the tests index; and what
    keeping the figures costs the worker after a pass that stored 500 attempts."""
    client = admin_client()
    load_test(size)
    url = f"/tests/{LOOKUP_KEY}/"
    client.get(url)  # warm: templates compiled, connections open
    seconds = _served(client, url, PAGE_REPEATS)
    statements = []
    tracemalloc.start()
    with connection.execute_wrapper(
        lambda execute, sql, params, *args: (
            statements.append((sql, params)) or execute(sql, params, *args)
        )
    ):
        client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    bare = _bare(
        [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")],
        PAGE_REPEATS,
    )
    recount = [timed(minutes.recount, LOOKUP_KEY)[0] for _ in range(3)]
    trust = _served(client, url + "trust.json", PAGE_REPEATS)
    labels = _served(client, url + "labels.json", PAGE_REPEATS)
    index = _served(client, "/tests/", PAGE_REPEATS)
    changed = list(Attempt.objects.order_by("?").values_list("pk", flat=True)[:500])
    AttemptMinute.objects.filter(attempt_id__in=changed).delete()  # as if their evidence were new
    refresh, _ = timed(minutes.refresh, changed)
    keys, _ = timed(candidate_keys.refresh, changed)
    page_ms, bare_ms, recount_ms = (median(x) * 1000 for x in (seconds, bare, recount))
    charts_ms = (median(trust) + median(labels)) * 1000
    return [
        Row(
            "a test's page (`/tests/<key>/`), server time",
            f"{size:,} attempts in one test",
            f"{page_ms:.0f} ms (max {max(seconds) * 1000:.0f}), {len(statements)} queries, "
            f"peak {peak / 2**20:.1f} MB",
            f"its SQL replayed bare: {bare_ms:.0f} ms; its violation cells recounted from the "
            f"evidence (each request before): {recount_ms:.0f} ms",
            "≤ 500 ms, ≤ 30 MB",
            page_ms <= 500 and peak <= 30 * 2**20,
        ),
        Row(
            "its two charts' JSON",
            f"{size:,} attempts",
            f"{charts_ms:.0f} ms (trust {median(trust) * 1000:.0f}, labels "
            f"{median(labels) * 1000:.0f})",
            "",
            "≤ 150 ms",
            charts_ms <= 150,
        ),
        Row(
            "tests index",
            f"1 test of {size:,} attempts",
            f"{median(index) * 1000:.0f} ms",
            "",
            "",
            None,
        ),
        Row(
            "the worker keeping a test's figures after a pass",
            f"500 attempts of {size:,}",
            f"violation cells {refresh * 1000:.0f} ms, keys {keys * 1000:.0f} ms",
            "",
            "",
            None,
        ),
    ]


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
    seconds = _served(client, "/tests/", PAGE_REPEATS)
    rows = _served(client, "/tests/?started_after=1970-01-01", PAGE_REPEATS)
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, params, *args: (
            statements.append((sql, params)) or execute(sql, params, *args)
        )
    ):
        client.get("/tests/")
    bare = _bare(
        [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")],
        PAGE_REPEATS,
    )
    scoped = _served(_scoped_client(tests // 10), "/tests/", PAGE_REPEATS)
    page_ms, bare_ms, scoped_ms, rows_ms = (median(x) * 1000 for x in (seconds, bare, scoped, rows))
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
    parser.add_argument("--attempts", type=int, default=TEST_ATTEMPTS, help="of the one test")
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
        rows += measure_test_page(arguments.attempts)
    if "case-files" in groups:
        rows += measure_case_files()
    print("\n".join(Report(rows=rows).results_table()))
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
