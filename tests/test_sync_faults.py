"""Whole passes against a misbehaving simulator: retried faults, a worker killed mid-pass, and
repeated passes that end with exactly the simulator's data."""

import signal
import time

import pytest

from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import run_full_pass
from tests.sync_support import (
    assert_matches_simulator,
    client_for,
    expected_records,
    snapshot,
    start_manage,
    stop_process,
    stored_records,
    subprocess_env,
    wait_until,
)


def processed_ids(simulator) -> list[str]:
    return [k for k, o in simulator.dataset.attempts.items() if o["evidence_status"] == "processed"]


@pytest.mark.django_db
def test_a_second_full_pass_changes_nothing(simulator, settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    client = client_for(simulator)
    run_full_pass(client)
    before = snapshot()

    results, evidence, usage = run_full_pass(client)

    assert (results.created, results.updated, results.unchanged) == (0, 0, 30)
    assert (evidence.updated, evidence.failed) == (0, 0)
    assert usage.status == SyncRun.Status.SUCCEEDED
    assert snapshot() == before


@pytest.mark.django_db
def test_rate_limits_server_errors_and_dropped_connections_are_retried_within_the_pass(
    simulator, settings
):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    simulator.inject("rate_limit", path_contains="/results/", times=2, retry_after=0)
    simulator.inject("server_error", path_contains="evidence-records-file-url", times=2, status=502)
    simulator.inject("drop", path_contains="/s3/", times=1)
    simulator.inject("server_error", path_contains="/usage/", times=1, status=503)

    runs = run_full_pass(client_for(simulator, max_retries=3))

    assert [run.status for run in runs] == ["succeeded"] * 3
    assert_matches_simulator(simulator)
    statuses = [request.status for request in simulator.requests]
    assert statuses.count(429) == 2 and statuses.count(502) == 2 and statuses.count(503) == 1


@pytest.mark.django_db(transaction=True)
def test_repeated_passes_with_faults_on_converge_to_exactly_the_simulators_data(
    make_simulator, settings
):
    settings.SYNC_EVIDENCE_WORKERS = 4
    simulator = make_simulator(attempts=80, fault_rate=0.25)
    # Few retries and a short timeout, so that faults also get through to the sync.
    client = client_for(simulator, max_retries=1, timeout=0.3)

    passes = []
    for _ in range(12):
        passes.append(run_full_pass(client))
        pending = Attempt.objects.filter(evidence_status="processed", evidence_fetched_at=None)
        if passes[-1][0].status == "succeeded" and not pending.exists():
            break

    # The faults got through to the sync (failed attempts, failed stages) and were overcome.
    assert any(run.failed or run.status == "failed" for runs in passes for run in runs)
    assert_matches_simulator(simulator)
    assert not Attempt.objects.exclude(sync_error="").exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_evidence_leaves_no_half_written_attempt_and_the_next_pass_completes(
    make_simulator, settings
):
    simulator = make_simulator(attempts=60)
    processed = processed_ids(simulator)
    simulator.inject("slow", path_contains="/s3/ap-evidence/evidence-records/", times=-1, delay=0.4)
    worker = start_manage(
        "sync_autoproctor",
        # At most two attempts in flight, so a busy machine cannot let the worker finish every
        # attempt before the test sees the first few stored and kills it.
        env=subprocess_env(
            simulator,
            SYNC_EVIDENCE_WORKERS=2,
            SYNC_EVIDENCE_MAX_CONCURRENCY=2,
            SYNC_LEASE_SECONDS=2,
            AUTOPROCTOR_TIMEOUT=5,
        ),
    )
    try:
        fetched = Attempt.objects.exclude(evidence_fetched_at=None)
        assert wait_until(lambda: fetched.count() >= 6, timeout=45), "no evidence was stored"
    finally:
        stop_process(worker, signal.SIGKILL)

    stored_before_kill = set(fetched.values_list("test_attempt_id", flat=True))
    assert 0 < len(stored_before_kill) < len(processed)
    for attempt in Attempt.objects.all():
        records = stored_records(attempt.pk)
        if attempt.test_attempt_id in stored_before_kill:
            assert records == expected_records(
                simulator.dataset.evidence_json(attempt.test_attempt_id)
            )
        else:
            assert records == []  # nothing half-written
    killed_run = SyncRun.objects.get(kind="evidence")
    assert killed_run.status == SyncRun.Status.RUNNING

    simulator.clear_faults()
    settings.SYNC_EVIDENCE_WORKERS = 2
    time.sleep(2.5)  # the killed worker's claims (SYNC_LEASE_SECONDS=2) expire
    results, evidence, _usage = run_full_pass(client_for(simulator))

    assert (results.created, results.updated) == (0, 0)
    assert evidence.updated == len(processed) - len(stored_before_kill)
    assert_matches_simulator(simulator)
    assert EvidenceRecord.objects.count() == sum(
        len(expected_records(simulator.dataset.evidence_json(key))) for key in processed
    )
    killed_run.refresh_from_db()
    assert killed_run.status == SyncRun.Status.FAILED
    assert "Interrupted" in killed_run.error_summary
