"""A test's page reads its figures, its trust chart and what a threshold costs from the tallies
(analytics.test_tallies): each equals the row-counting path's on both databases, with
thresholds inside a band, per test and at the ends, verdicts of every kind, a key that looks
like a scope pattern, and after an incremental change."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import calibration, test_tallies
from analytics import figures as rows
from dashboard.selectors import charts
from proctoring.models import Attempt, EvidenceStatus
from review import services
from review.models import PerTestThreshold, Verdict
from review.thresholds import threshold_for
from tests.fixtures.data import make_attempt, make_attempts

pytestmark = pytest.mark.django_db

KEYS = ["algebra", "biology", "chemistry", "alg*", "nothing"]
THRESHOLDS = [0.0, 0.1, 0.4, 0.8499, 0.85, 0.853, 0.8531, 0.86, 0.9, 0.99, 1.0]


def assert_equal_to_the_rows() -> None:
    for key in KEYS:
        counted = rows.figures_of(key)
        kept = test_tallies.figures_of(key)
        if counted is None:
            assert kept is None
            continue
        assert kept.median_trust == (
            None if counted.median_trust is None else pytest.approx(counted.median_trust)
        )
        kept.median_trust = counted.median_trust
        assert kept == counted
        attempts = Attempt.objects.filter(lookup_key=key)
        bands = test_tallies.bands(key)
        threshold = threshold_for(key)
        assert test_tallies.trust_distribution(bands, threshold) == charts.trust_distribution(
            attempts=attempts, threshold=threshold
        )
        assert test_tallies.scored_under(key, bands, THRESHOLDS) == [
            attempts.filter(trust_score__lt=threshold).count() for threshold in THRESHOLDS
        ]


@pytest.fixture
def tests_data(test_admin):
    now = timezone.now()
    scores = [0.8499, 0.85, 0.853, 0.8531, 0.86, 0.1, None, 1.0, 0.0, 0.4, 0.45, 0.9]
    algebra = make_attempts(
        len(scores),
        lookup_key="algebra",
        trust_score=lambda i: scores[i],
        started_at=lambda i: now - timedelta(hours=5 * i),
        submitted_at=lambda i: None if i == 3 else now,
        evidence_status=lambda i: EvidenceStatus.PROCESSING if i == 4 else EvidenceStatus.PROCESSED,
    )
    make_attempts(7, lookup_key="biology", trust_score=lambda i: 0.70 + i * 0.013)
    make_attempts(3, lookup_key="chemistry", trust_score=None, started_at=None)
    make_attempts(2, lookup_key="alg*", trust_score=0.33)
    make_attempt(lookup_key="", trust_score=0.2)
    verdicts = [Verdict.VIOLATION, Verdict.CLEARED, Verdict.SUSPICIOUS, Verdict.VIOLATION]
    for attempt, verdict in zip(algebra[5:], verdicts, strict=False):
        services.set_verdict(user=test_admin, attempt=attempt, verdict=verdict, reason="seen")
    # Re-scored after its verdict: "changed since review".
    Attempt.objects.filter(pk=algebra[6].pk).update(trust_score=0.3)
    return algebra


def test_every_figure_equals_the_rows_whatever_the_thresholds(settings, tests_data):
    for threshold in (0.85, 0.853, 0.8531, 0.9, 0.0, 1.0):
        settings.REVIEW_THRESHOLD = threshold
        assert_equal_to_the_rows()
    PerTestThreshold.objects.create(lookup_key="algebra", threshold=0.4501)
    assert_equal_to_the_rows()


def test_after_an_incremental_change(tests_data):
    Attempt.objects.filter(pk=tests_data[5].pk).update(trust_score=0.99, lookup_key="biology")
    Attempt.objects.filter(pk=tests_data[8].pk).update(trust_score=0.5)
    Attempt.objects.filter(pk=tests_data[3].pk).delete()
    make_attempts(2, lookup_key="nothing", trust_score=0.33)
    assert_equal_to_the_rows()


def test_the_suggestion_counts_reviews_from_the_bands(tests_data):
    suggestion = calibration.suggest_threshold("algebra")
    scored = Attempt.objects.filter(lookup_key="algebra", trust_score__isnull=False)
    # Confirmed: 0.1 and 0.0; 95 % of two is both, so just above 0.1.
    assert (suggestion.confirmed, suggestion.threshold) == (2, 0.1001)
    assert suggestion.scored == scored.count()
    assert suggestion.reviews == scored.filter(trust_score__lt=0.1001).count() == 2
    assert suggestion.reviews_now == scored.filter(trust_score__lt=0.85).count()


def test_the_page_reads_the_tallies_not_every_attempt(proctor_client, tests_data):
    with CaptureQueriesContext(connection) as queries:
        response = proctor_client.get("/tests/algebra/")
    assert response.status_code == 200
    assert response.context["figures"] == test_tallies.figures_of("algebra")
    assert any("proctoring_attempttally" in query["sql"] for query in queries)
    assert not any("percentile_cont" in query["sql"].lower() for query in queries)
