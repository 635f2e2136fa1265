"""The results pass against the simulator over HTTP: every attempt stored as sent, changes
applied, nothing rewritten or deleted without cause, and one pass at a time."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from autoproctor import AutoProctorClient
from proctoring.models import Attempt, SyncLease, SyncRun
from proctoring.sync import run_full_pass, sync_results
from proctoring.sync.leases import acquire
from tests.sync_support import (
    assert_attempts_match_simulator,
    client_for,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    """Pool threads have connections of their own, which cannot see this test's transaction."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1


def attempt_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if '"proctoring_attempt"' in query["sql"]]


def test_the_first_pass_stores_every_attempt_exactly_as_the_api_sends_it(simulator):
    run = sync_results(client_for(simulator))

    assert (run.status, run.created, run.updated, run.unchanged) == ("succeeded", 30, 0, 0)
    assert run.finished_at is not None
    assert_attempts_match_simulator(simulator)


def test_attempts_are_stored_under_the_accounts_client_id(simulator):
    sync_results(client_for(simulator))
    assert set(Attempt.objects.values_list("client_id", flat=True)) == {simulator.client_id}


def test_a_second_pass_with_nothing_changed_writes_nothing(simulator):
    client = client_for(simulator)
    sync_results(client)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        run = sync_results(client)

    assert (run.status, run.created, run.updated, run.unchanged) == ("succeeded", 0, 0, 30)
    assert snapshot() == before
    writes = [sql for sql in attempt_queries(queries) if not sql.startswith("SELECT")]
    assert writes == []


def test_a_rescored_attempt_takes_the_new_trust_score(simulator):
    client = client_for(simulator)
    run_full_pass(client)
    attempt_id = next(
        key for key, obj in simulator.dataset.attempts.items() if obj["trust_score"] is not None
    )
    fetched_at = Attempt.objects.get(test_attempt_id=attempt_id).evidence_fetched_at
    simulator.dataset.update(attempt_id, trust_score=0.4242)

    run = sync_results(client)

    assert (run.created, run.updated, run.unchanged) == (0, 1, 29)
    attempt = Attempt.objects.get(test_attempt_id=attempt_id)
    assert attempt.trust_score == 0.4242
    assert attempt.raw["trust_score"] == 0.4242
    assert attempt.last_synced_at > attempt.first_seen_at
    # A new score alone does not make the evidence stale.
    assert attempt.evidence_fetched_at == fetched_at


@pytest.mark.parametrize(
    "change",
    [
        {"submitted_at": "2030-01-01T10:00:00.000000Z"},
        {"evidence_status": "reprocessing"},
    ],
    ids=["submitted_at", "evidence_status"],
)
def test_a_changed_submission_or_evidence_status_marks_the_evidence_for_fetching_again(
    simulator, change
):
    client = client_for(simulator)
    run_full_pass(client)
    processed = [
        k for k, o in simulator.dataset.attempts.items() if o["evidence_status"] == "processed"
    ]
    changed_id, other_id = processed[0], processed[1]
    records_before = Attempt.objects.get(test_attempt_id=changed_id).evidence_records.count()
    simulator.dataset.update(changed_id, **change)

    sync_results(client)

    changed = Attempt.objects.get(test_attempt_id=changed_id)
    assert changed.evidence_fetched_at is None
    # The old records stay until the new evidence replaces them.
    assert changed.evidence_records.count() == records_before
    assert Attempt.objects.get(test_attempt_id=other_id).evidence_fetched_at is not None


def test_a_shorter_listing_deletes_nothing(simulator):
    client = client_for(simulator)
    sync_results(client)
    first_five = list(simulator.dataset.attempts.values())[:5]
    simulator.inject(
        "wrong_shape",
        path_contains="/results/",
        body={"status": "success", "count": 5, "next": None, "results": first_five},
    )

    run = sync_results(client)

    assert (run.status, run.created, run.updated, run.unchanged) == ("succeeded", 0, 0, 5)
    assert Attempt.objects.count() == 30


