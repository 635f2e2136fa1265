"""The needs-review queue: which attempts are in it, riskiest first, how a proctor walks it,
and a flat number of queries however long it is."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.pagination import paginate
from proctoring.models import Attempt
from review import services
from tests.fixtures.data import make_attempt, make_attempts, make_records

pytestmark = pytest.mark.django_db

QUEUE = reverse("review-queue")


def queued_ids(client):
    page = client.get(QUEUE)
    assert page.status_code == 200
    return [row.pk for row in page.context["page"].rows]


def test_the_queue_holds_unreviewed_submitted_processed_attempts_below_the_threshold(
    proctor_client, settings
):
    settings.REVIEW_THRESHOLD = 0.85
    low = make_attempt(trust_score=0.30)
    lower = make_attempt(trust_score=0.10)
    make_attempt(trust_score=0.90)  # above the threshold
    make_attempt(trust_score=0.85)  # at the threshold is not below it
    make_attempt(trust_score=0.20, submitted_at=None)  # still in progress
    make_attempt(trust_score=0.20, evidence_status="processing")
    assert queued_ids(proctor_client) == [lower.pk, low.pk]  # riskiest first


def test_a_verdict_takes_an_attempt_out_except_suspicious_which_stays(
    proctor_client, proctor, settings
):
    cleared, suspicious, confirmed = make_attempts(3, trust_score=lambda i: [0.1, 0.2, 0.3][i])
    flagged_high = make_attempt(trust_score=0.99)
    services.set_verdict(user=proctor, attempt=cleared, verdict="cleared", reason="fine")
    services.set_verdict(user=proctor, attempt=suspicious, verdict="suspicious", reason="hmm")
    services.set_verdict(user=proctor, attempt=confirmed, verdict="violation", reason="phone")
    services.set_verdict(user=proctor, attempt=flagged_high, verdict="suspicious", reason="tip")
    assert queued_ids(proctor_client) == [suspicious.pk, flagged_high.pk]


def test_an_attempt_re_scored_below_the_threshold_after_its_verdict_comes_back_flagged(
    proctor_client, proctor
):
    attempt = make_attempt(trust_score=0.70)
    services.set_verdict(user=proctor, attempt=attempt, verdict="cleared", reason="fine")
    assert queued_ids(proctor_client) == []
    Attempt.objects.filter(pk=attempt.pk).update(trust_score=0.40)
    assert queued_ids(proctor_client) == [attempt.pk]
    page = proctor_client.get(QUEUE).content.decode()
    assert "changed since review" in page


def test_the_queue_links_open_attempts_in_queue_mode_with_previous_and_next(proctor_client):
    first, second, third = make_attempts(3, trust_score=lambda i: [0.1, 0.2, 0.3][i])
    page = proctor_client.get(QUEUE).content.decode()
    assert 'action="/review/next/"' in page and "data-key-start" in page
    start = proctor_client.post(reverse("review-next"))
    assert start["Location"] == f"/attempts/{first.pk}/?queue=1"
    middle = proctor_client.get(reverse("attempt-report", args=[second.pk]), {"queue": "1"})
    html = middle.content.decode()
    assert f'href="/attempts/{first.pk}/?queue=1" rel="prev"' in html
    assert f'name="after" value="{second.pk}"' in html
    assert 'name="queue" value="True"' in html
    following = proctor_client.post(reverse("review-next"), {"after": second.pk})
    assert following["Location"] == f"/attempts/{third.pk}/?queue=1"


def test_a_verdict_given_in_the_queue_goes_on_to_the_next_attempt(proctor_client):
    first, second = make_attempts(2, trust_score=lambda i: [0.1, 0.2][i])
    data = {
        "verdict": "cleared",
        "reason": "fine",
        "seen_trust_score": "0.1",
        "seen_violation_count": "0",
        "queue": "True",
    }
    response = proctor_client.post(reverse("attempt-verdict", args=[first.pk]), data)
    assert response["Location"] == f"/attempts/{second.pk}/?queue=1"
    data["seen_trust_score"] = "0.2"
    response = proctor_client.post(reverse("attempt-verdict", args=[second.pk]), data, follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert "That was the last attempt in the queue." in response.content.decode()
    assert "Nothing needs a review" in response.content.decode()


def test_the_queue_is_for_reviewers_only(outsider_client, client):
    assert outsider_client.get(QUEUE).status_code == 403
    assert client.get(QUEUE).status_code == 302


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def grow_reviewed(number, reviewer):
    """Grow to `number` attempts under the threshold, every other one reviewed, some re-scored
    since, each with evidence."""
    for index, attempt in enumerate(
        make_attempts(number - Attempt.objects.count(), trust_score=0.5)
    ):
        make_records(attempt, "tab-switch")
        if index % 2:
            verdict = "suspicious" if index % 4 == 1 else "cleared"
            services.set_verdict(user=reviewer, attempt=attempt, verdict=verdict, reason="r")
            Attempt.objects.filter(pk=attempt.pk).update(trust_score=0.4)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (QUEUE, {}),
        (reverse("attempt-list"), {}),
        (reverse("attempt-list"), {"review_status": "cleared"}),
        (reverse("attempt-list"), {"changed_since_review": "on", "o": "trust"}),
    ],
)
def test_the_queue_and_list_run_as_many_queries_for_50_rows_as_for_5(
    proctor_client, proctor, url, params
):
    grow_reviewed(5, proctor)
    small = count_queries(proctor_client, url, params)
    grow_reviewed(50, proctor)
    assert count_queries(proctor_client, url, params) == small


def test_the_report_runs_as_many_queries_with_long_history_and_many_notes(proctor_client, proctor):
    attempt = make_attempt(trust_score=0.3)
    records = make_records(attempt, "tab-switch")
    url = reverse("attempt-report", args=[attempt.pk])

    def add(number):
        for index in range(number):
            services.set_verdict(user=proctor, attempt=attempt, verdict="suspicious", reason="r")
            services.add_note(user=proctor, attempt=attempt, text=f"n{index}", record=records[0])
            services.add_note(user=proctor, attempt=attempt, text=f"a{index}")

    add(1)
    small = count_queries(proctor_client, url, {"queue": "1"})
    add(20)
    assert count_queries(proctor_client, url, {"queue": "1"}) == small


def test_the_queue_pages_on_with_next_previous_and_first_page_links(
    proctor_client, settings, monkeypatch
):
    settings.REVIEW_THRESHOLD = 0.85
    monkeypatch.setitem(paginate.__kwdefaults__, "size", 2)
    make_attempts(3, trust_score=lambda i: [0.1, 0.2, 0.3][i])
    first = proctor_client.get(QUEUE)
    following = first.context["page"].next_cursor
    assert f'href="?{urlencode({"after": following})}" rel="next"' in first.content.decode()
    second = proctor_client.get(QUEUE, {"after": following}).content.decode()
    assert f'<a href="{QUEUE}">First page</a>' in second
    assert 'rel="prev">← Previous</a>' in second
