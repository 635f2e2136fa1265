"""The tests index and a test's page: every figure against hand-computed data, the per-test
threshold used by the queue, the list and the CSV, and who may see and change what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from proctoring.models import Attempt
from review import services
from review.models import PerTestThreshold, Verdict
from review.selectors import needs_review, needs_review_joined
from review.thresholds import below_threshold, set_threshold, threshold_for, thresholds_for
from tests.fixtures.data import make_attempt, make_attempts, make_records, make_usage

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(test_admin):
    """Five attempts of maths-101 (trust 40, 50, 60, 80, 95 %), one unsubmitted, and two of
    physics-201. Verdicts: 40 % confirmed, 50 % confirmed, 80 % cleared."""
    start = timezone.now() - timedelta(days=1)
    scores = [0.40, 0.50, 0.60, 0.80, 0.95]
    attempts = [
        make_attempt(lookup_key="maths-101", trust_score=score, started_at=start + timedelta(i))
        for i, score in enumerate(scores)
    ]
    attempts[2].submitted_at = None
    attempts[2].save()
    make_records(attempts[0], "tab-switch", "tab-switch", "noise")
    make_records(attempts[1], "tab-switch")
    make_records(attempts[3], "noise")
    for attempt, verdict in [
        (attempts[0], Verdict.VIOLATION),
        (attempts[1], Verdict.VIOLATION),
        (attempts[3], Verdict.CLEARED),
    ]:
        services.set_verdict(user=test_admin, attempt=attempt, verdict=verdict, reason="seen")
    make_attempt(lookup_key="physics-201", trust_score=0.2)
    make_attempt(lookup_key="physics-201", trust_score=None)
    make_usage(usage_by_lookup_key=[{"lookup_key": "maths-101", "attempts": 5, "credits": 7}])
    return attempts


def row_of(response, lookup_key):
    return next(row for row in response.context["rows"] if row.lookup_key == lookup_key)


def test_the_index_shows_each_tests_figures(proctor_client, maths, settings):
    settings.REVIEW_THRESHOLD = 0.85
    response = proctor_client.get(reverse("tests-index"))
    assert response.status_code == 200
    maths_row = row_of(response, "maths-101")
    assert maths_row.attempts == 5
    assert maths_row.submitted == 4
    assert maths_row.median_trust == pytest.approx(0.60)
    assert maths_row.below_threshold == 4  # 40, 50, 60, 80 < 85
    assert maths_row.below_share == pytest.approx(0.8)
    # Unreviewed and under 85 %, submitted: only the 60 % one, and it is not submitted.
    assert maths_row.needs_review == 0
    assert (maths_row.reviewed, maths_row.confirmed, maths_row.cleared) == (3, 2, 1)
    assert maths_row.credits == 7
    physics = row_of(response, "physics-201")
    assert (physics.attempts, physics.scored, physics.below_threshold) == (2, 1, 1)
    assert physics.median_trust == pytest.approx(0.2)
    assert physics.needs_review == 1
    content = response.content.decode()
    assert reverse("test-page", args=["maths-101"]) in content
    assert "/attempts/?lookup_key=maths-101" in content


def test_the_index_sorts_and_filters_by_date(proctor_client, maths):
    response = proctor_client.get(reverse("tests-index"), {"o": "-attempts"})
    assert [row.lookup_key for row in response.context["rows"]] == ["maths-101", "physics-201"]
    response = proctor_client.get(reverse("tests-index"), {"o": "attempts"})
    assert [row.lookup_key for row in response.context["rows"]] == ["physics-201", "maths-101"]
    # The headers look like what they are: the sorted one says how, the others that they sort.
    page = response.content.decode()
    assert 'aria-current="true">Attempts <span aria-hidden="true">▲</span>' in page
    assert 'Median trust <span class="sort-hint" aria-hidden="true">⇅</span>' in page
    first_day = timezone.localdate(maths[4].started_at)  # three days ahead: alone
    response = proctor_client.get(
        reverse("tests-index"),
        {"started_after": first_day.isoformat(), "started_before": first_day.isoformat()},
    )
    assert [(row.lookup_key, row.attempts) for row in response.context["rows"]] == [
        ("maths-101", 1)
    ]


def test_the_test_page_shows_figures_charts_and_calibration(proctor_client, maths, settings):
    settings.REVIEW_THRESHOLD = 0.85
    response = proctor_client.get(reverse("test-page", args=["maths-101"]))
    assert response.status_code == 200
    histogram = response.context["trust_distribution"]
    assert sum(histogram["values"]) == 5
    assert histogram["values"][8] == 1 and histogram["values"][10] == 1  # 40 %, 50 %
    by_label = dict(
        zip(
            response.context["violations_by_label"]["labels"],
            response.context["violations_by_label"]["values"],
            strict=True,
        )
    )
    assert by_label == {"Tab switch": 3, "noise": 2}  # an unknown label is shown as sent
    outcomes = {item.label: (item.confirmed, item.cleared) for item in response.context["outcomes"]}
    assert outcomes == {"noise": (1, 1), "tab-switch": (2, 0)}
    suggestion = response.context["suggestion"]
    # Two confirmed (40 %, 50 %): 95 % of 2 is both, so just above 50 %: 50.01 %; under it,
    # 40 % and 50 % only: two reviews, against four at the 85 % default.
    assert suggestion.threshold == pytest.approx(0.5001)
    assert (suggestion.confirmed, suggestion.needed, suggestion.caught) == (2, 2, 2)
    assert (suggestion.reviews, suggestion.reviews_now, suggestion.caught_now) == (2, 4, 2)
    assert "50.01 %" in response.content.decode()


def test_charts_of_a_test_are_served_as_json(proctor_client, maths):
    data = proctor_client.get(reverse("test-chart-trust", args=["maths-101"])).json()
    assert sum(data["values"]) == 5
    data = proctor_client.get(reverse("test-chart-labels", args=["maths-101"])).json()
    assert data["values"] == [3, 2]


def test_an_unknown_test_is_not_found(proctor_client, maths):
    assert proctor_client.get(reverse("test-page", args=["nope"])).status_code == 404


@pytest.mark.parametrize("name", ["tests-index", "test-page", "test-chart-trust"])
def test_outsiders_are_refused_and_visitors_sent_to_log_in(name, outsider_client, client, maths):
    args = [] if name == "tests-index" else ["maths-101"]
    assert outsider_client.get(reverse(name, args=args)).status_code == 403
    assert client.get(reverse(name, args=args)).status_code == 302


def test_a_test_admin_sets_a_tests_threshold_audited(test_admin_client, maths):
    url = reverse("test-threshold", args=["maths-101"])
    response = test_admin_client.post(url, {"threshold": "55", "reason": "calibrated"})
    assert response.status_code == 302
    assert threshold_for("maths-101") == pytest.approx(0.55)
    event = AuditEvent.objects.get(action="threshold.set")
    assert event.detail["threshold"] == pytest.approx(0.55)
    assert "calibrated" in event.summary
    test_admin_client.post(url, {"threshold": ""})
    assert not PerTestThreshold.objects.exists()


def test_a_bad_threshold_is_refused_with_how_to_type_it(test_admin_client, maths):
    url = reverse("test-threshold", args=["maths-101"])
    response = test_admin_client.post(url, {"threshold": "150"}, follow=True)
    assert "150 % is outside 0..100 %" in response.content.decode()
    response = test_admin_client.post(url, {"threshold": "high"}, follow=True)
    assert "is not a number: type the threshold as a percentage" in response.content.decode()
    assert not PerTestThreshold.objects.exists()


def test_a_proctor_may_not_set_a_threshold(proctor_client, maths):
    url = reverse("test-threshold", args=["maths-101"])
    assert proctor_client.post(url, {"threshold": "50"}).status_code == 403
    assert not PerTestThreshold.objects.exists()


def test_the_queue_list_and_csv_use_the_tests_threshold(
    test_admin, test_admin_client, maths, settings
):
    settings.REVIEW_THRESHOLD = 0.85
    physics = make_attempt(lookup_key="physics-201", trust_score=0.7)
    assert physics in list(test_admin_client.get(reverse("review-queue")).context["page"].rows)
    set_threshold(user=test_admin, lookup_key="physics-201", threshold=0.5)
    queue = test_admin_client.get(reverse("review-queue")).context["page"].rows
    assert physics not in queue
    listed = test_admin_client.get(reverse("attempt-list"), {"below_threshold": "on"})
    ids = {row.pk for row in listed.context["page"].rows}
    assert physics.pk not in ids and maths[3].pk in ids
    exported = test_admin_client.get(reverse("attempt-export"), {"below_threshold": "on"})
    csv = b"".join(exported.streaming_content).decode()
    assert physics.test_attempt_id not in csv and maths[3].test_attempt_id in csv
    # The list's colour: 70 % is green for a test whose threshold is 50 %.
    page = test_admin_client.get(reverse("attempt-list")).content.decode()
    assert 'trust-green">70.0 %' in page


def test_thresholds_are_read_in_one_query(maths, test_admin, django_assert_num_queries):
    set_threshold(user=test_admin, lookup_key="physics-201", threshold=0.5)
    with django_assert_num_queries(1):
        found = thresholds_for(["maths-101", "physics-201", "other"])
    assert found == {"maths-101": 0.85, "physics-201": 0.5, "other": 0.85}
    with django_assert_num_queries(1):
        below_threshold()


def test_the_pages_queries_do_not_grow_with_tests(
    proctor_client, maths, django_assert_max_num_queries
):
    for number in range(30):
        make_attempt(lookup_key=f"extra-{number}", trust_score=0.3)
    with django_assert_max_num_queries(12):
        proctor_client.get(reverse("tests-index"))
    with django_assert_max_num_queries(25):
        proctor_client.get(reverse("test-page", args=["maths-101"]))


def test_a_lookup_key_with_a_slash_has_its_page(proctor_client):
    make_attempt(lookup_key="2026/finals", trust_score=0.5)
    index = proctor_client.get(reverse("tests-index")).content.decode()
    url = reverse("test-page", args=["2026/finals"])
    assert url in index
    response = proctor_client.get(url)
    assert response.status_code == 200
    assert response.context["figures"].attempts == 1
    chart = proctor_client.get(reverse("test-chart-trust", args=["2026/finals"])).json()
    assert sum(chart["values"]) == 1


def test_needs_review_counted_through_the_join_is_the_queues_rule(test_admin, settings):
    """The figures count "needs a review" through one join of the review state; it must pick
    the very attempts the queue's own rule (subqueries) picks."""
    settings.REVIEW_THRESHOLD = 0.85
    below = make_attempt(lookup_key="t", trust_score=0.5)
    make_attempt(lookup_key="t", trust_score=0.95)  # above, unreviewed: no
    suspicious = make_attempt(lookup_key="t", trust_score=0.95)
    cleared = make_attempt(lookup_key="t", trust_score=0.5)  # below, cleared, unchanged: no
    rescored = make_attempt(lookup_key="t", trust_score=0.9)
    recounted = make_attempt(lookup_key="t", trust_score=0.6)
    for attempt, verdict in [
        (suspicious, Verdict.SUSPICIOUS),
        (cleared, Verdict.CLEARED),
        (rescored, Verdict.CLEARED),
        (recounted, Verdict.CLEARED),
    ]:
        services.set_verdict(user=test_admin, attempt=attempt, verdict=verdict, reason="seen")
    rescored.trust_score = 0.4  # re-scored below the threshold since its verdict
    rescored.save()
    make_records(recounted, "tab-switch")  # a violation more since its verdict
    queue = set(Attempt.objects.filter(needs_review()).values_list("pk", flat=True))
    joined = set(Attempt.objects.filter(needs_review_joined()).values_list("pk", flat=True))
    assert joined == queue == {below.pk, suspicious.pk, rescored.pk, recounted.pk}


def test_credits_are_shown_only_to_those_who_may_see_usage(proctor_client, test_admin_client):
    make_attempt(lookup_key="maths-101")
    make_usage(usage_by_lookup_key=[{"lookup_key": "maths-101", "attempts": 1, "credits": 4321}])
    pages = [reverse("tests-index"), reverse("test-page", args=["maths-101"])]
    assert proctor_client.get(reverse("usage")).status_code == 403
    for page in pages:
        seen = proctor_client.get(page).content.decode()
        assert "4321" not in seen and "Credits" not in seen, page
        assert test_admin_client.get(page).content.decode().count("4321") == 1, page
    by_credits = proctor_client.get(reverse("tests-index"), {"o": "credits"})
    assert by_credits.context["sort"] == "-last"


def test_the_index_counts_the_attempts_that_have_no_test_key(proctor_client, maths):
    make_attempts(3, lookup_key="")
    page = proctor_client.get(reverse("tests-index")).content.decode()
    assert "3 attempts have no test key, so they belong to no test above" in page
