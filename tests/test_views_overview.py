"""The overview: headline figures, chart data as JSON and as tables, in fixed query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import median_trust_score, overview_figures
from proctoring.models import Attempt
from tests.fixtures.data import make_attempt, make_attempts, make_records, make_usage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scores", "median"),
    [
        ([], None),
        ([0.4], 0.4),
        ([0.9, 0.1, 0.5], 0.5),
        ([0.9, 0.1, 0.5, 0.7], 0.6),
        ([0.2, 0.2, 0.8, 0.8, None, None, None], 0.5),
    ],
)
def test_the_median_trust_score_ignores_unscored_attempts(scores, median):
    make_attempts(len(scores), trust_score=lambda i: scores[i])
    assert median_trust_score() == (None if median is None else pytest.approx(median))


def test_the_headline_figures_count_what_they_say(settings):
    settings.REVIEW_THRESHOLD = 0.85
    make_attempts(3, trust_score=0.95)
    make_attempts(2, trust_score=0.5)
    make_attempt(trust_score=0.849)
    make_attempt(trust_score=0.85)  # at the threshold is not under it
    make_attempt(trust_score=None, submitted_at=None, evidence_status="processing")
    make_attempt(trust_score=None, evidence_status="processing")
    figures = overview_figures()
    assert figures["attempts"] == 9
    assert figures["submitted"] == 8
    assert figures["under_threshold"] == 3
    assert figures["evidence_processing"] == 2
    assert figures["median_trust_score"] == pytest.approx(0.85)


def test_the_overview_shows_the_figures_and_the_chart_tables(proctor_client):
    make_attempts(4, trust_score=0.5)
    attempt = make_attempt(trust_score=0.95)
    make_records(attempt, "tab-switch", "tab-switch", "noise-detected")
    response = proctor_client.get(reverse("overview"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "50.0 %" in page  # the median
    assert "Under the review threshold (85 %)" in page
    # Each chart names its JSON endpoint and repeats its numbers in a table.
    for name in ["chart-attempts-per-day", "chart-trust-distribution", "chart-violations-by-label"]:
        assert f'data-chart-url="{reverse(name)}"' in page
    assert '<td>Tab switch</td><td class="num">2</td>' in page
    assert '<td>Noise detected</td><td class="num">1</td>' in page


def test_credits_are_shown_to_test_admins_only(proctor_client, test_admin_client):
    make_attempt()
    make_usage(credits_remaining=4321)
    assert "4,321" in test_admin_client.get(reverse("overview")).content.decode()
    page = proctor_client.get(reverse("overview")).content.decode()
    assert "4,321" not in page
    assert reverse("chart-credit-balance") not in page


def test_a_test_admin_is_told_when_no_credits_are_recorded_yet(test_admin_client):
    make_attempt()
    page = test_admin_client.get(reverse("overview")).content.decode()
    assert "not recorded yet" in page


def test_attempts_per_day_counts_each_day_in_the_configured_time_zone(proctor_client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9
    timezone.activate("Asia/Tokyo")
    try:
        today = timezone.localdate()
        local_midnight = timezone.make_aware(
            timezone.datetime.combine(today, timezone.datetime.min.time())
        )
        make_attempt(started_at=local_midnight + timedelta(minutes=5))  # today, Tokyo time
        make_attempt(started_at=local_midnight - timedelta(minutes=5))  # yesterday
        make_attempt(started_at=local_midnight - timedelta(minutes=10))
        make_attempt(started_at=local_midnight - timedelta(days=45))  # outside the window
        data = proctor_client.get(reverse("chart-attempts-per-day")).json()
    finally:
        timezone.deactivate()
    assert len(data["labels"]) == 30 == len(data["values"])
    assert data["labels"][-1] == today.isoformat()
    assert data["values"][-1] == 1
    assert data["values"][-2] == 2
    assert sum(data["values"]) == 3


def test_the_trust_histogram_puts_scores_in_five_percent_bands_and_marks_the_threshold(
    proctor_client, settings
):
    settings.REVIEW_THRESHOLD = 0.85
    make_attempts(6, trust_score=lambda i: [0.0, 0.049, 0.05, 0.849, 0.85, 1.0][i])
    make_attempt(trust_score=None)
    data = proctor_client.get(reverse("chart-trust-distribution")).json()
    assert len(data["values"]) == 20
    assert data["labels"][0] == "0–5 %"
    assert data["values"][0] == 2
    assert data["values"][1] == 1
    assert data["values"][16] == 1  # 84.9 %
    assert data["values"][17] == 1  # 85 %
    assert data["values"][19] == 1  # 100 % joins the top band
    assert data["below_threshold"][16] is True
    assert data["below_threshold"][17] is False
    assert data["threshold_percent"] == 85


def test_violations_by_label_counts_violations_only_and_names_them_in_words(proctor_client):
    attempt = make_attempt()
    make_records(attempt, "tab-switch", "tab-switch", "a-label-from-the-future")
    make_records(attempt, "random-photo-taken", is_violation=False)
    data = proctor_client.get(reverse("chart-violations-by-label")).json()
    assert data["labels"] == ["Tab switch", "a-label-from-the-future"]
    assert data["values"] == [2, 1]


def test_the_credit_balance_chart_lists_snapshots_oldest_first(test_admin_client):
    now = timezone.now()
    make_usage(taken_at=now - timedelta(hours=1), credits_remaining=500)
    make_usage(taken_at=now, credits_remaining=480)
    make_usage(taken_at=now - timedelta(days=400), credits_remaining=9999)  # too old to chart
    data = test_admin_client.get(reverse("chart-credit-balance")).json()
    assert data["values"] == [500, 480]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    [
        "overview",
        "chart-attempts-per-day",
        "chart-trust-distribution",
        "chart-violations-by-label",
        "chart-credit-balance",
    ],
)
def test_the_overview_runs_as_many_queries_for_50_attempts_as_for_5(test_admin_client, name):
    def grow_to(number):
        missing = number - Attempt.objects.count()
        for attempt in make_attempts(missing, trust_score=lambda i: i / 100):
            make_records(attempt, "tab-switch", "noise-detected")
        make_usage()

    grow_to(5)
    small = queries_for(test_admin_client, reverse(name))
    grow_to(50)
    assert queries_for(test_admin_client, reverse(name)) == small
