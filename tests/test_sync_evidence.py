"""The evidence pass against the simulator over HTTP: every record of every processed attempt,
failures kept per attempt, damaged evidence never stored, and claims that keep two passes from
doing the same work."""

import math
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from autoproctor import AutoProctorClient
from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import run_full_pass, sync_evidence, sync_results
from proctoring.sync.claims import claim_attempt
from proctoring.sync.evidence import store_evidence
from tests.sync_support import (
    assert_matches_simulator,
    client_for,
    expected_records,
    snapshot,
    stored_records,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    """Pool threads have connections of their own, which cannot see this test's transaction."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1


def processed_ids(simulator) -> list[str]:
    return [
        key
        for key, obj in simulator.dataset.attempts.items()
        if obj["evidence_status"] == "processed"
    ]


def plain_processed_id(simulator) -> str:
    """A processed attempt whose id needs no percent-encoding, to aim faults at its calls."""
    return next(key for key in processed_ids(simulator) if re.fullmatch(r"[A-Za-z0-9-]+", key))


def evidence_json_marker(simulator, attempt_id: str) -> str:
    return f"evidence-records/{simulator.dataset.index_of(attempt_id)}/"


def test_a_full_pass_stores_every_record_of_every_processed_attempt(simulator):
    runs = run_full_pass(client_for(simulator))

    evidence_run = runs[1]
    assert evidence_run.kind == SyncRun.Kind.EVIDENCE
    assert (evidence_run.status, evidence_run.updated) == (
        "succeeded",
        len(processed_ids(simulator)),
    )
    assert_matches_simulator(simulator)
    assert EvidenceRecord.objects.filter(device="aux").exists()
    assert EvidenceRecord.objects.filter(label="virtual-camera-detected").exists() or (
        EvidenceRecord.objects.filter(label="copy-paste-detected").exists()
    )


def test_attempts_still_processing_are_left_for_a_later_pass(simulator):
    client = client_for(simulator)
    run_full_pass(client)
    waiting = [
        key
        for key, obj in simulator.dataset.attempts.items()
        if obj["evidence_status"] != "processed"
    ]
    assert waiting
    assert not EvidenceRecord.objects.filter(attempt__test_attempt_id__in=waiting).exists()

    simulator.clock.advance(5 * 60)  # the simulator finishes processing them
    run_full_pass(client)

    assert_matches_simulator(simulator)
    newly_ready = [key for key in waiting if key in processed_ids(simulator)]
    assert EvidenceRecord.objects.filter(attempt__test_attempt_id__in=newly_ready).exists()


def test_a_failing_attempt_records_its_error_and_the_others_are_stored(simulator):
    client = client_for(simulator)
    sync_results(client)
    failing_id = plain_processed_id(simulator)
    simulator.inject("server_error", path_contains=f"/{failing_id}/evidence-records", times=-1)

    run = sync_evidence(client)

    assert run.status == SyncRun.Status.PARTIAL
    assert (run.updated, run.failed) == (len(processed_ids(simulator)) - 1, 1)
    assert failing_id in run.error_summary
    failing = Attempt.objects.get(test_attempt_id=failing_id)
    assert "500" in failing.sync_error or "server" in failing.sync_error.lower()
    assert failing.sync_error_count == 1 and failing.sync_error_at is not None
    assert failing.evidence_fetched_at is None and failing.evidence_claimed_until is None
    assert not failing.evidence_records.exists()

    sync_evidence(client)  # still failing: counted again
    assert Attempt.objects.get(test_attempt_id=failing_id).sync_error_count == 2

    simulator.clear_faults()
    run = sync_evidence(client)

    assert (run.status, run.updated, run.failed) == ("succeeded", 1, 0)
    recovered = Attempt.objects.get(test_attempt_id=failing_id)
    assert (recovered.sync_error, recovered.sync_error_at, recovered.sync_error_count) == (
        "",
        None,
        0,
    )
    assert_matches_simulator(simulator)


class ExpiringFirstUrl(AutoProctorClient):
    """A client that is too slow to use its first evidence-file URL: the simulator's clock
    passes the URL's five-minute lifetime before the JSON is fetched."""

    def __init__(self, *, simulator, **options):
        super().__init__(**options)
        self.simulator = simulator
        self.urls_given = 0

    def get_evidence_file_url(self, test_attempt_id):
        url = super().get_evidence_file_url(test_attempt_id)
        self.urls_given += 1
        if self.urls_given == 1:
            self.simulator.clock.advance(6 * 60)
        return url


def test_an_expired_evidence_file_url_is_replaced_by_a_fresh_one(simulator):
    sync_results(client_for(simulator))
    attempt_id = processed_ids(simulator)[0]
    Attempt.objects.exclude(test_attempt_id=attempt_id).update(evidence_status="processing")
    client = client_for(simulator, ExpiringFirstUrl, simulator=simulator)
    simulator.clear_requests()

    run = sync_evidence(client)

    assert (run.status, run.updated) == ("succeeded", 1)
    assert client.urls_given == 2
    json_statuses = [
        request.status
        for request in simulator.requests
        if evidence_json_marker(simulator, attempt_id) in request.path
    ]
    assert json_statuses == [403, 200]  # the expired URL was refused, the new one worked
    attempt = Attempt.objects.get(test_attempt_id=attempt_id)
    assert stored_records(attempt.pk) == expected_records(
        simulator.dataset.evidence_json(attempt_id)
    )


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("partial_evidence", {"mode": "truncate"}),
        ("partial_evidence", {"mode": "missing_aux"}),
        ("partial_evidence", {"mode": "short_read"}),
        ("malformed", {}),
        ("wrong_shape", {}),
    ],
    ids=["truncated", "missing-aux-list", "short-read", "html-page", "wrong-shape"],
)
def test_damaged_evidence_json_leaves_the_previous_records_exactly_as_they_were(
    simulator, kind, params
):
    client = client_for(simulator)
    run_full_pass(client)
    # An attempt with an auxiliary device, so a missing aux list would lose records.
    attempt_id = next(
        key
        for key in processed_ids(simulator)
        if simulator.dataset.evidence_json(key)["aux_device_evidence"]
    )
    attempt = Attempt.objects.get(test_attempt_id=attempt_id)
    records_before = list(EvidenceRecord.objects.filter(attempt=attempt).order_by("pk").values())
    # AutoProctor re-processed the attempt: its evidence has to be fetched again.
    simulator.dataset.update(attempt_id, submitted_at="2030-01-01T10:00:00.000000Z")
    sync_results(client)
    simulator.inject(
        kind, path_contains=evidence_json_marker(simulator, attempt_id), times=-1, **params
    )

    run = sync_evidence(client)

    assert (run.status, run.failed) == ("partial", 1)
    after = list(EvidenceRecord.objects.filter(attempt=attempt).order_by("pk").values())
    assert after == records_before
    attempt.refresh_from_db()
    assert attempt.sync_error and attempt.evidence_fetched_at is None

    simulator.clear_faults()
    sync_evidence(client)
    assert_matches_simulator(simulator)


