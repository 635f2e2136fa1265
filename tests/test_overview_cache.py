"""The overview's figures and charts are computed once per data generation: read from the cache
until a sync run changes data, recomputed at once when one does, never cached without one."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proctoring.models import SyncRun
from retention.sweep import apply_retention
from tests.fixtures.data import make_attempts, make_records

pytestmark = pytest.mark.django_db

COUNTED_TABLES = [
    "proctoring_attempt",
    "proctoring_evidencerecord",
    "proctoring_attempttally",
    "proctoring_attemptday",
    "proctoring_violationtally",
]
ATTEMPT_CHARTS = ["chart-attempts-per-day", "chart-trust-distribution", "chart-violations-by-label"]


def a_sync_run(**counts):
    return SyncRun.objects.create(
        kind=counts.pop("kind", SyncRun.Kind.RESULTS),
        status=SyncRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        **counts,
    )


def attempt_count_on_overview(client):
    return client.get(reverse("overview")).context["figures"]["attempts"]


def aggregate_queries(client, url):
    """The statements of one request that read the attempts, the evidence or their tallies."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        query["sql"]
        for query in captured.captured_queries
        if any(f'"{table}"' in query["sql"] for table in COUNTED_TABLES)
    ]


def test_after_a_sync_the_charts_and_the_page_share_one_computation(proctor_client):
    attempt = make_attempts(3, trust_score=0.5)[0]
    make_records(attempt, "tab-switch")
    a_sync_run(created=3)

    assert len(aggregate_queries(proctor_client, reverse("overview"))) >= 4
    # The JSON the charts then fetch, and the page itself again, read nothing more.
    for name in ["overview", *ATTEMPT_CHARTS]:
        assert aggregate_queries(proctor_client, reverse(name)) == [], name
    data = proctor_client.get(reverse("chart-violations-by-label")).json()
    assert data["values"] == [1]


def test_a_sync_run_that_changes_data_shows_the_new_figures_at_once(proctor_client):
    make_attempts(3)
    a_sync_run(created=3)
    assert attempt_count_on_overview(proctor_client) == 3

    make_attempts(2)
    assert attempt_count_on_overview(proctor_client) == 3  # same generation, cached
    a_sync_run(created=2)
    assert attempt_count_on_overview(proctor_client) == 5


def test_evidence_stored_by_a_pass_shows_in_the_violation_chart_when_the_pass_ends(proctor_client):
    attempt = make_attempts(1)[0]
    a_sync_run(created=1)
    url = reverse("chart-violations-by-label")
    assert proctor_client.get(url).json()["values"] == []

    make_records(attempt, "tab-switch", "tab-switch")
    a_sync_run(kind=SyncRun.Kind.EVIDENCE, updated=1)
    assert proctor_client.get(url).json()["values"] == [2]


def test_a_sync_run_that_changed_nothing_keeps_the_cached_figures(proctor_client):
    make_attempts(3)
    a_sync_run(created=3)
    assert attempt_count_on_overview(proctor_client) == 3

    make_attempts(1)
    a_sync_run(unchanged=3)
    a_sync_run(kind=SyncRun.Kind.USAGE, created=1)
    assert aggregate_queries(proctor_client, reverse("overview")) == []


def test_progress_of_a_running_results_pass_starts_a_new_generation(proctor_client):
    make_attempts(2)
    running = a_sync_run(created=2)
    assert attempt_count_on_overview(proctor_client) == 2

    make_attempts(3)
    running.created = 5  # the pass's checkpoint
    running.save(update_fields=["created"])
    assert attempt_count_on_overview(proctor_client) == 5


def test_without_any_sync_run_every_request_counts_afresh(proctor_client):
    make_attempts(2)
    assert attempt_count_on_overview(proctor_client) == 2
    make_attempts(1)
    assert attempt_count_on_overview(proctor_client) == 3


def test_the_cache_follows_the_review_threshold(proctor_client, settings):
    make_attempts(2, trust_score=0.8)
    a_sync_run(created=2)
    settings.REVIEW_THRESHOLD = 0.85
    assert proctor_client.get(reverse("overview")).context["figures"]["under_threshold"] == 2
    settings.REVIEW_THRESHOLD = 0.5
    assert proctor_client.get(reverse("overview")).context["figures"]["under_threshold"] == 0


def test_a_purge_shows_in_the_figures_at_once(proctor_client, settings):
    settings.RETAIN_ATTEMPTS_DAYS = 30
    settings.RETAIN_ATTEMPTS_ACTION = "delete"
    old = timezone.now() - timedelta(days=60)
    make_attempts(2, started_at=old, submitted_at=old)
    make_attempts(1)
    a_sync_run(created=3)
    assert attempt_count_on_overview(proctor_client) == 3

    apply_retention()

    assert attempt_count_on_overview(proctor_client) == 1
