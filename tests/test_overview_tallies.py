"""The tallies the database keeps for the overview (proctoring.tally_models) equal a
recomputation from the attempts and evidence, on both databases: after a real sync from the
simulator, after an incremental pass that changed some attempts (a score, evidence added, a
test changed) and after retention removed some; a rebuild gives the same. The overview's
figures read from them equal the figures counted from the rows, scoped or not, whatever the
thresholds (the default, per test, inside a band)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.scopes import EVERY_TEST, Scope
from dashboard.selectors import charts, median_trust_score, overview_figures, tallied
from proctoring import tallies
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import run_full_pass
from proctoring.tally_models import AttemptDay, AttemptTally, TallyZone, ViolationTally
from retention import erasure
from review.models import PerTestThreshold
from tests.fixtures.data import make_attempt, make_attempts
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    """Pool threads have connections of their own, which cannot see this test's transaction."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1


def assert_kept_equal_recounted() -> None:
    assert tallies.kept_attempts() == tallies.recount_attempts()
    assert tallies.kept_days() == tallies.recount_days(tallies.counted_zone())
    assert tallies.kept_violations() == tallies.recount_violations()


def assert_overview_equals_the_rows(scope: Scope = EVERY_TEST) -> None:
    """What the overview reads from the tallies is what the rows give."""
    attempts = Attempt.objects.filter(scope.q())
    kept = tallied.overview_figures(scope=scope)
    counted = overview_figures(attempts=attempts)
    median = counted.pop("median_trust_score")
    assert kept.pop("median_trust_score") == (None if median is None else pytest.approx(median))
    assert kept == counted
    assert tallied.trust_distribution(scope=scope) == charts.trust_distribution(attempts=attempts)
    assert tallied.attempts_per_day(scope=scope) == charts.attempts_per_day(attempts=attempts)
    labels = charts.violations_by_label(attempts=None if scope.unrestricted else attempts)
    assert tallied.violations_by_label(scope=scope) == labels


def test_a_sync_keeps_the_tallies_equal_to_the_rows(simulator):
    run_full_pass(client_for(simulator))
    assert AttemptTally.objects.count() > 10
    assert AttemptDay.objects.count() > 5
    assert ViolationTally.objects.count() > 5
    assert_kept_equal_recounted()
    assert_overview_equals_the_rows()
    one_test = Attempt.objects.order_by("pk").first().lookup_key
    assert_overview_equals_the_rows(Scope(frozenset([one_test])))


def test_an_incremental_pass_recounts_what_it_changed(simulator):
    client = client_for(simulator)
    run_full_pass(client)
    rescored, moved = simulator.dataset.listing()[:2]
    simulator.dataset.update(rescored, trust_score=0.0512)
    other_test = Attempt.objects.exclude(
        lookup_key=Attempt.objects.get(test_attempt_id=moved).lookup_key
    ).values_list("lookup_key", flat=True)[0]
    simulator.dataset.update(moved, lookup_key=other_test)
    simulator.dataset.add_attempts(3)
    before = tallies.kept_attempts()
    run_full_pass(client)
    assert Attempt.objects.get(test_attempt_id=rescored).trust_score == 0.0512
    assert Attempt.objects.get(test_attempt_id=moved).lookup_key == other_test
    assert tallies.kept_attempts() != before
    assert_kept_equal_recounted()
    assert_overview_equals_the_rows()


def test_evidence_added_replaced_and_removed_is_recounted(simulator):
    run_full_pass(client_for(simulator))
    first, second, third, fourth = Attempt.objects.filter(violation_count__gt=0).order_by("pk")[:4]
    EvidenceRecord.objects.bulk_create(
        EvidenceRecord(attempt=first, position=100 + i, label="phone", is_violation=True)
        for i in range(3)
    )
    EvidenceRecord.objects.filter(attempt=second).update(label="renamed-label")
    assert_kept_equal_recounted()
    erasure.delete_evidence([second.pk])
    erasure.erase_attempts([third.pk], "test")
    erasure.delete_attempts([fourth.pk], "test")
    assert_kept_equal_recounted()
    assert_overview_equals_the_rows()


def test_a_rebuild_gives_what_the_triggers_kept(simulator):
    run_full_pass(client_for(simulator))
    kept = (tallies.kept_attempts(), tallies.kept_days(), tallies.kept_violations())
    tallies.rebuild()
    assert (tallies.kept_attempts(), tallies.kept_days(), tallies.kept_violations()) == kept


