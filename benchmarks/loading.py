"""Bulk loading for the benchmarks whose subject is not the sync: the attempts list, the
overview and the CSV export read a database that already holds up to a million attempts.

The rows are the simulator's own synthetic data (the same distributions of tests, names, trust
scores, violations and evidence as the sync benchmarks fetch over HTTP), parsed by the client's
parser, mapped by the sync's own functions and written by its own COPY (proctoring.sync.bulk).
The simulator makes a dataset in one piece, so a big load is made of 50,000-attempt datasets,
and their attempt ids get the dataset's first row number as a prefix to stay unique. The
table's first 50,000 attempts are made that way, with their own seeds; every later dataset is
a copy of them made by PostgreSQL (INSERT … SELECT), with its own ids, attempt ids and, over
`tests` tests, keys: making the rows in Python took about 0.4 ms an attempt (minutes for a
million), and it is not what any benchmark measures.
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
            pattern = _pattern(dataset_size) if number >= dataset_size else None
            if pattern is None:
                added += _load_dataset(number, size, start_time, tests)
            else:
                added += _copy_dataset(pattern, number, size, tests)
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


def _pattern(dataset_size: int) -> int | None:
    """The first id of the table's first `dataset_size` attempts when their ids follow one
    another (a table grown here from empty): the rows later datasets are copied from."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), count(*) FROM proctoring_attempt "
            "WHERE id < (SELECT min(id) FROM proctoring_attempt) + %s",
            [dataset_size],
        )
        first, rows = cursor.fetchone()
    return first if rows == dataset_size else None


def _copy_dataset(pattern: int, number: int, size: int, tests: int | None) -> int:
    """Dataset `number`: a copy of the first `size` attempts from id `pattern` on, with their
    evidence, given the next ids, the prefix `d<number>-` before their own attempt ids and,
    over `tests` tests, the key of their new id (as _load_dataset deals them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM proctoring_attempt")
        shift = cursor.fetchone()[0] + 1 - pattern
        names = ", ".join(f"'{name}'" for name, *_ in people.TESTS)
        number_sql = f"mod(a.id + {shift}, {tests or 1})"
        key_sql = (
            f"(ARRAY[{names}])[mod({number_sql}, {len(people.TESTS)}) + 1] || '-' || "
            f"lpad(({number_sql} / {len(people.TESTS)})::text, 3, '0')"
        )
        special = {
            "id": f"a.id + {shift}",
            "test_attempt_id": f"'d{number}-' || a.test_attempt_id",
            "lookup_key": key_sql if tests else "a.lookup_key",
        }
        columns = [field.column for field in Attempt._meta.concrete_fields]
        selected = ", ".join(special.get(column, f"a.{column}") for column in columns)
        cursor.execute(
            f"INSERT INTO proctoring_attempt ({', '.join(columns)}) SELECT {selected} "
            f"FROM proctoring_attempt a WHERE a.id >= %s AND a.id < %s",
            [pattern, pattern + size],
        )
        columns = [
            field.column for field in EvidenceRecord._meta.concrete_fields if not field.primary_key
        ]
        selected = ", ".join(
            f"e.{column} + {shift}" if column == "attempt_id" else f"e.{column}"
            for column in columns
        )
        cursor.execute(
            f"INSERT INTO proctoring_evidencerecord ({', '.join(columns)}) SELECT {selected} "
            f"FROM proctoring_evidencerecord e WHERE e.attempt_id >= %s AND e.attempt_id < %s",
            [pattern, pattern + size],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('proctoring_attempt', 'id'), "
            "(SELECT max(id) FROM proctoring_attempt))"
        )
    return size


def test_key(number: int) -> str:
    """The key of the bulk load's test `number` (0-based): `algebra-final-2026-000` and on."""
    return f"{people.TESTS[number % len(people.TESTS)][0]}-{number // len(people.TESTS):03d}"
