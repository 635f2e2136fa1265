"""Storing fetched evidence: one attempt's records replaced in one transaction, and the same
for many attempts at once.

Why many at once: an attempt's store is a handful of short statements and a commit, and the
round trips and commits, not the rows, were most of the database's and the pass's work per
attempt (benchmarks/HISTORY.md). `StoreQueue` groups the attempts whose evidence is fetched
while a store is under way into the next one (group commit): one conditional UPDATE of the
attempts, one DELETE of their previous records and one COPY of the new ones, one commit.

The batch keeps every rule of the one-attempt store: an attempt whose claim is no longer ours
is left out (nothing written), an attempt missing a device it had records of stores nothing
(IncompleteEvidence; the batch is redone without it), and when the batch fails for any other
reason each of its attempts is stored again on its own, so a bad attempt fails alone and the
others are stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import bulk, runs

if TYPE_CHECKING:
    from autoproctor import AttemptData, EvidenceRecordData
    from proctoring.sync.claims import ClaimBook

# Attempts stored in one transaction at most.
MAX_BATCH = 64


class IncompleteEvidence(Exception):
    """The evidence JSON parsed, but some records could not be read: storing the rest would
    lose evidence, so nothing is stored."""


def check_no_device_vanished(previous_devices: set[str], records: list[EvidenceRecordData]) -> None:
    """Refuse evidence that lacks a whole device's records the attempt had before (a list
    missing from the JSON): storing it would lose evidence."""
    vanished = previous_devices - {record.device for record in records}
    if vanished:
        raise IncompleteEvidence(
            f"the evidence JSON has no records of the {', '.join(sorted(vanished))} "
            "device, which this attempt had before; the previous records were kept. If "
            "AutoProctor really removed them, ask AutoProctor support."
        )


def stored_values(report: AttemptData, records: list[EvidenceRecordData], now: datetime) -> dict:
    """What storing the evidence writes on the attempt (and ends its claim)."""
    return {
        "trust_score": report.trust_score,
        "evidence_status": report.evidence_status,
        "violation_count": sum(record.is_violation for record in records),
        "evidence_fetched_at": now,
        "evidence_claimed_until": None,
        "evidence_recheck_at": None,
        "sync_error": "",
        "sync_error_at": None,
        "sync_error_count": 0,
    }


def store_evidence(
    pk: int, claim: datetime, report: AttemptData, records: list[EvidenceRecordData]
) -> bool:
    """Replace the attempt's records in one transaction with a fixed number of queries. False
    (and nothing written) when the claim is no longer ours; IncompleteEvidence (and nothing
    written) when a device the attempt had records of is missing from the new ones."""
    now = timezone.now()
    with transaction.atomic():
        # Updating the attempt first also locks its row until the records are replaced.
        still_ours = Attempt.objects.filter(pk=pk, evidence_claimed_until=claim).update(
            **stored_values(report, records, now)
        )
        if not still_ours:
            return False
        # Raising rolls the deletion back with the rest: the previous records stay.
        check_no_device_vanished(delete_records(pk), records)
        bulk.insert(EvidenceRecord, evidence_rows(pk, records))
    return True


def delete_records(pk: int) -> set[str]:
    """Delete the attempt's records; the devices they were of. One statement: nothing refers
    to evidence records, so Django's collection of related rows has nothing to do."""
    return delete_records_of([pk]).get(pk, set())


def delete_records_of(pks: list[int]) -> dict[int, set[str]]:
    """Delete these attempts' records; {attempt pk: the devices they were of}."""
    table = connection.ops.quote_name(EvidenceRecord._meta.db_table)
    marks = ", ".join(["%s"] * len(pks))
    devices: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE attempt_id IN ({marks}) RETURNING attempt_id, device",  # noqa: S608 (model metadata)
            pks,
        )
        for attempt_id, device in cursor.fetchall():
            devices.setdefault(attempt_id, set()).add(device)
    return devices


def record_values(record: EvidenceRecordData) -> dict:
    """Our columns derived from one parsed evidence record (the evidence pass stores them, the
    re-parse compares them); text is cut to the column, the full value stays in raw."""
    return {
        "label": record.label[:100],
        "is_violation": record.is_violation,
        "occurred_at": record.occurred_at,
        "recorded_at": record.recorded_at,
        "s3_path": record.s3_path,
        "data_type": (record.data_type or "none")[:16],
        "misc": record.misc or {},
    }


def evidence_rows(pk: int, records: list[EvidenceRecordData]) -> list[dict]:
    return [
        {
            "attempt_id": pk,
            "device": record.device,
            "position": record.position,
            **record_values(record),
            "raw": record.raw or {},
        }
        for record in records
    ]


@dataclass
class Fetched:
    """One attempt's fetched evidence waiting to be stored, and, once stored, the outcome."""

    pk: int
    report: AttemptData
    records: list[EvidenceRecordData]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # this thread stores the next batch
    stored: bool = False
    error: BaseException | None = None


