"""Incremental results passes: a steady-state pass costs calls in proportion to what changed,
whichever order the listing is in; a full sweep still catches a re-score of an old attempt."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from proctoring.models import Attempt, SyncRun
from proctoring.sync import sync_results
from tests.sync_support import client_for, results_pages_read, synced_complete

pytestmark = pytest.mark.django_db
ATTEMPTS = 2000  # 20 pages of 100


def first_sync(simulator):
    """A first (full) pass, and the evidence stored: what a settled account looks like."""
    client, first = synced_complete(simulator)
    assert first.pages_read == ATTEMPTS // 100
    return client


@pytest.mark.parametrize("dialects", [(), ("ascending",)], ids=["newest first", "oldest first"])
def test_a_pass_with_nothing_new_makes_at_most_three_results_calls(make_simulator, dialects):
    simulator = make_simulator(attempts=ATTEMPTS, dialects=dialects)
    client = first_sync(simulator)

    run = sync_results(client)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.mode == "incremental"
    assert run.listing_order == ("oldest_first" if dialects else "newest_first")
    assert len(results_pages_read(simulator)) <= 3
    assert run.pages_read == len(results_pages_read(simulator))
    assert (run.created, run.updated) == (0, 0)


@pytest.mark.parametrize("dialects", [(), ("ascending",)], ids=["newest first", "oldest first"])
def test_a_pass_after_new_attempts_reads_only_the_young_pages_and_stores_them(
    make_simulator, dialects
):
    simulator = make_simulator(attempts=ATTEMPTS, dialects=dialects)
    client = first_sync(simulator)
    new_ids = simulator.dataset.add_attempts(150)  # two pages' worth of changes

    run = sync_results(client)

    pages = results_pages_read(simulator)
    assert run.created == 150
    assert set(
        Attempt.objects.filter(test_attempt_id__in=new_ids).values_list(
            "test_attempt_id", flat=True
        )
    ) == set(new_ids)
    assert len(pages) <= 2 * 2 + 3
    last = -(-(ATTEMPTS + 150) // 100)
    young = range(1, 5) if not dialects else [1, *range(last - 3, last + 1)]
    assert set(pages) <= set(young)


def test_a_re_score_of_an_old_attempt_waits_for_the_full_sweep_which_full_runs_at_once(
    make_simulator,
):
    simulator = make_simulator(attempts=ATTEMPTS)
    client = first_sync(simulator)
    oldest = simulator.dataset.listing()[-1]
    simulator.dataset.update(oldest, trust_score=0.12)

    incremental = sync_results(client)
    assert incremental.updated == 0
    assert Attempt.objects.get(test_attempt_id=oldest).trust_score != 0.12

    call_command("sync_autoproctor", "--results", "--full", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123

    full = SyncRun.objects.filter(kind="results").latest()
    assert (full.mode, full.mode_reason, full.updated) == ("full", "asked for (--full)", 1)
    assert full.pages_read == ATTEMPTS // 100
    assert Attempt.objects.get(test_attempt_id=oldest).trust_score == 0.12


def test_a_full_sweep_runs_again_once_the_last_is_older_than_the_sweep_interval(
    make_simulator, settings
):
    settings.SYNC_FULL_SWEEP_HOURS = 24
    simulator = make_simulator(attempts=300)
    client = first_sync_small(simulator)
    SyncRun.objects.update(started_at=timezone.now() - timedelta(hours=25))

    run = sync_results(client)

    assert run.mode == "full"
    assert "24 h" in run.mode_reason


def first_sync_small(simulator):
    client = client_for(simulator)
    sync_results(client)
    return client


def test_an_api_without_paging_falls_back_to_full_passes_and_says_so(make_simulator):
    simulator = make_simulator(attempts=300, dialects=("unpaged",))
    client = client_for(simulator)
    sync_results(client)
    Attempt.objects.update(evidence_fetched_at=timezone.now())

    run = sync_results(client)

    assert run.mode == "full"
    assert run.listing_order == "unpaged"
    assert "no paging" in run.mode_reason
    assert Attempt.objects.count() == 300