def test_thresholds_inside_a_band_and_per_test_are_counted_exactly(settings):
    scores = [0.8499, 0.85, 0.853, 0.8531, 0.86, 0.1, None, 1.0, 0.0]
    make_attempts(len(scores), lookup_key="algebra", trust_score=lambda i: scores[i])
    make_attempts(4, lookup_key="biology", trust_score=lambda i: 0.70 + i * 0.01)
    make_attempt(lookup_key="", trust_score=0.2)
    for threshold in (0.85, 0.853, 0.8531, 0.9, 0.0, 1.0):
        settings.REVIEW_THRESHOLD = threshold
        assert_overview_equals_the_rows()
    PerTestThreshold.objects.create(lookup_key="biology", threshold=0.725)
    assert_overview_equals_the_rows()
    assert tallied.overview_figures()["under_threshold"] == overview_figures()["under_threshold"]
    assert_overview_equals_the_rows(Scope(frozenset(["biology"])))
    assert_overview_equals_the_rows(Scope(frozenset()))


@pytest.mark.parametrize("count", [1, 2, 7, 8])
def test_the_median_is_the_rows_median(count):
    make_attempts(count, lookup_key="t", trust_score=lambda i: round(0.97 - i * 0.0731, 4))
    make_attempt(lookup_key="t", trust_score=None)
    make_attempts(3, lookup_key="other", trust_score=0.01)
    for scope, attempts in (
        (EVERY_TEST, Attempt.objects.all()),
        (Scope(frozenset(["t"])), Attempt.objects.filter(lookup_key="t")),
    ):
        kept = tallied.median_trust_score(scope, tallied._bands(scope))
        assert kept == pytest.approx(median_trust_score(attempts))


def test_days_are_counted_in_the_time_zone_and_recounted_after_it_changes(settings):
    now = timezone.now()
    make_attempts(6, lookup_key="t", started_at=lambda i: now - timedelta(hours=7 * i))
    assert_overview_equals_the_rows()
    settings.TIME_ZONE = "Asia/Kolkata" if settings.TIME_ZONE != "Asia/Kolkata" else "UTC"
    timezone.activate(settings.TIME_ZONE)
    try:
        # Counted in the old zone: the overview counts days from the rows until a rebuild.
        assert_overview_equals_the_rows()
        tallies.rebuild()
        assert TallyZone.objects.get().zone == settings.TIME_ZONE
        with CaptureQueriesContext(connection) as queries:
            per_day = tallied.attempts_per_day()
        assert "proctoring_attemptday" in queries[-1]["sql"]
        assert per_day == charts.attempts_per_day()
        assert_kept_equal_recounted()
    finally:
        timezone.deactivate()


@pytest.mark.parametrize("scope", [EVERY_TEST, Scope(frozenset(["t1", "t2"]))])
def test_the_overview_reads_a_fixed_number_of_queries(scope):
    """However many attempts and tests: the figures in 5 queries, each chart in 1 or 2."""
    counts = []
    for number in (30, 300):
        make_attempts(number, lookup_key=lambda i: f"t{i % 7}", trust_score=lambda i: i % 97 / 97)
        with CaptureQueriesContext(connection) as queries:
            tallied.overview_figures(scope=scope)
            tallied.trust_distribution(scope=scope)
            tallied.violations_by_label(scope=scope)
            tallied.attempts_per_day(scope=scope)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


def test_an_update_changing_a_few_of_many_attempts_is_recounted(simulator):
    """The trigger skips statements that change no tallied column (claims, bookkeeping): one
    statement over many attempts that rescores one, moves one to another test and only
    touches the rest must still be counted."""
    run_full_pass(client_for(simulator))
    attempts = list(Attempt.objects.filter(violation_count__gt=0).order_by("pk")[:6])
    rescored, moved = attempts[-2], attempts[-1]
    other_test = Attempt.objects.exclude(lookup_key=moved.lookup_key).values_list(
        "lookup_key", flat=True
    )[0]
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        evidence_claimed_until=timezone.now()
    )
    assert_kept_equal_recounted()
    before = tallies.kept_violations()
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        trust_score=Case(When(pk=rescored.pk, then=Value(0.0101)), default=F("trust_score")),
        lookup_key=Case(When(pk=moved.pk, then=Value(other_test)), default=F("lookup_key")),
    )
    assert tallies.kept_violations() != before
    assert_kept_equal_recounted()