def test_storing_an_attempts_evidence_takes_the_same_few_queries_however_many_records(simulator):
    client = client_for(simulator)
    sync_results(client)
    by_size = sorted(
        processed_ids(simulator),
        key=lambda key: len(client.get_evidence(client.get_evidence_file_url(key)).records),
    )
    counts = {}
    for attempt_id in (by_size[0], by_size[-1]):
        attempt = Attempt.objects.get(test_attempt_id=attempt_id)
        report = client.get_attempt(attempt_id)
        records = client.get_evidence(client.get_evidence_file_url(attempt_id)).records
        claim = claim_attempt(attempt.pk)
        with CaptureQueriesContext(connection) as queries:
            assert store_evidence(attempt.pk, claim, report, records)
        counts[len(records)] = [query["sql"] for query in queries]

    small, large = sorted(counts)
    assert large >= 3 * max(small, 1)
    # Update the attempt, delete its old records, insert the new ones, plus the savepoint around
    # them inside the test's transaction. The insert is one COPY on PostgreSQL; on SQLite one
    # bulk statement per batch (its driver allows 999 parameters a statement, so maybe two).
    for size, queries in counts.items():
        inserts = [sql for sql in queries if sql.startswith(("INSERT", "COPY"))]
        if connection.vendor == "postgresql":
            assert [sql.split(" (")[0] for sql in inserts] == ['COPY "proctoring_evidencerecord"']
        else:
            assert len(inserts) == math.ceil(size / insert_batch_size(size))
        assert len(queries) - len(inserts) == 4


