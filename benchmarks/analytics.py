"""`python -m benchmarks.analytics`: a test's page at 5,000 attempts, and the case files of 200
attempts exported as one ZIP, with time and peak memory. Prints Markdown.

The test page is served by Django's test client as a test admin (everything from the URL to
the finished response) on the benchmark database (BENCH_DATABASE_URL, PostgreSQL). The case
files are fetched from a simulator on a loopback port, synced first by the sync itself, so every
evidence file really crosses HTTP through a presigned URL; the ZIP's bytes are counted and
dropped as they stream, as a response would send them. Peak memory is tracemalloc's peak of
Python allocations during the measured work (the simulator serving the files runs in the same
process and is counted too).
"""

from __future__ import annotations

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
from django.utils import timezone  # noqa: E402

from analytics import evidence_fetch  # noqa: E402
from analytics.case_file import case_files_stream  # noqa: E402
from autoproctor.testing import Simulator  # noqa: E402
from benchmarks import database  # noqa: E402
from benchmarks.measure import median  # noqa: E402
from benchmarks.pages import ADMIN_NAME, admin_client  # noqa: E402
from proctoring.api_client import client_from_settings  # noqa: E402
from proctoring.models import Attempt, EvidenceRecord  # noqa: E402
from proctoring.sync import sync_evidence, sync_results  # noqa: E402
from review.models import ReviewState, Verdict, VerdictChange  # noqa: E402

TEST_ATTEMPTS = 5_000
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


def measure_test_page() -> list[str]:
    client = admin_client()
    load_test(TEST_ATTEMPTS)
    url = f"/tests/{LOOKUP_KEY}/"
    client.get(url)  # warm: templates compiled, connections open
    seconds = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    tracemalloc.start()
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    charts = []
    for chart in ("trust.json", "labels.json"):
        started = time.perf_counter()
        client.get(url + chart)
        charts.append(time.perf_counter() - started)
    index = []
    for _ in range(PAGE_REPEATS):
        started = time.perf_counter()
        client.get("/tests/")
        index.append(time.perf_counter() - started)
    return [
        f"| test page, {TEST_ATTEMPTS:,} attempts | {median(seconds) * 1000:.0f} ms "
        f"(max {max(seconds) * 1000:.0f}) | {peak / 2**20:.1f} MB | {len(queries)} queries |",
        f"| its two charts' JSON | {sum(charts) * 1000:.0f} ms together | | |",
        f"| tests index, same data | {median(index) * 1000:.0f} ms | | |",
    ]


def measure_case_files() -> list[str]:
    """The case files of CASE_FILES attempts as one ZIP from a simulator on loopback, then the
    first LATENCY_CASE_FILES of them with storage LATENCY_MS away, several files in flight (the
    product) against one at a time (the reference), in the same run."""
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
            f"| case files of {len(attempts)} attempts ({files:,} evidence files over HTTP) as "
            f"one ZIP | {seconds:.1f} s | {peak / 2**20:.1f} MB | "
            f"{total / 2**20:.1f} MB streamed |",
        ]
        few = attempts[:LATENCY_CASE_FILES]
        few_files = EvidenceRecord.objects.filter(attempt__in=few).exclude(s3_path=None).count()
        simulator.latency = LATENCY_MS / 1000
        for fetches in (evidence_fetch.CASE_FILE_FETCHES, 1):
            EvidenceRecord.objects.update(presigned_url="", presigned_url_expires_at=None)
            with _fetches(fetches):
                seconds, _ = _stream(few, user.username)
            rows.append(
                f"| case files of {len(few)} attempts ({few_files:,} files), storage "
                f"{LATENCY_MS} ms away, {fetches} file(s) in flight | {seconds:.1f} s | | "
                f"{few_files / seconds:.0f} files/s |"
            )
    return rows


def _stream(attempts: list, user_name: str) -> tuple[float, int]:
    started = time.perf_counter()
    total = 0
    for chunk in case_files_stream(attempts, user_name=user_name):
        total += len(chunk)
    return time.perf_counter() - started, total


@contextmanager
def _fetches(number: int):
    saved = evidence_fetch.CASE_FILE_FETCHES
    evidence_fetch.CASE_FILE_FETCHES = number
    try:
        yield
    finally:
        evidence_fetch.CASE_FILE_FETCHES = saved


def main() -> None:
    database.ensure_database()
    database.migrate()
    admin_client()  # the user the verdicts are given by
    rows = measure_test_page() + measure_case_files()
    print("| what | time (median) | peak memory (Python) | |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
