"""CSV export: the filtered rows, exact columns, safe in a spreadsheet, streamed."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.columns import CSV_FIELDS
from dashboard.export import REVIEW_COLUMNS, neutralise
from proctoring.models import Attempt
from tests.fixtures.data import make_attempt, make_attempts, make_records

pytestmark = pytest.mark.django_db

HEADER = CSV_FIELDS
# Appended after the per-label columns, so every column before them keeps its place.
REVIEW_HEADER = REVIEW_COLUMNS


def export(client, **params):
    response = client.get(reverse("attempt-export"), params)
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    return response, body


def rows_of(body):
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_file_is_a_dated_utf8_attachment_with_a_bom(test_admin_client):
    make_attempt()
    response, body = export(test_admin_client)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="attempts-{today}.csv"'
    assert body.startswith("\ufeff".encode())


def test_the_header_lists_the_columns_then_one_column_per_violation_label(test_admin_client):
    attempt = make_attempt()
    make_records(attempt, "tab-switch", "noise-detected", "tab-switch")
    make_records(attempt, "random-photo-taken", is_violation=False)  # not a violation: no column
    _, body = export(test_admin_client)
    assert (
        rows_of(body)[0]
        == HEADER
        + [
            "violations:noise-detected",
            "violations:tab-switch",
        ]
        + REVIEW_HEADER
    )


def test_each_attempt_is_one_row_with_its_values(test_admin_client):
    started = datetime(2026, 11, 3, 9, 0, 5, tzinfo=UTC)
    flagged = make_attempt(
        test_attempt_id="att-1",
        candidate_name="Zoë Ångström 日本",
        candidate_email="zoe@example.org",
        lookup_key="maths",
        started_at=started,
        submitted_at=datetime(2026, 11, 3, 9, 45, tzinfo=UTC),
        trust_score=0.8472,
        evidence_status="processed",
    )
    make_records(flagged, "tab-switch", "tab-switch", "noise-detected")
    make_attempt(test_attempt_id="att-2", trust_score=None, submitted_at=None, started_at=None)
    _, body = export(test_admin_client, o="candidate")
    rows = {row[0]: row for row in rows_of(body)[1:]}
    assert len(rows) == 2
    assert rows["att-1"] == [
        "att-1",
        "Zoë Ångström 日本",
        "zoe@example.org",
        "maths",
        "2026-11-03T09:00:05Z",
        "2026-11-03T09:45:00Z",
        "84.72",
        "processed",
        "3",
        "1",
        "2",
        "unreviewed",
        "",
        "",
        "",
        "no",
        "",  # no candidate response
    ]
    assert rows["att-2"][4:7] == ["", "", ""]
    assert rows["att-2"][8:11] == ["0", "0", "0"]


def test_the_export_has_exactly_the_rows_the_filter_shows_in_its_order(test_admin_client):
    make_attempts(3, lookup_key="maths", trust_score=lambda i: [0.7, 0.2, 0.9][i])
    make_attempts(2, lookup_key="physics")
    _, body = export(test_admin_client, lookup_key="maths", o="trust")
    assert [row[6] for row in rows_of(body)[1:]] == ["20.00", "70.00", "90.00"]


def test_label_columns_cover_the_exported_attempts_only(test_admin_client):
    make_records(make_attempt(lookup_key="maths"), "tab-switch")
    make_records(make_attempt(lookup_key="physics"), "went-offline")
    _, body = export(test_admin_client, lookup_key="maths")
    assert rows_of(body)[0][len(HEADER) : -len(REVIEW_HEADER)] == ["violations:tab-switch"]
    assert "violations:went-offline" not in rows_of(body)[0]


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(test_admin_client, text):
    make_attempt(candidate_name=text, candidate_email=text, lookup_key=text)
    _, body = export(test_admin_client)
    row = rows_of(body)[1]
    assert row[1] == row[2] == row[3] == "'" + text


def test_ordinary_text_and_our_own_numbers_are_left_alone():
    assert neutralise("Ann-Marie") == "Ann-Marie"
    assert neutralise("") == ""


def test_an_invalid_filter_exports_nothing_and_says_why(test_admin_client):
    make_attempt()
    response = test_admin_client.get(reverse("attempt-export"), {"trust_min": "lots"})
    assert response.status_code == 400
    assert "Nothing exported" in response.content.decode()
    assert "Trust score from (%): Enter a number." in response.content.decode()


def test_the_export_runs_as_many_queries_for_50_rows_as_for_5(test_admin_client):
    def grow_to(number):
        for attempt in make_attempts(number - Attempt.objects.count()):
            make_records(attempt, "tab-switch", "noise-detected")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            export(test_admin_client)
        return len(captured)

    grow_to(5)
    small = queries()
    grow_to(50)
    assert queries() == small


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 3, 9, 0, 5, tzinfo=UTC),
        datetime(2026, 11, 3, 9, 0, 5, 120000, tzinfo=UTC),
        datetime(2026, 1, 2, 23, 59, 59, 7, tzinfo=UTC),
    ],
)
def test_timestamps_read_exactly_as_python_writes_them_in_iso_8601_utc(test_admin_client, moment):
    make_attempt(started_at=moment, submitted_at=None)
    _, body = export(test_admin_client)
    started, submitted = rows_of(body)[1][4:6]
    assert started == moment.isoformat().replace("+00:00", "Z")
    assert submitted == ""