class StoreQueue:
    """Group commit: `store()` returns once the attempt's evidence is stored (True), or found
    no longer ours (False), or raises what storing it on its own would have raised. One of
    the waiting threads stores the batch; the others wait for it."""

    def __init__(self, claims: ClaimBook, max_batch: int = MAX_BATCH):
        self.claims = claims
        self.max_batch = max_batch
        self.batches = 0
        self._waiting: list[Fetched] = []
        self._lock = threading.Lock()
        self._leading = False

    def store(self, pk: int, report: AttemptData, records: list[EvidenceRecordData]) -> bool:
        entry = Fetched(pk, report, records)
        with self._lock:
            self._waiting.append(entry)
            if not self._leading:
                self._leading = entry.lead = True
        while not entry.lead and not entry.done.is_set():
            entry.done.wait()
        if entry.lead:
            self._lead()
        if entry.error is not None:
            raise entry.error
        return entry.stored

    def _lead(self) -> None:
        """Store the next batch (this thread's attempt is in it), then hand over."""
        with self._lock:
            batch = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
        try:
            store_batch(batch, self.claims)
            self.batches += 1
        except Exception as error:  # a bug here must not leave the batch's threads waiting
            for entry in batch:
                entry.error = entry.error or error
            raise
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].lead = True
                    self._waiting[0].done.set()  # wakes it to lead
                else:
                    self._leading = False
            for entry in batch:
                entry.done.set()


def store_batch(batch: list[Fetched], claims: ClaimBook) -> None:
    """Store every entry's evidence, each outcome on its entry (see StoreQueue)."""
    pks = [entry.pk for entry in batch]
    with claims.locked(pks) as tokens:
        pending = list(batch)
        while pending:
            try:
                ours = _store_together(pending, tokens)
            except IncompleteEvidence as error:
                bad = error.args[1] if len(error.args) > 1 else {pending[0].pk: error}
                for entry in pending:
                    if entry.pk in bad:
                        entry.error = bad[entry.pk]
                pending = [entry for entry in pending if entry.pk not in bad]
                continue
            except Exception as error:
                if runs.database_gone(error):
                    for entry in pending:
                        entry.error = error
                    return
                _store_one_by_one(pending, tokens)
                break
            for entry in pending:
                entry.stored = entry.pk in ours
            break
        claims.forget([entry.pk for entry in batch if entry.error is None])


def _store_together(entries: list[Fetched], tokens: dict[int, datetime]) -> set[int]:
    """One transaction for all the entries; the pks whose evidence was stored. Raises
    IncompleteEvidence(message, {pk: error}) having written nothing when some lack a device."""
    if len(entries) == 1:
        entry = entries[0]
        stored = store_evidence(entry.pk, tokens[entry.pk], entry.report, entry.records)
        return {entry.pk} if stored else set()
    now = timezone.now()
    with transaction.atomic():
        ours = _update_attempts(entries, tokens, now)
        mine = [entry for entry in entries if entry.pk in ours]
        if not mine:
            return ours
        previous = delete_records_of([entry.pk for entry in mine])
        bad = {}
        for entry in mine:
            try:
                check_no_device_vanished(previous.get(entry.pk, set()), entry.records)
            except IncompleteEvidence as error:
                bad[entry.pk] = error
        if bad:
            raise IncompleteEvidence("some attempts lack a device", bad)  # rolls back
        rows = [row for entry in mine for row in evidence_rows(entry.pk, entry.records)]
        bulk.insert(EvidenceRecord, rows)
    return ours


def _store_one_by_one(entries: list[Fetched], tokens: dict[int, datetime]) -> None:
    for entry in entries:
        try:
            entry.stored = store_evidence(entry.pk, tokens[entry.pk], entry.report, entry.records)
        except Exception as error:  # the worker handles it as its own store's error
            entry.error = error


def _update_attempts(entries: list[Fetched], tokens: dict[int, datetime], now) -> set[int]:
    """Write the stored values on every attempt still claimed by us; their pks. On PostgreSQL
    one statement over arrays of the values; elsewhere one UPDATE per attempt."""
    if connection.vendor != "postgresql":
        return {
            entry.pk
            for entry in entries
            if Attempt.objects.filter(pk=entry.pk, evidence_claimed_until=tokens[entry.pk]).update(
                **stored_values(entry.report, entry.records, now)
            )
        }
    quote = connection.ops.quote_name
    column = {f.attname: quote(f.column) for f in Attempt._meta.concrete_fields}
    fixed = stored_values(entries[0].report, [], now)
    varying = ("trust_score", "evidence_status", "violation_count")
    assignments = [f"{column[name]} = v.{name}" for name in varying]
    assignments += [f"{column[name]} = %s" for name in fixed if name not in varying]
    statement = (
        f"UPDATE {quote(Attempt._meta.db_table)} AS a SET {', '.join(assignments)} "  # noqa: S608 (model metadata)
        "FROM unnest(%s::bigint[], %s::timestamptz[], %s::float8[], %s::text[], %s::int[]) "
        f"AS v(pk, claim, {', '.join(varying)}) "
        f"WHERE a.{column['id']} = v.pk AND a.{column['evidence_claimed_until']} = v.claim "
        f"RETURNING a.{column['id']}"
    )
    values = [stored_values(entry.report, entry.records, now) for entry in entries]
    parameters = [fixed[name] for name in fixed if name not in varying]
    parameters += [
        [entry.pk for entry in entries],
        [tokens[entry.pk] for entry in entries],
        *([value[name] for value in values] for name in varying),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, parameters)
        return {pk for (pk,) in cursor.fetchall()}
