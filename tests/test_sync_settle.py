"""The settle rule of settle-window sweeps, as issue 15 states it: an attempt is settled once
it was submitted more than SYNC_SETTLE_HOURS ago with its evidence processed and stored, or is
still unsubmitted that long after starting (abandoned). Until then a settle-window sweep keeps
reading it, so a re-score within the window is caught without waiting for the full sweep.
An incremental pass asks less: that the attempt be complete, at any age (test_sync_tiers.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from autoproctor.values import AttemptData, ResultsPage
from proctoring.models import Attempt
from proctoring.sync import sync_results
from proctoring.sync.incremental import StopRule, all_settled, settled
from tests.fixtures.data import make_attempt
from tests.sync_support import results_pages_read, synced_complete

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # the pass's clock, fixed


def stored(name: str, *, started_hours_ago: float, submitted_hours_ago: float | None):
    started = NOW - timedelta(hours=started_hours_ago)
    submitted = None if submitted_hours_ago is None else NOW - timedelta(hours=submitted_hours_ago)
    return make_attempt(
        test_attempt_id=name,
        started_at=started,
        submitted_at=submitted,
        evidence_status="processed" if submitted else "processing",
        evidence_fetched_at=submitted,
    )


def page_of(*attempts: Attempt) -> ResultsPage:
    listed = [
        AttemptData(
            test_attempt_id=attempt.test_attempt_id,
            lookup_key=attempt.lookup_key,
            candidate_name=attempt.candidate_name,
            candidate_email=attempt.candidate_email,
            started_at=attempt.started_at,
            submitted_at=attempt.submitted_at,
            trust_score=attempt.trust_score,
            evidence_status=attempt.evidence_status,
            device=attempt.device,
        )
        for attempt in attempts
    ]
    return ResultsPage(number=1, attempts=listed, problems=[], total=len(listed))


@pytest.mark.parametrize(
    ("started", "submitted", "is_settled"),
    [
        (50, 49, True),  # finished before the window: settled
        (48.5, 47, False),  # finished inside the window: may still be re-scored
        (2, 1, False),  # finished an hour ago
        (49, None, True),  # unsubmitted longer than the window: abandoned
        (47, None, False),  # unsubmitted, may still be submitted
    ],
    ids=["finished 49 h ago", "finished 47 h ago", "finished 1 h ago", "abandoned", "in progress"],
)
def test_an_attempt_is_settled_only_once_it_is_older_than_the_settle_hours(
    settings, started, submitted, is_settled
):
    settings.SYNC_SETTLE_HOURS = 48
    attempt = stored("a", started_hours_ago=started, submitted_hours_ago=submitted)

    assert all_settled("client-1", page_of(attempt), now=NOW) is is_settled
    rule = StopRule("client-1", settled, now=NOW)
    assert rule.unseen == (set() if is_settled else {"a"})


def test_the_settle_hours_come_from_the_setting(settings):
    attempt = stored("a", started_hours_ago=13, submitted_hours_ago=12)

    settings.SYNC_SETTLE_HOURS = 24
    assert not all_settled("client-1", page_of(attempt), now=NOW)
    settings.SYNC_SETTLE_HOURS = 6
    assert all_settled("client-1", page_of(attempt), now=NOW)


def test_a_page_with_a_young_attempt_is_not_settled_even_when_every_other_one_is(settings):
    settings.SYNC_SETTLE_HOURS = 48
    old = [
        stored(f"old-{n}", started_hours_ago=100 + n, submitted_hours_ago=99 + n) for n in range(3)
    ]
    young = stored("young", started_hours_ago=30, submitted_hours_ago=29)

    assert all_settled("client-1", page_of(*old), now=NOW)
    assert not all_settled("client-1", page_of(*old, young), now=NOW)
    other = stored("other", started_hours_ago=20, submitted_hours_ago=19)
    rule = StopRule("client-1", settled, now=NOW)
    assert rule.unseen == {"young", "other"}
    assert not rule(page_of(*old), changed=True)  # a changed page never ends the pass
    assert rule(page_of(*old), changed=False)  # a page of settled attempts
    assert not rule(page_of(*old, young), changed=False)  # "other" is still to be seen
    # Once the pass has seen every unsettled attempt, the pages further on are settled ones.
    assert rule(page_of(*old, other), changed=False)
    assert rule.unseen == set()


def test_a_settle_window_sweep_catches_a_re_score_inside_the_settle_window(
    make_simulator, settings
):
    # 2,000 attempts over the simulator's 30 days: ten days hold about 670 of them, seven pages.
    settings.SYNC_SETTLE_HOURS = 10 * 24
    simulator = make_simulator(attempts=2000)
    client, _ = synced_complete(simulator)
    listing = simulator.dataset.listing()
    now = timezone.now()
    inside = next(
        attempt
        for attempt in Attempt.objects.filter(test_attempt_id__in=listing[400:600])
        .exclude(submitted_at=None)
        .order_by("-submitted_at")
        if attempt.submitted_at < now - timedelta(days=5)
    )
    outside = Attempt.objects.get(test_attempt_id=listing[-1])  # 30 days old
    simulator.dataset.update(inside.test_attempt_id, trust_score=0.11)
    simulator.dataset.update(outside.test_attempt_id, trust_score=0.12)
    simulator.clear_requests()

    run = sync_results(client, settle_window=True)

    assert run.mode == "settle_window"
    assert Attempt.objects.get(pk=inside.pk).trust_score == 0.11
    assert Attempt.objects.get(pk=outside.pk).trust_score != 0.12  # the full sweep's job
    pages = results_pages_read(simulator)
    assert 5 <= len(pages) <= 10  # the window's pages and one more, not all twenty
