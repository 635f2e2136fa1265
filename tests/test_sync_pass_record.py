"""What a results pass (proctoring/sync/results.py, `sync_results`) records and tells as it goes,
against the simulator over HTTP: its progress page by page, its run's mode and figures, why it
was skipped or failed, and which attempts it announces for review. The sync page, the progress
bar of `sync_autoproctor` and the review notifications show exactly these.
"""

from __future__ import annotations

import logging

import pytest
from django.dispatch import receiver
from django.utils import timezone

from autoproctor import AutoProctorClient, ServerError
from proctoring import signals
from proctoring.models import Attempt, SyncLease, SyncRun
from proctoring.sync import progress, runs, sync_results
from proctoring.sync.leases import LeaseLost, acquire
from proctoring.sync.results import checkpoint
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


class Progress:
    """An observer of the pass: the run's figures at every step, and the stored row's."""

    def __init__(self):
        self.seen: list[tuple] = []
        self.stored_pages: list[int] = []
        self.lease_expiries: list = []

    def __call__(self, run: SyncRun, tally) -> None:
        self.seen.append(
            (
                run.items_total,
                run.pages_total,
                run.items_done,
                run.pages_read,
                run.created,
                run.updated,
                run.unchanged,
                run.failed,
            )
        )
        self.stored_pages.append(SyncRun.objects.get(pk=run.pk).pages_read)
        self.lease_expiries.append(SyncLease.objects.values_list("expires_at", flat=True).first())


def test_a_full_pass_over_three_pages_shows_its_progress_page_by_page(make_simulator):
    simulator = make_simulator(attempts=230)
    progress = Progress()

    run = sync_results(client_for(simulator), observer=progress)

    # (total, pages, done, pages read, created, updated, unchanged, failed)
    assert progress.seen == [
        (230, 3, 0, 0, 0, 0, 0, 0),  # the first page's count: what lies ahead
        (230, 3, 100, 1, 100, 0, 0, 0),
        (230, 3, 200, 2, 200, 0, 0, 0),
        (230, 3, 230, 3, 230, 0, 0, 0),
    ]
    assert (run.mode, run.mode_reason, run.listing_order) == (
        "full",
        "no full sweep yet",
        "newest_first",
    )
    assert (run.status, run.items_done, run.pages_read, run.created) == ("succeeded", 230, 3, 230)


def test_the_figures_of_a_second_pass_add_up_over_its_pages(make_simulator):
    simulator = make_simulator(attempts=230)
    client = client_for(simulator)
    sync_results(client)
    for test_attempt_id in simulator.dataset.listing()[98:102]:  # the end of page 1, start of 2
        simulator.dataset.update(test_attempt_id, device="tablet")
    progress = Progress()

    run = sync_results(client, full=True, observer=progress)

    assert progress.seen[-1] == (230, 3, 230, 3, 0, 4, 226, 0)
    assert (run.mode, run.mode_reason) == ("full", "asked for (--full)")
    assert (run.created, run.updated, run.unchanged, run.failed) == (0, 4, 226, 0)


def test_a_quick_pass_does_not_store_its_progress_at_every_page(make_simulator):
    # Each stored checkpoint is a commit: at most every few seconds, not per page.
    progress = Progress()

    sync_results(client_for(make_simulator(attempts=230)), observer=progress)

    assert progress.stored_pages == [0, 0, 0, 0]


def test_a_pass_with_a_short_lease_stores_its_progress_and_renews_its_lease_as_it_goes(
    make_simulator, settings
):
    settings.SYNC_LEASE_SECONDS = 0  # every page is past the time to renew
    progress = Progress()

    run = sync_results(client_for(make_simulator(attempts=230)), observer=progress)

    assert run.status == "succeeded"
    # Told of page n before its checkpoint: the row has the pages up to n - 1.
    assert progress.stored_pages == [0, 0, 1, 2]
    expiries = progress.lease_expiries
    assert expiries[1] < expiries[2] < expiries[3]


def test_a_pass_while_another_holds_the_lease_says_who_holds_it(simulator):
    holder = acquire("results").holder

    run = sync_results(client_for(simulator))

    assert run.status == SyncRun.Status.SKIPPED
    assert run.error_summary == f"Another results pass is running ({holder})."
    assert run.kind == SyncRun.Kind.RESULTS


class FailsAfterTwoPages(AutoProctorClient):
    def iter_result_pages(self, lookup_key=None):
        for number, page in enumerate(super().iter_result_pages(lookup_key), start=1):
            yield page
            if number == 2:
                raise ServerError("AutoProctor answered 503 three times.", endpoint="results")


