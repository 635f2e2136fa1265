"""Results passes in three tiers: an incremental pass stops at the first page of complete
attempts (any age), so a steady-state pass costs a call or two even when the young end is
dense; a settle-window sweep (every SYNC_SETTLE_SWEEP_MINUTES) reads every attempt younger than
SYNC_SETTLE_HOURS, catching their re-scores; a full sweep reads everything. Each run records its
tier, and the tier follows the settings and the last runs."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from proctoring.models import Attempt, SyncRun
from proctoring.progress_text import progress_line
from proctoring.sync import sync_results
from proctoring.sync.incremental import plan_pass
from proctoring.sync.recent_ids import RecentIds
from tests.sync_support import assert_attempts_match_simulator, client_for

pytestmark = pytest.mark.django_db
ATTEMPTS = 2000  # 20 pages of 100, over the simulator's 30 days
# Ten days of the thirty: the settle window holds about 670 attempts, some seven pages, as
# 48 hours do at 100,000 attempts.
WINDOW_HOURS = 10 * 24
NEWEST, OLDEST = (), ("ascending",)
DUE = "the last settle-window or full sweep was over 60 min ago"


def results_pages_read(simulator) -> list[int]:
    return [
        int(request.query.get("page", "1"))
        for request in simulator.requests
        if "/results/" in request.path
    ]


def synced(simulator):
    """A first (full) pass, and the evidence stored: the young attempts are complete."""
    client = client_for(simulator)
    assert sync_results(client).mode == "full"
    Attempt.objects.filter(evidence_status="processed").update(evidence_fetched_at=timezone.now())
    simulator.clear_requests()
    return client


def sweeps_ago(minutes: float) -> None:
    """Every run so far started `minutes` ago."""
    SyncRun.objects.update(started_at=timezone.now() - timedelta(minutes=minutes))


def young_complete_attempt(simulator, *, older_than_days: float) -> Attempt:
    """A submitted attempt with its evidence stored, inside the window, beyond page 3."""
    listing = simulator.dataset.listing()
    now = timezone.now()
    return next(
        attempt
        for attempt in Attempt.objects.filter(test_attempt_id__in=listing[400:600])
        .exclude(submitted_at=None)
        .exclude(evidence_fetched_at=None)
        .order_by("-submitted_at")
        if attempt.submitted_at < now - timedelta(days=older_than_days)
    )


@pytest.mark.parametrize("dialects", [NEWEST, OLDEST], ids=["newest first", "oldest first"])
def test_a_steady_pass_makes_at_most_three_calls_however_dense_the_young_end(
    make_simulator, settings, dialects
):
    settings.SYNC_SETTLE_HOURS = WINDOW_HOURS
    simulator = make_simulator(attempts=ATTEMPTS, dialects=dialects)
    client = synced(simulator)

    run = sync_results(client)

    assert (run.mode, run.status) == ("incremental", SyncRun.Status.SUCCEEDED)
    assert len(results_pages_read(simulator)) <= 3
    assert run.pages_read == len(results_pages_read(simulator))
    assert (run.created, run.updated) == (0, 0)
    # The settle-window sweep over the same data reads the whole window.
    simulator.clear_requests()
    sweep = sync_results(client, settle_window=True)
    assert sweep.mode == "settle_window"
    assert len(results_pages_read(simulator)) >= 6


@pytest.mark.parametrize("dialects", [NEWEST, OLDEST], ids=["newest first", "oldest first"])
def test_new_attempts_and_evidence_becoming_ready_are_caught_by_the_next_incremental_pass(
    make_simulator, settings, dialects
):
    settings.SYNC_SETTLE_HOURS = WINDOW_HOURS
    simulator = make_simulator(attempts=ATTEMPTS, dialects=dialects)
    client = synced(simulator)
    new_ids = simulator.dataset.add_attempts(150)
    simulator.clock.advance(3600)  # the special cases' in-progress attempts submit and process

    run = sync_results(client)

    assert run.mode == "incremental"
    assert run.created == 150
    assert Attempt.objects.filter(test_attempt_id__in=new_ids).count() == 150
    assert run.updated >= 4  # the attempts that were in progress or processing
    assert_attempts_match_simulator(simulator)
    assert len(results_pages_read(simulator)) <= 2 * 2 + 3


def test_a_young_re_score_waits_for_the_settle_window_sweep_an_old_one_for_the_full_sweep(
    make_simulator, settings
):
    settings.SYNC_SETTLE_HOURS = WINDOW_HOURS
    settings.SYNC_SETTLE_SWEEP_MINUTES = 60
    simulator = make_simulator(attempts=ATTEMPTS)
    client = synced(simulator)
    young = young_complete_attempt(simulator, older_than_days=5)
    old = simulator.dataset.listing()[-1]  # 30 days old
    simulator.dataset.update(young.test_attempt_id, trust_score=0.11)
    simulator.dataset.update(old, trust_score=0.12)

    incremental = sync_results(client)
    assert (incremental.mode, incremental.updated) == ("incremental", 0)
    assert Attempt.objects.get(pk=young.pk).trust_score != 0.11

    sweeps_ago(61)
    window = sync_results(client)
    assert window.mode == "settle_window"
    assert window.mode_reason == DUE
    assert Attempt.objects.get(pk=young.pk).trust_score == 0.11
    assert Attempt.objects.get(test_attempt_id=old).trust_score != 0.12

    assert sync_results(client).mode == "incremental"  # the sweep just ran
    full = sync_results(client, full=True)
    assert (full.mode, full.updated) == ("full", 1)
    assert Attempt.objects.get(test_attempt_id=old).trust_score == 0.12


def test_settle_sweep_minutes_of_zero_reads_the_settle_window_on_every_pass(
    make_simulator, settings
):
    settings.SYNC_SETTLE_HOURS = WINDOW_HOURS
    settings.SYNC_SETTLE_SWEEP_MINUTES = 0
    simulator = make_simulator(attempts=ATTEMPTS)
    client = synced(simulator)
    young = young_complete_attempt(simulator, older_than_days=5)
    simulator.dataset.update(young.test_attempt_id, trust_score=0.11)

    run = sync_results(client)

    assert (run.mode, run.mode_reason) == ("settle_window", "SYNC_SETTLE_SWEEP_MINUTES is 0")
    assert Attempt.objects.get(pk=young.pk).trust_score == 0.11
    assert 5 <= len(results_pages_read(simulator)) <= 10  # the window's pages, not all twenty


def ended(mode: str, minutes_ago: float, status=SyncRun.Status.SUCCEEDED) -> SyncRun:
    return SyncRun.objects.create(
        kind=SyncRun.Kind.RESULTS,
        mode=mode,
        status=status,
        listing_order="newest_first",
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("history", "minutes", "mode", "reason"),
    [
        ([], 60, "full", "no full sweep yet"),
        ([("full", 25 * 60)], 60, "full", "the last full sweep was over 24 h ago"),
        ([("full", 30)], 60, "incremental", ""),
        ([("full", 90)], 60, "settle_window", DUE),
        ([("full", 90)], 120, "incremental", ""),
        ([("full", 180), ("settle_window", 30)], 60, "incremental", ""),
        ([("full", 180), ("incremental", 5)], 60, "settle_window", DUE),
        ([("full", 30)], 0, "settle_window", "SYNC_SETTLE_SWEEP_MINUTES is 0"),
    ],
    ids=[
        "first pass",
        "full sweep due",
        "sweep recent",
        "settle-window sweep due",
        "longer interval",
        "settle-window sweep recent",
        "incremental passes do not count",
        "zero minutes",
    ],
)
def test_the_tier_follows_the_settings_and_the_last_runs(settings, history, minutes, mode, reason):
    settings.SYNC_FULL_SWEEP_HOURS = 24
    settings.SYNC_SETTLE_SWEEP_MINUTES = minutes
    for past_mode, minutes_ago in history:
        ended(past_mode, minutes_ago)

    plan = plan_pass()

    assert (plan.mode, plan.reason) == (mode, reason)


def test_a_failed_settle_window_sweep_does_not_count_as_one(settings):
    settings.SYNC_SETTLE_SWEEP_MINUTES = 60
    ended("full", 180)
    ended("settle_window", 10, status=SyncRun.Status.FAILED)

    assert plan_pass().mode == "settle_window"


def test_asked_for_a_settle_window_sweep_reads_one_unless_a_full_sweep_is_due(settings):
    settings.SYNC_SETTLE_SWEEP_MINUTES = 60
    assert plan_pass(settle_window=True).mode == "full"  # no full sweep yet
    ended("full", 5)
    plan = plan_pass(settle_window=True)
    assert (plan.mode, plan.reason) == ("settle_window", "asked for (--settle-window)")
    assert plan_pass(full=True, settle_window=True).mode == "full"


def test_the_command_runs_a_settle_window_sweep_when_asked_and_shows_it(make_simulator):
    simulator = make_simulator(attempts=300)
    synced(simulator)
    out = StringIO()

    call_command("sync_autoproctor", "--results", "--settle-window", stdout=out)

    run = SyncRun.objects.filter(kind="results").latest()
    assert (run.mode, run.mode_reason) == ("settle_window", "asked for (--settle-window)")
    assert "settle-window sweep, " in out.getvalue()
    assert "asked for (--settle-window)" in out.getvalue()
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("sync_autoproctor", "--full", "--settle-window", stdout=StringIO())


def test_the_tier_is_part_of_a_results_pass_progress_line():
    run = SyncRun(kind=SyncRun.Kind.RESULTS, mode="settle_window", pages_read=3)
    assert progress_line(run).startswith("Results: settle-window sweep, 3 pages read, ")


def test_the_sync_page_shows_each_run_s_tier_and_how_often_each_tier_runs(
    test_admin_client, settings
):
    settings.SYNC_SETTLE_HOURS = 48
    settings.SYNC_SETTLE_SWEEP_MINUTES = 45
    settings.SYNC_FULL_SWEEP_HOURS = 24
    ended("settle_window", 3)

    page = test_admin_client.get(reverse("sync-status")).content.decode()

    assert "Settle-window sweep, 0 pages" in page
    assert "every attempt of the last 48 h" in page
    assert "every 45 min" in page and "every 24 h" in page
    settings.SYNC_SETTLE_SWEEP_MINUTES = 0
    assert "every pass, as" in test_admin_client.get(reverse("sync-status")).content.decode()


def test_a_pass_remembers_only_its_last_pages_ids():
    recent = RecentIds(pages=2)
    recent.update(["a", "b"])
    recent.update(["c"])
    assert "a" in recent and "c" in recent
    recent.update(["d"])
    assert "a" not in recent and "b" not in recent
    assert "c" in recent and "d" in recent
