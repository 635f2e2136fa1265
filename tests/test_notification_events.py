"""The events the sync announces, from real passes against the simulator: newly
below-threshold attempts once per pass, a stage failing N times in a row and recovering,
drift alarms, and credits falling low."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import NotificationEvent
from proctoring.models import Attempt, UsageSnapshot
from proctoring.sync import sync_results, sync_usage
from tests.fixtures.data import make_usage
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


def events(name: str) -> list[dict]:
    return list(
        NotificationEvent.objects.filter(event=name)
        .order_by("created_at")
        .values_list("data", flat=True)
    )


def test_a_pass_announces_the_attempts_it_newly_found_below_the_threshold(simulator, settings):
    client = client_for(simulator)
    sync_results(client)
    below = set(
        Attempt.objects.filter(trust_score__lt=settings.REVIEW_THRESHOLD).values_list(
            "test_attempt_id", flat=True
        )
    )
    assert below, "the simulator's data has attempts to review"

    (first,) = events("attempt.needs_review")
    assert set(first["attempts"]) == below and first["count"] == len(below)
    emails = set(
        Attempt.objects.exclude(candidate_email="").values_list("candidate_email", flat=True)
    )
    assert emails and not any(email in str(first) for email in emails)

    sync_results(client)  # nothing changed: nothing new to announce
    assert len(events("attempt.needs_review")) == 1

    rescored = Attempt.objects.filter(trust_score__gte=settings.REVIEW_THRESHOLD).first()
    simulator.dataset.update(rescored.test_attempt_id, trust_score=0.1)
    sync_results(client, full=True)
    assert events("attempt.needs_review")[-1]["attempts"] == [rescored.test_attempt_id]


def test_a_stage_failing_n_times_in_a_row_is_announced_once_and_so_is_its_recovery(
    simulator, settings
):
    settings.NOTIFY_SYNC_FAILURES = 2
    refused = client_for(simulator, client_secret="wrong-secret", max_retries=0)

    for _ in range(3):
        assert sync_results(refused).status == "failed"

    (failing,) = events("sync.failing")
    assert failing["stage"] == "results"
    assert (failing["state"], failing["failures"]) == ("failing", 2)
    assert "wrong-secret" not in str(failing)

    assert sync_results(client_for(simulator)).status == "succeeded"
    recovered = events("sync.failing")[-1]
    assert (recovered["state"], recovered["failures"]) == ("recovered", 3)
    sync_results(client_for(simulator))
    assert len(events("sync.failing")) == 2


def test_a_single_failure_under_the_limit_announces_nothing(simulator, settings):
    settings.NOTIFY_SYNC_FAILURES = 3
    sync_results(client_for(simulator, client_secret="wrong-secret", max_retries=0))
    sync_results(client_for(simulator))
    assert events("sync.failing") == []


def test_drift_alarms_are_announced_when_they_appear_not_on_every_pass(make_simulator):
    simulator = make_simulator(dialects=("completed-at",))
    client = client_for(simulator)
    sync_results(client)
    sync_results(client)

    (drift,) = events("api.drift")
    assert [alarm["field"] for alarm in drift["warnings"]] == ["submitted_at"]
    assert drift["stage"] == "results"


def test_credits_falling_under_the_limit_are_announced_once(simulator, settings):
    client = client_for(simulator)
    sync_usage(client)
    balance = UsageSnapshot.objects.latest().credits_remaining
    assert events("credits.low") == []

    settings.CREDITS_WARN_BELOW = balance + 1
    sync_usage(client)
    sync_usage(client)

    (low,) = events("credits.low")
    assert low["credits_remaining"] == balance
    assert f"CREDITS_WARN_BELOW={balance + 1:,}" in low["reasons"][0]

    simulator.dataset.credits_purchased += 500  # topped up: fine again
    sync_usage(client)
    simulator.dataset.credits_purchased -= 500  # and low again: news again
    sync_usage(client)
    assert len(events("credits.low")) == 2


def test_credits_forecast_to_run_out_soon_are_announced_like_the_banner_says(simulator, settings):
    """The balance is well above CREDITS_WARN_BELOW, but ten days of history burn 100 credits
    a day: at that rate they run out within CREDITS_WARN_DAYS, which the usage page's banner
    says, and so does credits.low (once)."""
    client = client_for(simulator)
    sync_usage(client)
    balance = UsageSnapshot.objects.latest().credits_remaining
    UsageSnapshot.objects.all().delete()
    now = timezone.now()
    for day in range(10, 0, -1):
        make_usage(taken_at=now - timedelta(days=day), credits_remaining=balance + 100 * day)
    settings.CREDITS_WARN_BELOW = 0
    settings.CREDITS_WARN_DAYS = balance // 100 + 5

    sync_usage(client)
    sync_usage(client)

    (low,) = events("credits.low")
    assert low["credits_remaining"] == balance
    assert "run out in" in low["reasons"][0]
    assert f"CREDITS_WARN_DAYS={settings.CREDITS_WARN_DAYS}" in low["reasons"][0]


def test_less_than_a_day_of_snapshots_forecasts_nothing(simulator, settings):
    """Two snapshots minutes apart are no burn rate: one attempt taken between them would
    otherwise forecast the credits running out within hours and alarm everyone."""
    client = client_for(simulator)
    sync_usage(client)
    balance = UsageSnapshot.objects.latest().credits_remaining
    make_usage(taken_at=timezone.now() - timedelta(minutes=10), credits_remaining=balance + 500)
    settings.CREDITS_WARN_BELOW = 0
    settings.CREDITS_WARN_DAYS = 14

    sync_usage(client)

    assert events("credits.low") == []