def test_a_failed_pass_keeps_what_it_stored_lists_every_problem_and_logs_why(
    make_simulator, caplog
):
    simulator = make_simulator(attempts=230)
    listing = simulator.dataset.listing()
    simulator.dataset.update(listing[3], trust_score=85)  # refused by the database, page 1
    simulator.dataset.update(listing[150], trust_score=85)  # and page 2

    with caplog.at_level(logging.WARNING, logger="proctoring.sync"):
        run = sync_results(client_for(simulator, FailsAfterTwoPages))

    assert run.status == SyncRun.Status.FAILED
    assert (run.created, run.failed, run.pages_read) == (198, 2, 2)
    lines = run.error_summary.splitlines()
    assert lines[0] == "AutoProctor answered 503 three times."
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"attempt {listing[3]!r}",
        f"attempt {listing[150]!r}",
    ]
    failures = [r.getMessage() for r in caplog.records if r.name == "proctoring.sync"]
    assert "Results pass failed: AutoProctor answered 503 three times." in failures
    assert not SyncLease.objects.exists()


@pytest.fixture
def announced():
    heard: list[dict] = []

    @receiver(signals.attempts_need_review, weak=False)
    def listen(sender, signal, **data):
        heard.append(data)

    yield heard
    signals.attempts_need_review.disconnect(listen)


def test_a_pass_announces_the_attempts_it_newly_put_below_the_review_threshold(
    simulator, settings, announced
):
    settings.REVIEW_THRESHOLD = 0.85
    client = client_for(simulator)
    first = sync_results(client)
    below = [
        key
        for key, obj in simulator.dataset.attempts.items()
        if obj["trust_score"] is not None and obj["trust_score"] < 0.85
    ]
    assert below
    assert [data["run_id"] for data in announced] == [first.pk]
    assert sorted(announced[0]["test_attempt_ids"]) == sorted(below)

    above = next(
        key
        for key, obj in simulator.dataset.attempts.items()
        if obj["trust_score"] is not None and obj["trust_score"] >= 0.85
    )
    simulator.dataset.update(above, trust_score=0.2)
    second = sync_results(client)
    third = sync_results(client)

    # The second pass put one more below; the third, nothing new.
    assert announced[1:] == [{"run_id": second.pk, "test_attempt_ids": [above]}]
    assert third.status == SyncRun.Status.SUCCEEDED


def test_a_failed_pass_announces_what_its_stored_pages_put_below_the_threshold(
    make_simulator, settings, announced
):
    settings.REVIEW_THRESHOLD = 0.85
    simulator = make_simulator(attempts=230)

    run = sync_results(client_for(simulator, FailsAfterTwoPages))

    assert run.status == SyncRun.Status.FAILED
    assert len(announced) == 1
    assert announced[0]["run_id"] == run.pk
    stored_below = {
        key
        for key in simulator.dataset.listing()[:200]
        if (simulator.dataset.attempts[key]["trust_score"] or 1) < 0.85
    }
    assert set(announced[0]["test_attempt_ids"]) == stored_below


def test_a_pass_after_a_full_sweep_is_incremental_in_the_order_it_learned(simulator):
    client = client_for(simulator)
    sync_results(client)

    run = sync_results(client)

    assert (run.mode, run.mode_reason, run.listing_order) == ("incremental", "", "newest_first")
    assert (run.status, run.pages_read, run.unchanged) == ("succeeded", 1, 30)


def test_an_incremental_pass_over_a_page_that_cannot_tell_its_order_goes_by_the_one_learned(
    make_simulator,
):
    client = client_for(make_simulator(attempts=1))  # one attempt: no order to read from it
    sync_results(client)

    run = sync_results(client)

    assert (run.status, run.mode, run.unchanged) == (SyncRun.Status.SUCCEEDED, "incremental", 1)


def test_a_settle_window_sweep_asked_for_is_recorded_as_one(simulator):
    client = client_for(simulator)
    sync_results(client)

    run = sync_results(client, settle_window=True)

    assert (run.mode, run.mode_reason) == ("settle_window", "asked for (--settle-window)")
    assert run.status == SyncRun.Status.SUCCEEDED


UNPAGED = "AutoProctor's results listing has no paging (or no count), so every pass reads all of it"


def test_a_listing_without_paging_is_read_whole_and_the_run_says_why(make_simulator):
    run = sync_results(client_for(make_simulator(attempts=30, dialects=("unpaged",))))

    assert (run.mode, run.mode_reason, run.listing_order) == ("full", UNPAGED, "unpaged")
    assert run.created == 30


