"""A running pass shows how far it is: the run's row gets its counts, its total and its rate at
each checkpoint (not at each attempt), and the time left follows from them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proctoring.models import Attempt, SyncRun
from proctoring.sync import progress, sync_evidence, sync_results
from proctoring.sync.evidence import pending_attempts
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checkpoint_every_page(monkeypatch):
    monkeypatch.setattr(progress, "CHECKPOINT_SECONDS", 0)


def stored(run: SyncRun) -> SyncRun:
    return SyncRun.objects.get(pk=run.pk)


def test_a_full_sweep_stores_pages_and_attempts_read_of_the_listing_at_each_checkpoint(
    make_simulator, checkpoint_every_page
):
    simulator = make_simulator(attempts=45)
    simulator.dialect.page_size = 10
    seen_in_the_database = []

    def watch(run, tally):
        if run.pk is not None and run.kind == SyncRun.Kind.RESULTS:
            row = stored(run)
            seen_in_the_database.append((row.pages_read, row.items_done, row.items_total))

    run = sync_results(client_for(simulator), full=True, observer=watch)

    assert run.status == SyncRun.Status.SUCCEEDED
    # Told of the listing's size, then of each page: by then the previous page's checkpoint.
    assert seen_in_the_database == [
        (0, 0, None),
        (0, 0, None),
        (1, 10, 45),
        (2, 20, 45),
        (3, 30, 45),
        (4, 40, 45),
    ]
    row = stored(run)
    assert (row.pages_read, row.pages_total, row.items_done, row.items_total) == (5, 5, 45, 45)
    assert row.progress_at is not None


def test_an_incremental_pass_has_no_total_to_promise(make_simulator):
    simulator = make_simulator(attempts=45)
    sync_results(client_for(simulator), full=True)

    run = sync_results(client_for(simulator))

    assert run.mode == "incremental"
    assert run.items_total is None
    assert progress.expected_end(run) is None


def test_the_evidence_pass_counts_attempts_tried_of_those_waiting_and_stores_them_as_it_goes(
    make_simulator, checkpoint_every_page, settings
):
    simulator = make_simulator(attempts=30, latency_ms=20)
    sync_results(client_for(simulator))
    waiting = pending_attempts().count()
    assert 10 < waiting < Attempt.objects.count()
    figures_seen = []

    def watch(run, tally):
        figures_seen.append((run.items_done, run.items_total, run.updated + run.unchanged))

    run = sync_evidence(client_for(simulator), workers=1, observer=watch)

    row = stored(run)
    assert row.items_total == waiting
    assert row.items_done == waiting
    assert row.updated + row.unchanged + row.failed == waiting
    assert row.concurrency == 1
    # Told of every attempt, the counts growing with it.
    assert [done for done, _, _ in figures_seen[1:]] == list(range(1, waiting + 1))
    assert [settled for _, _, settled in figures_seen[1:]] == list(range(1, waiting + 1))


def test_progress_costs_no_write_per_attempt(make_simulator):
    simulator = make_simulator(attempts=30)
    sync_results(client_for(simulator))

    with CaptureQueriesContext(connection) as queries:
        run = sync_evidence(client_for(simulator), workers=1)

    run_table = SyncRun._meta.db_table
    writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and run_table in q["sql"]]
    assert run.updated > 10
    # A pass this quick stores its run when it finishes, and at most a checkpoint before.
    assert len(writes) <= 2


def test_the_time_left_follows_from_the_rate_at_the_last_checkpoint():
    now = timezone.now()
    run = SyncRun(items_done=200, items_total=1200, rate=10.0, progress_at=now)

    left = progress.expected_end(run)

    assert timedelta(seconds=99) < left <= timedelta(seconds=100)
    run.progress_at = now - timedelta(seconds=30)
    assert timedelta(seconds=69) < progress.expected_end(run) <= timedelta(seconds=70)
    run.rate = None
    assert progress.expected_end(run) is None


def test_the_rate_is_attempts_per_second_once_a_second_has_passed(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    tally = progress.Tally(SyncRun())
    assert tally.recent_rate() is None

    for _ in range(10):
        clock[0] += 0.5
        tally.step(3)

    assert tally.recent_rate() == pytest.approx(6.0)
    # Only the last minute counts: a slow start is forgotten.
    for _ in range(200):
        clock[0] += 1.0
        tally.step(1)
    assert tally.recent_rate() == pytest.approx(1.0, rel=0.05)
