"""Storing the evidence of many attempts at once (proctoring.sync.evidence_store): a fixed
number of statements for the batch, an attempt missing a device fails alone, a batch the
database refuses is stored attempt by attempt, and claims taken a chunk at a time are all
released when the pass ends; the figures kept from the evidence are recounted batch by batch
while a pool pass goes on, and still equal a recomputation."""

import dataclasses
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proctoring import signals
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import announcer, sync_evidence, sync_results
from proctoring.sync.claims import ClaimBook
from proctoring.sync.evidence_store import Fetched, IncompleteEvidence, store_batch
from tests.sync_support import client_for
from tests.test_analytics_rollups import assert_kept_equal_recomputed

pytestmark = pytest.mark.django_db


def fetched(simulator, count: int) -> tuple[ClaimBook, list[Fetched]]:
    """`count` processed attempts with records, claimed and fetched; the first one has
    records of several devices."""
    client = client_for(simulator)
    sync_results(client)
    entries = []
    for attempt_id, data in simulator.dataset.attempts.items():
        if data["evidence_status"] != "processed":
            continue
        records = client.get_evidence(client.get_evidence_file_url(attempt_id)).records
        if not records:
            continue
        pk = Attempt.objects.get(test_attempt_id=attempt_id).pk
        entries.append(Fetched(pk, client.get_attempt(attempt_id), records))
    entries.sort(key=lambda entry: len({record.device for record in entry.records}) < 2)
    entries = entries[:count]
    assert len(entries) == count
    assert len({record.device for record in entries[0].records}) >= 2
    claims = ClaimBook()
    for entry in entries:
        assert claims.claim(entry.pk)
    return claims, entries


def stored(entry: Fetched) -> list[tuple]:
    return sorted(
        EvidenceRecord.objects.filter(attempt_id=entry.pk).values_list("device", "position")
    )


def test_a_batch_stores_every_attempt_with_as_many_statements_for_eight_as_for_two(simulator):
    claims, entries = fetched(simulator, 10)
    statements = []
    for batch in (entries[:2], entries[2:]):
        with CaptureQueriesContext(connection) as queries:
            store_batch(batch, claims)
        statements.append([query["sql"] for query in queries])

    for entry in entries:
        assert (entry.stored, entry.error) == (True, None)
        assert stored(entry) == sorted((r.device, r.position) for r in entry.records)
        attempt = Attempt.objects.get(pk=entry.pk)
        assert attempt.evidence_fetched_at is not None
        assert attempt.evidence_claimed_until is None
    if connection.vendor == "postgresql":
        # One UPDATE, one DELETE, one COPY (and the savepoint of the test's transaction).
        assert len(statements[0]) == len(statements[1]) <= 5
    else:  # one UPDATE per attempt, inserts of at most 999 values each; the rest the same
        two, eight = (
            [sql for sql in batch if not sql.startswith(("UPDATE", "INSERT"))]
            for batch in statements
        )
        assert len(two) == len(eight)


def test_an_attempt_missing_a_device_fails_alone_and_keeps_its_records(simulator):
    claims, entries = fetched(simulator, 4)
    store_batch(entries[:1], claims)  # its records, of several devices, are stored
    first = entries[0]
    before = stored(first)
    kept_device = first.records[0].device
    # The attempt changed (the results pass asks for its evidence again); fetched again, one
    # device's records are missing now.
    Attempt.objects.filter(pk=first.pk).update(evidence_fetched_at=None)
    assert claims.claim(first.pk)
    partial = [record for record in first.records if record.device == kept_device]
    again = [Fetched(first.pk, first.report, partial), *entries[1:]]

    store_batch(again, claims)

    assert isinstance(again[0].error, IncompleteEvidence)
    assert stored(first) == before
    for entry in again[1:]:
        assert (entry.stored, entry.error) == (True, None)
        assert stored(entry) == sorted((r.device, r.position) for r in entry.records)


def test_a_batch_the_database_refuses_is_stored_attempt_by_attempt(simulator):
    claims, entries = fetched(simulator, 4)
    # A trust score outside 0..1 breaks a check constraint: the whole batch is refused.
    bad = dataclasses.replace(entries[1].report, trust_score=5.0)
    entries[1] = Fetched(entries[1].pk, bad, entries[1].records)

    store_batch(entries, claims)

    assert entries[1].error is not None and not entries[1].stored, entries[1].error
    assert stored(entries[1]) == [], repr(entries[1].error)
    assert Attempt.objects.get(pk=entries[1].pk).evidence_claimed_until is not None  # still ours
    for entry in entries[:1] + entries[2:]:
        assert (entry.stored, entry.error) == (True, None)
        assert stored(entry) == sorted((r.device, r.position) for r in entry.records)


def test_claims_taken_a_chunk_at_a_time_are_released_when_the_pass_ends(simulator):
    sync_results(client_for(simulator))
    pks = list(Attempt.objects.order_by("pk").values_list("pk", flat=True)[:12])
    claims = ClaimBook(upcoming=pks, chunk=5)

    with CaptureQueriesContext(connection) as queries, claims.kept_alive():
        assert claims.claim(pks[0])
        claimed = set(
            Attempt.objects.filter(evidence_claimed_until__isnull=False).values_list(
                "pk", flat=True
            )
        )
        assert claimed == set(pks[:5])
        assert claims.claim(pks[1])  # already claimed with the first: no statement
    assert sum(sql["sql"].startswith("UPDATE") for sql in queries) == 1 + 5  # claim, releases
    assert not Attempt.objects.filter(evidence_claimed_until__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_a_pool_pass_recounts_the_figures_batch_by_batch_and_they_equal_a_recomputation(
    simulator, monkeypatch
):
    monkeypatch.setattr(announcer, "BATCH", 4)
    sent = []

    def note(sender, attempt_ids, **kwargs):
        sent.append((threading.current_thread().name, list(attempt_ids)))

    sync_results(client_for(simulator))
    signals.evidence_changed.connect(note)
    try:
        run = sync_evidence(client_for(simulator), workers=3)
    finally:
        signals.evidence_changed.disconnect(note)

    assert run.status == "succeeded" and run.updated > 8
    announced = [pk for _, pks in sent for pk in pks]
    assert sorted(announced) == sorted(
        Attempt.objects.filter(evidence_fetched_at__isnull=False).values_list("pk", flat=True)
    )  # every stored attempt, once
    assert any(name == "evidence-figures" for name, _ in sent)  # while the pass went on
    assert_kept_equal_recomputed()
