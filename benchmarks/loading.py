"""Bulk loading for the benchmarks whose subject is not the sync: the attempts list, the
overview and the CSV export read a database that already holds up to a million attempts.

The rows are the simulator's own synthetic data (the same distributions of tests, names, trust
scores, violations and evidence as the sync benchmarks fetch over HTTP), parsed by the client's
parser, mapped by the sync's own functions and written by its own COPY (proctoring.sync.bulk).
The simulator makes a dataset in one piece, so a big load is made of 50,000-attempt datasets
with their own seeds, and their attempt ids get the dataset's first row number as a prefix to
stay unique.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from autoproctor.testing import people
from autoproctor.testing.clock import SimClock
from autoproctor.testing.dataset import Dataset
from autoproctor.values import parse_attempt, parse_evidence
from benchmarks import database
from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import bulk
from proctoring.sync.evidence import evidence_rows
from proctoring.sync.results import attempt_values

CLIENT_ID = "bench-client"
DATASET_SIZE = 50_000
# An institution's table: a million attempts over 500 tests (the simulator alone has 6).
INSTITUTION_TESTS = 500


def attempt_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proctoring_attempt")
        return cursor.fetchone()[0]


def grow_to(
    target: int,
    *,
    start_time: float,
    dataset_size: int = DATASET_SIZE,
    tests: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, float]:
    """Add attempts (and their evidence) until the table holds `target`; (added, seconds).

    Every dataset is anchored at `start_time`, so a table grown in steps looks like one grown
    at once. A SyncRun records the load, as the sync that would have written the rows does.
    The whole load is one transaction (database.bulk_load): stopped midway, it adds nothing.
    `progress(attempts)` hears of every dataset written (not yet committed). With `tests`, the
    attempts are dealt round-robin over that many tests (`test_key`), named after the
    simulator's six, so a test holds `target / tests` attempts."""
    started = time.perf_counter()
    have = attempt_count()
    added = 0
    with database.bulk_load(["proctoring_attempt", "proctoring_evidencerecord"]):
        while have + added < target:
            number = have + added  # the dataset's first row: its seed and id prefix
            size = min(dataset_size, target - have - added)
            added += _load_dataset(number, size, start_time, tests)
            if progress:
                progress(have + added)
        if added:
            SyncRun.objects.create(
                kind=SyncRun.Kind.RESULTS,
                status=SyncRun.Status.SUCCEEDED,
                finished_at=timezone.now(),
                created=added,
                worker="benchmarks bulk load",
            )
    return added, time.perf_counter() - started


def _load_dataset(number: int, size: int, start_time: float, tests: int | None) -> int:
    dataset = Dataset(
        attempts=size,
        seed=1000 + number,
        client_id=CLIENT_ID,
        clock=SimClock(start_time, frozen=True),
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM proctoring_attempt")
        next_id = cursor.fetchone()[0] + 1
    attempts, records = [], []
    for offset, (test_attempt_id, attempt) in enumerate(dataset.attempts.items()):
        pk = next_id + offset
        data = parse_attempt(attempt)
        fetched = None
        violations = 0
        if data.evidence_ready:
            bundle = parse_evidence(dataset.evidence_json(test_attempt_id))
            records.extend(evidence_rows(pk, bundle.records))
            violations = sum(record.is_violation for record in bundle.records)
            fetched = now
        values = attempt_values(data)
        if tests:
            values["lookup_key"] = test_key(pk % tests)
        attempts.append(
            {
                "id": pk,
                "client_id": CLIENT_ID,
                "test_attempt_id": f"d{number}-{test_attempt_id}",
                **values,
                "first_seen_at": now,
                "last_synced_at": now,
                "evidence_fetched_at": fetched,
                "violation_count": violations,
            }
        )
    bulk.insert(Attempt, attempts)
    bulk.insert(EvidenceRecord, records)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('proctoring_attempt', 'id'), "
            "(SELECT max(id) FROM proctoring_attempt))"
        )
    return len(attempts)


def test_key(number: int) -> str:
    """The key of the bulk load's test `number` (0-based): `algebra-final-2026-000` and on."""
    return f"{people.TESTS[number % len(people.TESTS)][0]}-{number // len(people.TESTS):03d}"