def insert_batch_size(count: int) -> int:
    fields = [field for field in EvidenceRecord._meta.concrete_fields if not field.primary_key]
    return connection.ops.bulk_batch_size(fields, [None] * count)


def test_an_attempt_claimed_by_a_working_worker_is_left_to_it(simulator):
    client = client_for(simulator)
    sync_results(client)
    claimed_id = processed_ids(simulator)[0]
    Attempt.objects.filter(test_attempt_id=claimed_id).update(
        evidence_claimed_until=timezone.now() + timedelta(minutes=5)
    )

    run = sync_evidence(client)

    assert run.updated == len(processed_ids(simulator)) - 1
    assert not EvidenceRecord.objects.filter(attempt__test_attempt_id=claimed_id).exists()


def test_the_claim_of_a_crashed_worker_expires_and_the_attempt_is_fetched(simulator):
    client = client_for(simulator)
    sync_results(client)
    Attempt.objects.update(evidence_claimed_until=timezone.now() - timedelta(seconds=1))

    run = sync_evidence(client)

    assert run.updated == len(processed_ids(simulator))
    assert_matches_simulator(simulator)


def test_evidence_fetched_before_the_attempt_changed_is_not_stored(simulator):
    client = client_for(simulator)
    sync_results(client)
    attempt_id = processed_ids(simulator)[0]
    attempt = Attempt.objects.get(test_attempt_id=attempt_id)
    claim = claim_attempt(attempt.pk)
    report = client.get_attempt(attempt_id)
    records = client.get_evidence(client.get_evidence_file_url(attempt_id)).records
    # Meanwhile the results pass sees the attempt re-submitted: the evidence in hand is stale.
    simulator.dataset.update(attempt_id, submitted_at="2030-01-01T10:00:00.000000Z")
    sync_results(client)

    assert store_evidence(attempt.pk, claim, report, records) is False
    assert not EvidenceRecord.objects.filter(attempt=attempt).exists()
    assert Attempt.objects.get(pk=attempt.pk).evidence_fetched_at is None


def test_bad_credentials_stop_the_evidence_pass_and_change_nothing(simulator):
    sync_results(client_for(simulator))
    before = snapshot()
    simulator.clear_requests()

    run = sync_evidence(client_for(simulator, client_secret="not-the-secret"))

    assert run.status == SyncRun.Status.FAILED
    assert "AUTOPROCTOR_CLIENT_SECRET" in run.error_summary
    assert "not-the-secret" not in run.error_summary
    assert snapshot() == before
    # It stopped at the first attempt (its report, then the call that tells a wrong secret
    # from an unknown attempt) instead of marking every attempt as failed.
    assert len(simulator.requests) == 2
    assert simulator.requests[-1].status == 403


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_fetch_and_store_each_attempt_once(simulator):
    """Two overlapping passes (a slow run and the next schedule), each with a pool of threads:
    every attempt is claimed by exactly one of them."""
    sync_results(client_for(simulator))
    simulator.clear_requests()
    finished = []

    def one_pass():
        try:
            finished.append(sync_evidence(client_for(simulator), workers=3))
        finally:
            connections.close_all()

    passes = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in passes:
        thread.start()
    for thread in passes:
        thread.join(timeout=120)

    assert sum(run.updated for run in finished) == len(processed_ids(simulator))
    assert all(run.failed == 0 for run in finished)
    report_requests = [r for r in simulator.requests if "evidence-records-file-url" in r.path]
    assert len(report_requests) == len(processed_ids(simulator))
    assert_matches_simulator(simulator)


def test_an_attempt_autoproctor_no_longer_knows_fails_alone(simulator):
    client = client_for(simulator)
    sync_results(client)
    Attempt.objects.create(
        client_id=simulator.client_id,
        test_attempt_id="deleted-at-autoproctor",
        evidence_status="processed",
    )

    run = sync_evidence(client)

    assert (run.status, run.updated, run.failed) == ("partial", len(processed_ids(simulator)), 1)
    unknown = Attempt.objects.get(test_attempt_id="deleted-at-autoproctor")
    assert "deleted-at-autoproctor" in unknown.sync_error
    assert unknown.sync_error_count == 1