def test_an_incremental_pass_that_finds_the_paging_gone_reads_everything_and_says_why(
    make_simulator,
):
    paged = make_simulator(attempts=30)
    sync_results(client_for(paged))
    unpaged = make_simulator(attempts=30, dialects=("unpaged",))  # the same account's data

    run = sync_results(client_for(unpaged))

    assert (run.mode, run.mode_reason, run.listing_order) == ("full", UNPAGED, "unpaged")
    assert (run.status, run.created, run.pages_read) == ("succeeded", 0, 1)


def test_a_field_a_whole_page_now_sends_empty_is_an_alarm_on_the_run(simulator):
    client = client_for(simulator)
    sync_results(client)
    scored = [
        key for key, obj in simulator.dataset.attempts.items() if obj["trust_score"] is not None
    ]
    for test_attempt_id in simulator.dataset.listing():
        simulator.dataset.update(test_attempt_id, trust_score=None)

    run = sync_results(client)

    alarms = [warning for warning in run.warnings if warning["level"] == "alarm"]
    assert [(alarm["field"], alarm["kind"], alarm["count"]) for alarm in alarms] == [
        ("trust_score", "emptied", len(scored))
    ]


@pytest.mark.parametrize("on_page_1", ["re-scored", "new"])
def test_an_incremental_pass_reads_on_past_a_page_that_changed_something(make_simulator, on_page_1):
    simulator = make_simulator(attempts=230)
    client = client_for(simulator)
    sync_results(client)
    Attempt.objects.filter(evidence_status="processed").update(evidence_fetched_at=timezone.now())
    rescored_on_page_2 = simulator.dataset.listing()[150]
    if on_page_1 == "new":
        simulator.dataset.add_attempts(1)
    else:
        simulator.dataset.update(simulator.dataset.listing()[5], device="tablet")
    simulator.dataset.update(rescored_on_page_2, trust_score=0.0123)

    run = sync_results(client)

    assert run.mode == "incremental"
    assert (run.created, run.updated) == ((1, 1) if on_page_1 == "new" else (0, 2))
    assert Attempt.objects.get(test_attempt_id=rescored_on_page_2).trust_score == 0.0123


def test_a_pass_that_lost_its_lease_says_which_setting_gives_pages_more_time():
    lease = acquire("results")
    SyncLease.objects.update(holder="another-worker:1:abc")  # it expired and was taken over
    tally = progress.Tally(runs.start_run(SyncRun.Kind.RESULTS))

    with pytest.raises(LeaseLost) as raised:
        checkpoint(tally, lease)

    assert str(raised.value) == (
        "The results lease expired during this pass and another pass took over; raise "
        "SYNC_LEASE_SECONDS if pages take this long."
    )


def test_an_unreadable_attempt_is_counted_as_failed_and_named_on_the_run(simulator):
    unreadable = simulator.dataset.listing()[4]
    simulator.dataset.update(unreadable, started_at="not a time")
    progress = Progress()

    run = sync_results(client_for(simulator), observer=progress)

    # (total, pages, done, pages read, created, updated, unchanged, failed)
    assert progress.seen == [(30, 1, 0, 0, 0, 0, 0, 0), (30, 1, 30, 1, 29, 0, 0, 1)]
    assert (run.status, run.created, run.failed) == (SyncRun.Status.PARTIAL, 29, 1)
    assert run.error_summary.startswith(f"attempt {unreadable!r}: started_at")


def test_a_pass_over_an_account_with_no_attempts_expects_one_empty_page(make_simulator):
    progress = Progress()

    run = sync_results(client_for(make_simulator(attempts=0)), observer=progress)

    assert progress.seen == [(0, 1, 0, 0, 0, 0, 0, 0), (0, 1, 0, 1, 0, 0, 0, 0)]
    assert (run.status, run.pages_read) == (SyncRun.Status.SUCCEEDED, 1)


class GrowsWhileRead(AutoProctorClient):
    """A new attempt arrives after the first page is read: the listing (newest first) shifts
    by one, and page 2 starts with the attempt page 1 ended with."""

    simulator = None

    def iter_result_pages(self, lookup_key=None):
        for number, page in enumerate(super().iter_result_pages(lookup_key), start=1):
            yield page
            if number == 1:
                self.simulator.dataset.add_attempts(1)


def test_an_attempt_pushed_onto_the_next_page_while_the_pass_reads_is_counted_once(
    make_simulator,
):
    simulator = make_simulator(attempts=230)
    client = client_for(simulator, GrowsWhileRead)
    client.simulator = simulator

    run = sync_results(client)

    assert (run.created, run.updated, run.unchanged, run.items_done) == (230, 0, 0, 231)
    assert Attempt.objects.count() == 230
