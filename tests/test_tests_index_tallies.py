"""The tests index over every date reads its figures from the tallies (analytics.tallied_figures):
every figure equals the row-counting path's (analytics.figures.test_figures) on both databases,
with several tests, thresholds inside a band and per test, verdicts of every kind, a scope, and
after an incremental change; and it reads a fixed number of queries whatever the tests."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.scopes import EVERY_TEST, Scope
from analytics import figures as rows
from analytics.tallied_figures import tallied_test_figures
from proctoring.models import Attempt, EvidenceStatus
from review import services
from review.models import PerTestThreshold, Verdict
from tests.fixtures.data import make_attempt, make_attempts

pytestmark = pytest.mark.django_db


def assert_equal_to_the_rows(scope: Scope = EVERY_TEST) -> None:
    counted = {f.lookup_key: f for f in rows.test_figures(Attempt.objects.filter(scope.q()))}
    kept = {f.lookup_key: f for f in tallied_test_figures(scope)}
    assert kept.keys() == counted.keys()
    for key, figures in kept.items():
        expected = counted[key]
        assert figures.median_trust == (
            None if expected.median_trust is None else pytest.approx(expected.median_trust)
        )
        figures.median_trust = expected.median_trust
        assert figures == expected


@pytest.fixture
def tests_data(test_admin):
    now = timezone.now()
    scores = [0.8499, 0.85, 0.853, 0.8531, 0.86, 0.1, None, 1.0, 0.0, 0.4]
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
    make_attempt(lookup_key="", trust_score=0.2)
    verdicts = [Verdict.VIOLATION, Verdict.CLEARED, Verdict.SUSPICIOUS, Verdict.SUSPICIOUS]
    for attempt, verdict in zip(algebra, verdicts, strict=False):
        services.set_verdict(user=test_admin, attempt=attempt, verdict=verdict, reason="seen")
    # Re-scored after its verdict: "changed since review".
    Attempt.objects.filter(pk=algebra[1].pk).update(trust_score=0.3)
    return algebra


def test_every_figure_equals_the_rows_whatever_the_thresholds(settings, tests_data):
    for threshold in (0.85, 0.853, 0.8531, 0.9, 0.0, 1.0):
        settings.REVIEW_THRESHOLD = threshold
        assert_equal_to_the_rows()
    PerTestThreshold.objects.create(lookup_key="biology", threshold=0.7265)
    assert_equal_to_the_rows()
    assert_equal_to_the_rows(Scope(frozenset(["biology"])))
    assert_equal_to_the_rows(Scope(frozenset(["alg*"])))
    assert_equal_to_the_rows(Scope(frozenset()))


def test_after_an_incremental_change(tests_data):
    assert_equal_to_the_rows()
    Attempt.objects.filter(pk=tests_data[5].pk).update(trust_score=0.99, lookup_key="biology")
    Attempt.objects.filter(pk=tests_data[6].pk).update(trust_score=0.5)
    Attempt.objects.filter(pk=tests_data[7].pk).delete()
    Attempt.objects.filter(pk=tests_data[2].pk).update(trust_score=0.95)
    make_attempts(2, lookup_key="zoology", trust_score=0.33)
    assert_equal_to_the_rows()


@pytest.mark.parametrize("count", [1, 2, 7, 8])
def test_the_median_is_the_rows_median(count):
    make_attempts(count, lookup_key="t", trust_score=lambda i: round(0.97 - i * 0.0731, 4))
    make_attempts(count + 1, lookup_key="u", trust_score=lambda i: round(0.5 + i * 0.0011, 4))
    assert_equal_to_the_rows()


def test_the_page_shows_the_tallied_figures_and_the_filtered_ones_from_rows(client, test_admin):
    make_attempts(3, lookup_key="algebra", trust_score=0.9)
    client.force_login(test_admin)
    with CaptureQueriesContext(connection) as queries:
        client.get("/tests/")
    assert any("proctoring_attempttally" in q["sql"] for q in queries)
    with CaptureQueriesContext(connection) as queries:
        client.get("/tests/", {"started_after": "2020-01-01"})
    assert not any("proctoring_attempttally" in q["sql"] for q in queries)


def test_a_fixed_number_of_queries_for_3_tests_and_for_30(client, test_admin):
    client.force_login(test_admin)
    counts = []
    for tests in (3, 30):
        make_attempts(
            60, lookup_key=lambda i, n=tests: f"t{i % n}", trust_score=lambda i: i % 97 / 97
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tests/")
        assert response.status_code == 200
        assert f"t{tests - 1}" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
