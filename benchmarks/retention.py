"""Retention at scale: `apply_retention` erasing every attempt of a loaded table and purging
all their evidence, against the same change made by two bare SQL statements.

The reference does what the purge does to the data in one statement each (DELETE the
evidence, UPDATE the attempts' name, email and raw JSON) with none of the purge's care:
no batches, no legal holds, no tombstones, no second look inside each batch. It runs first, in a
transaction that is rolled back (then VACUUM clears what it left), so the same rows serve both
and are loaded once, or not at all when the table already holds that many. The purge's promise
is short transactions, so its longest batch is reported too.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from benchmarks import database, loading
from proctoring.models import EvidenceRecord
from retention import erasure
from retention.sweep import apply_retention


@dataclass
class RetentionFigures:
    attempts: int
    records: int
    seconds: float
    bare_seconds: float
    batch_size: int
    batches: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.attempts / self.seconds

    @property
    def longest_batch(self) -> float:
        return max(self.batches, default=0.0)


def _load(size: int) -> int:
    """`size` attempts with their evidence: the table as it is when it holds exactly that many."""
    if loading.attempt_count() != size:
        database.empty_tables()
        loading.grow_to(size, start_time=float(int(time.time())))
    database.vacuum()
    return EvidenceRecord.objects.count()


def _bare_seconds() -> float:
    """The same change as two bare statements, timed, then rolled back: the rows stay."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM proctoring_evidencerecord")
        cursor.execute(
            "UPDATE proctoring_attempt SET candidate_name = '', candidate_email = '', raw = '{}'"
        )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    database.vacuum()  # the rolled-back versions gone, as before a purge of a settled table
    return seconds


def retention_purge(size: int, *, batch_size: int = 500) -> RetentionFigures:
    """`size` attempts (loaded unless the table holds as many): the same change made with bare
    SQL and rolled back, then all of them purged (evidence and attempts policies, erase mode)."""
    records = _load(size)
    bare_seconds = _bare_seconds()
    batches: list[float] = []

    @contextmanager
    def timed_atomic(*args, **kwargs):
        started = time.perf_counter()
        with transaction.atomic(*args, **kwargs):
            yield
        batches.append(time.perf_counter() - started)

    later = timezone.now() + timedelta(days=3650)
    with (
        override_settings(
            RETAIN_EVIDENCE_DAYS=1, RETAIN_ATTEMPTS_DAYS=1, RETAIN_ATTEMPTS_ACTION="erase"
        ),
        mock.patch.object(erasure, "transaction", SimpleNamespace(atomic=timed_atomic)),
    ):
        started = time.perf_counter()
        apply_retention(now=later, started_by="benchmarks", batch_size=batch_size)
        seconds = time.perf_counter() - started
    return RetentionFigures(size, records, seconds, bare_seconds, batch_size, batches)
