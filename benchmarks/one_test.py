"""One test's page (`/tests/<key>/`) as its test grows: loaded at the first size, measured, then
grown to each next size and measured again (growing the same test keeps the full run short),
each figure beside its own SQL replayed bare in the same run.

The page is served by Django's test client as a test admin (everything from the URL to the
finished response) on the benchmark database; peak memory is tracemalloc's peak of Python
allocations during one request.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from analytics import candidate_keys, minutes
from analytics.models import AttemptMinute
from benchmarks import database
from benchmarks.measure import median, progress, timed
from benchmarks.pages import ADMIN_NAME, admin_client
from benchmarks.report import Row
from proctoring.models import Attempt, EvidenceRecord
from review.models import ReviewState, Verdict, VerdictChange

PAGE_REPEATS = 7
LABELS = ["tab-switch", "noise-detected", "multiple-faces", "exited-full-screen", "phone"]
LOOKUP_KEY = "bench-test"
# The targets: the first size's page in 500 ms and 30 MB, every larger one in a second.
FIRST_TARGET_MS, FIRST_TARGET_MB, LARGER_TARGET_MS = 500, 30, 1000


def load_test(size: int, *, grow: bool = False) -> None:
    """`size` attempts of one test over two hours, 0-8 violations each in random minutes, and
    a verdict on every tenth (a third of them confirmed). With `grow`, the attempts already
    there stay and only those up to `size` are added."""
    first = Attempt.objects.filter(lookup_key=LOOKUP_KEY).count() if grow else 0
    if not grow:
        database.empty_tables()
    rng = random.Random(18 + first)
    start = timezone.now() - timedelta(days=1)
    attempts = Attempt.objects.bulk_create(
        (
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
            for number in range(first, size)
        ),
        batch_size=5000,
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
    # What the worker does after each evidence pass, here for the new attempts at once.
    new_ids = [attempt.pk for attempt in attempts]
    minutes.refresh(new_ids) if grow else minutes.rebuild()
    candidate_keys.refresh(new_ids) if grow else candidate_keys.rebuild()
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


def served(client, url: str, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return seconds


def bare(statements: list[tuple[str, object]], repeats: int) -> list[float]:
    """Seconds of a page's own SELECT statements replayed on the same connection."""
    selects = [(sql, params) for sql, params in statements if sql.lstrip().upper()[:6] == "SELECT"]
    seconds = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            for sql, params in selects:
                cursor.execute(sql, params)
                cursor.fetchall()
            seconds.append(time.perf_counter() - started)
    return seconds


def recorded(client, url: str) -> tuple[list[tuple[str, object]], int]:
    """The statements one request runs, and tracemalloc's peak during it."""
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
    return statements, peak


def measure_test_page(sizes: tuple[int, ...]) -> list[Row]:
    """The page at each size, the test grown from one to the next: at the first, also its
    violation cells recounted from the evidence, its charts' JSON, the tests index and the
    worker's refresh after a pass of 500 attempts (_first_size_rows)."""
    client = admin_client()
    url = f"/tests/{LOOKUP_KEY}/"
    rows = []
    for position, size in enumerate(sizes):
        load_test(size, grow=position > 0)
        client.get(url)  # warm: templates compiled, connections open
        seconds = served(client, url, PAGE_REPEATS)
        statements, peak = recorded(client, url)
        page_ms, bare_ms = median(seconds) * 1000, median(bare(statements, PAGE_REPEATS)) * 1000
        progress(f"test page at {size:,}: {page_ms:.0f} ms, bare {bare_ms:.0f} ms")
        figure = (
            f"{page_ms:.0f} ms (max {max(seconds) * 1000:.0f}), {len(statements)} queries, "
            f"peak {peak / 2**20:.1f} MB"
        )
        reference = f"its SQL replayed bare: {bare_ms:.0f} ms"
        if position == 0:
            recount = median([timed(minutes.recount, LOOKUP_KEY)[0] for _ in range(3)]) * 1000
            reference += (
                f"; its violation cells recounted from the evidence (each request before): "
                f"{recount:.0f} ms"
            )
            target = f"≤ {FIRST_TARGET_MS} ms, ≤ {FIRST_TARGET_MB} MB"
            met = page_ms <= FIRST_TARGET_MS and peak <= FIRST_TARGET_MB * 2**20
        else:
            target, met = f"≤ {LARGER_TARGET_MS / 1000:.0f} s", page_ms <= LARGER_TARGET_MS
        what = "a test's page (`/tests/<key>/`), server time"
        rows.append(Row(what, f"{size:,} attempts in one test", figure, reference, target, met))
        if position == 0:
            rows += _first_size_rows(client, url, size)
    return rows


def _first_size_rows(client, url: str, size: int) -> list[Row]:
    trust = served(client, url + "trust.json", PAGE_REPEATS)
    labels = served(client, url + "labels.json", PAGE_REPEATS)
    index = served(client, "/tests/", PAGE_REPEATS)
    changed = list(Attempt.objects.order_by("?").values_list("pk", flat=True)[:500])
    AttemptMinute.objects.filter(attempt_id__in=changed).delete()  # as if their evidence were new
    refresh, _ = timed(minutes.refresh, changed)
    keys, _ = timed(candidate_keys.refresh, changed)
    charts_ms = (median(trust) + median(labels)) * 1000
    return [
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
        ),  # fmt: skip
        Row(
            "the worker keeping a test's figures after a pass",
            f"500 attempts of {size:,}",
            f"violation cells {refresh * 1000:.0f} ms, keys {keys * 1000:.0f} ms",
            "",
            "",
            None,
        ),
    ]
