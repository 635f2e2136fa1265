"""The attempts list and its CSV know each attempt's review: filters by review status,
reviewer and "changed since review", a badge per row, and review columns after the others."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from proctoring.models import Attempt
from review import services
from review.models import ReviewState
from tests.fixtures.data import make_attempts

pytestmark = pytest.mark.django_db

LIST = reverse("attempt-list")


@pytest.fixture
def reviewed(proctor, test_admin):
    unreviewed, cleared, suspicious, confirmed = make_attempts(4, trust_score=0.5)
    services.set_verdict(user=proctor, attempt=cleared, verdict="cleared", reason="fine")
    services.set_verdict(user=proctor, attempt=suspicious, verdict="suspicious", reason="odd")
    services.set_verdict(user=test_admin, attempt=confirmed, verdict="violation", reason="phone")
    return {
        "unreviewed": unreviewed,
        "cleared": cleared,
        "suspicious": suspicious,
        "violation": confirmed,
    }


def listed(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert not response.context["filter"].form.errors
    return {row.pk for row in response.context["page"].rows}


@pytest.mark.parametrize("status", ["unreviewed", "cleared", "suspicious", "violation"])
def test_the_list_filters_by_review_status(proctor_client, reviewed, status):
    assert listed(proctor_client, review_status=status) == {reviewed[status].pk}


def test_the_list_filters_by_reviewer(proctor_client, reviewed):
    assert listed(proctor_client, reviewed_by="alice") == {
        reviewed["cleared"].pk,
        reviewed["suspicious"].pk,
    }
    assert listed(proctor_client, reviewed_by="bob") == {reviewed["violation"].pk}
    page = proctor_client.get(LIST).content.decode()
    assert '<option value="alice">alice</option>' in page


def test_the_list_filters_attempts_changed_since_their_review(proctor_client, reviewed):
    assert listed(proctor_client, changed_since_review="on") == set()
    Attempt.objects.filter(pk=reviewed["cleared"].pk).update(violation_count=4)
    Attempt.objects.filter(pk=reviewed["unreviewed"].pk).update(trust_score=0.1)  # no verdict
    assert listed(proctor_client, changed_since_review="on") == {reviewed["cleared"].pk}
    Attempt.objects.filter(pk=reviewed["violation"].pk).update(trust_score=None)
    assert listed(proctor_client, changed_since_review="on") == {
        reviewed["cleared"].pk,
        reviewed["violation"].pk,
    }


def test_each_row_shows_its_verdict_and_a_changed_badge(proctor_client, reviewed):
    Attempt.objects.filter(pk=reviewed["suspicious"].pk).update(trust_score=0.2)
    page = proctor_client.get(LIST).content.decode()
    assert page.count('class="verdict verdict-unreviewed"') == 1
    assert 'class="verdict verdict-violation" title="by bob' in page
    assert page.count("changed since review</span>") == 1


def export_rows(client, **params):
    response = client.get(reverse("attempt-export"), params)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))


def test_the_csv_ends_with_the_review_columns_and_the_candidates_response(
    test_admin_client, reviewed
):
    ReviewState.objects.filter(attempt=reviewed["cleared"]).update(
        reviewed_at=datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    )
    Attempt.objects.filter(pk=reviewed["cleared"].pk).update(trust_score=0.3)
    header, *rows = export_rows(test_admin_client)
    assert header[-6:] == [
        "review_status",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
        "changed_since_review",
        "candidate_response",
    ]
    by_id = {row[0]: row[-6:-1] for row in rows}
    assert by_id[reviewed["cleared"].test_attempt_id] == [
        "cleared",
        "alice",
        "2026-11-20T14:05:00Z",
        "fine",
        "yes",
    ]
    assert by_id[reviewed["unreviewed"].test_attempt_id] == ["unreviewed", "", "", "", "no"]
    filtered = export_rows(test_admin_client, review_status="violation")[1:]
    assert [row[0] for row in filtered] == [reviewed["violation"].test_attempt_id]


def test_a_reason_a_spreadsheet_would_run_is_neutralised_in_the_csv(test_admin_client, proctor):
    (attempt,) = make_attempts(1)
    services.set_verdict(user=proctor, attempt=attempt, verdict="cleared", reason="=1+1")
    row = export_rows(test_admin_client)[1]
    assert row[-3] == "'=1+1"
