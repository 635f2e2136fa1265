"""Every text column of the CSV export that someone other than the dashboard wrote is made
inert for spreadsheets, not only the candidate's name, email and lookup key: the attempt id
and evidence status come from AutoProctor (and from the test platform before it), the
reviewer's name and reason from the dashboard's users."""

import csv
import io

import pytest
from django.urls import reverse

from access.roles import PROCTOR
from tests.fixtures.data import make_attempt
from tests.fixtures.personas import logged_in, make_user

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","open")'


def exported_row(client):
    response = client.get(reverse("attempt-export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))
    return dict(zip(header, row, strict=True))


@pytest.fixture
def reviewed_attempt():
    """An attempt whose every free-text column starts like a formula, reviewed through the
    report's verdict form by a user whose name does too."""
    attempt = make_attempt(
        test_attempt_id="=1+1",
        evidence_status="@SUM(A1:A9)",
        candidate_name="+44 20 7946 0000",
        trust_score=0.5,
    )
    reviewer = make_user("-reviewer", PROCTOR)
    response = logged_in(reviewer).post(
        reverse("attempt-verdict", args=[attempt.pk]),
        {
            "verdict": "suspicious",
            "reason": FORMULA,
            "preset": "",
            "seen_trust_score": repr(attempt.trust_score),
            "seen_violation_count": str(attempt.violation_count),
        },
    )
    assert response.status_code == 302
    return attempt


@pytest.mark.parametrize(
    ("column", "written"),
    [
        ("test_attempt_id", "=1+1"),
        ("evidence_status", "@SUM(A1:A9)"),
        ("reviewed_by", "-reviewer"),
        ("review_reason", FORMULA),
    ],
)
def test_a_column_that_starts_like_a_formula_is_exported_inert(
    test_admin_client, reviewed_attempt, column, written
):
    assert exported_row(test_admin_client)[column] == "'" + written


def test_the_columns_the_dashboard_computes_are_exported_as_they_are(
    test_admin_client, reviewed_attempt
):
    row = exported_row(test_admin_client)
    assert (row["trust_score"], row["violation_count"], row["review_status"]) == (
        "50.00",
        "0",
        "suspicious",
    )
