"""Bulk loading for the benchmarks whose subject is not the sync: the attempts list, the
overview and the CSV export read a database that already holds up to a million attempts.

The rows are the simulator's own synthetic data (the same distributions of tests, names, trust
scores, violations and evidence as the sync benchmarks fetch over HTTP), parsed by the client's
parser and mapped by the sync's own functions, then written with COPY. The simulator makes a
dataset in one piece, so a big load is made of 50,000-attempt datasets with their own seeds, and
their attempt ids get the dataset's first row number as a prefix to stay unique.
"""

from __future__ import annotations

import json
import time

from django.db import connection
from django.utils import timezone

from benchmarks import database
from proctoring.autoproctor.values import parse_attempt, parse_evidence
from proctoring.models import SyncRun
from proctoring.simulator.clock import SimClock
from proctoring.simulator.dataset import Dataset
from proctoring.sync.results import attempt_values

CLIENT_ID = "bench-client"
DATASET_SIZE = 50_000

ATTEMPT_COLUMNS = [
    "id",
    "client_id",
    "test_attempt_id",
    "lookup_key",
    "candidate_name",
    "candidate_email",
    "started_at",
    "submitted_at",
    "trust_score",
    "evidence_status",
    "device",
    "raw",
    "first_seen_at",
    "last_synced_at",
    "evidence_fetched_at",
    "sync_error",
    "sync_error_count",
    "violation_count",
]
RECORD_COLUMNS = [
    "attempt_id",
    "device",
    "position",
    "label",
    "is_violation",
    "occurred_at",
    "recorded_at",
    "s3_path",
    "data_type",
    "misc",
    "presigned_url",
]


def attempt_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proctoring_attempt")
        return cursor.fetchone()[0]


def grow_to(target: int, *, start_time: float) -> tuple[int, float]:
    """Add attempts (and their evidence) until the table holds `target`; (added, seconds).

    Every dataset is anchored at `start_time`, so a table grown in steps looks like one grown
    at once. A SyncRun records the load, as the sync that would have written the rows does."""
    started = time.perf_counter()
    have = attempt_count()
    added = 0
    with database.bulk_load(["proctoring_attempt", "proctoring_evidencerecord"]):
        while have + added < target:
            number = have + added  # the dataset's first row: its seed and id prefix
            size = min(DATASET_SIZE, target - have - added)
            added += _load_dataset(number, size, start_time)
    if added:
        SyncRun.objects.create(
            kind=SyncRun.Kind.RESULTS,
            status=SyncRun.Status.SUCCEEDED,
            finished_at=timezone.now(),
            created=added,
            worker="benchmarks bulk load",
        )
    return added, time.perf_counter() - started


def _load_dataset(number: int, size: int, start_time: float) -> int:
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
        values = attempt_values(data)
        fetched = None
        violations = 0
        if data.evidence_ready:
            bundle = parse_evidence(dataset.evidence_json(test_attempt_id))
            records.extend(_record_row(pk, record) for record in bundle.records)
            violations = sum(record.is_violation for record in bundle.records)
            fetched = now
        values["raw"] = json.dumps(values["raw"])
        attempts.append(
            [
                pk,
                CLIENT_ID,
                f"d{number}-{test_attempt_id}",
                *values.values(),
                now,
                now,
                fetched,
                "",
                0,
                violations,
            ]
        )
    _copy("proctoring_attempt", ATTEMPT_COLUMNS, attempts)
    _copy("proctoring_evidencerecord", RECORD_COLUMNS, records)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('proctoring_attempt', 'id'), "
            "(SELECT max(id) FROM proctoring_attempt))"
        )
    return len(attempts)


def _record_row(pk: int, record) -> list:
    """The columns proctoring.sync.evidence.evidence_rows stores, without building models."""
    return [
        pk,
        record.device,
        record.position,
        record.label[:100],
        record.is_violation,
        record.occurred_at,
        record.recorded_at,
        record.s3_path,
        (record.data_type or "none")[:16],
        json.dumps(record.misc or {}),
        "",
    ]


def _copy(table: str, columns: list[str], rows) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