def test_an_attempt_that_cannot_be_stored_faithfully_is_reported_and_keeps_its_old_values(
    simulator,
):
    client = client_for(simulator)
    sync_results(client)
    attempt_id = next(
        key for key, obj in simulator.dataset.attempts.items() if obj["trust_score"] is not None
    )
    old_score = Attempt.objects.get(test_attempt_id=attempt_id).trust_score
    simulator.dataset.update(attempt_id, trust_score=85)  # a percentage where a fraction belongs

    run = sync_results(client)

    assert run.status == SyncRun.Status.PARTIAL
    assert (run.unchanged, run.failed) == (29, 1)
    assert attempt_id in run.error_summary and "trust_score" in run.error_summary
    assert Attempt.objects.get(test_attempt_id=attempt_id).trust_score == old_score


def test_attempts_across_several_pages_are_all_stored_with_a_few_queries_per_page(
    make_simulator,
):
    simulator = make_simulator(attempts=250)

    with CaptureQueriesContext(connection) as queries:
        run = sync_results(client_for(simulator))

    assert run.created == 250
    assert_attempts_match_simulator(simulator)
    # Three pages of at most 100: one read and one bulk upsert each (SQLite splits an insert
    # into batches of its parameter limit). A per-row save loop would need hundreds. Once per
    # pass, the attempts it wrote are read again for the keys the analytics keep (two).
    assert len(attempt_queries(queries)) <= 3 * 4 + 2


def test_a_pass_while_another_holds_the_lease_is_skipped_without_calling_the_api(simulator):
    acquire("results")
    simulator.clear_requests()

    run = sync_results(client_for(simulator))

    assert run.status == SyncRun.Status.SKIPPED
    assert "Another results pass is running" in run.error_summary
    assert Attempt.objects.count() == 0
    assert simulator.requests == []


def test_the_lease_of_a_crashed_pass_expires_and_the_next_pass_runs(simulator):
    SyncLease.objects.create(
        name="results", holder="crashed:1:x", expires_at=timezone.now() - timedelta(seconds=1)
    )
    run = sync_results(client_for(simulator))
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Attempt.objects.count() == 30
    assert not SyncLease.objects.exists()  # released at the end


def test_a_pass_that_fails_releases_its_lease(simulator):
    run = sync_results(client_for(simulator, client_secret="not-the-secret"))
    assert run.status == SyncRun.Status.FAILED
    assert not SyncLease.objects.exists()


class BrokenClient(AutoProctorClient):
    """A client with a bug: the pass must not be left 'running' forever because of it."""

    def iter_result_pages(self, lookup_key=None):
        yield from super().iter_result_pages(lookup_key)
        raise RuntimeError("a bug after the last page")


def test_an_unexpected_error_fails_the_run_and_releases_the_lease(simulator):
    with pytest.raises(RuntimeError):
        sync_results(client_for(simulator, BrokenClient))

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert "Unexpected error (RuntimeError): a bug after the last page" in run.error_summary
    assert run.created == 30  # the pages stored before the error stay stored
    assert not SyncLease.objects.exists()


class StalledClient(AutoProctorClient):
    """Stalls after the first page for longer than its lease, and another pass takes over."""

    def iter_result_pages(self, lookup_key=None):
        for number, page in enumerate(super().iter_result_pages(lookup_key)):
            if number == 1:
                SyncLease.objects.update(expires_at=timezone.now())
                self.successor = acquire("results")
                time.sleep(1.1)  # past the next checkpoint (a quarter of SYNC_LEASE_SECONDS)
            yield page


# Committed transactions: the full sweep fetches its next page in a thread of its own.
@pytest.mark.django_db(transaction=True)
def test_a_pass_that_lost_its_lease_to_another_stops_and_leaves_the_lease_to_it(
    make_simulator, settings
):
    settings.SYNC_LEASE_SECONDS = 3
    client = client_for(make_simulator(attempts=250), StalledClient)

    run = sync_results(client)

    assert run.status == SyncRun.Status.FAILED
    assert "lease expired" in run.error_summary
    assert run.created == 200  # two pages stored, the third left to the pass that took over
    assert SyncLease.objects.get().holder == client.successor.holder
