"""Bidirectional control characters in names and ids are shown as visible escapes on every
page (lists, report, admin) and in the CSV, so a reviewer reads what is stored."""

import csv
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

SPOOFED_NAME = "Ann \u202egnp.exe"
SPOOFED_ID = "id-\u2067evil\u2069"


@pytest.fixture
def spoofed():
    # Below the review threshold, so the review queue lists it too.
    return make_attempt(candidate_name=SPOOFED_NAME, test_attempt_id=SPOOFED_ID, trust_score=0.5)


def assert_visible(text: str) -> None:
    assert "\u202e" not in text and "\u2067" not in text and "\u2069" not in text


@pytest.mark.parametrize("page", ["attempt-list", "review-queue", "attempt-report"])
def test_pages_show_bidi_controls_as_visible_escapes(test_admin_client, spoofed, page):
    url = reverse(page, args=[spoofed.pk]) if page == "attempt-report" else reverse(page)

    html = test_admin_client.get(url).content.decode()

    assert_visible(html)
    assert "Ann &lt;U+202E&gt;gnp.exe" in html


def test_the_admin_shows_them_as_visible_escapes_too(spoofed):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)

    html = client.get(reverse("admin:proctoring_attempt_changelist")).content.decode()

    assert_visible(html)
    assert "id-&lt;U+2067&gt;evil&lt;U+2069&gt;" in html


def test_the_csv_shows_them_as_visible_escapes(test_admin_client, spoofed):
    response = test_admin_client.get(reverse("attempt-export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert_visible(body)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row for row in rows if "Ann <U+202E>gnp.exe" in row.values()]


def test_a_label_becomes_a_csv_column_name_with_its_controls_visible(test_admin_client, spoofed):
    make_records(spoofed, "phone-\u202eenohp")
    response = test_admin_client.get(reverse("attempt-export"))
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]

    assert_visible(header)
    assert "violations:phone-<U+202E>enohp" in header


def test_a_case_files_readme_and_report_show_them_as_visible_escapes(test_admin_client):
    attempt = make_attempt(
        candidate_name=SPOOFED_NAME, test_attempt_id=SPOOFED_ID, lookup_key="quiz-\u202e1"
    )
    make_records(attempt, "tab-\u202eswitch", s3_path="")
    response = test_admin_client.get(reverse("case-file", args=[attempt.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    readme = archive.read("README.txt").decode()
    report = archive.read("report.html").decode()

    assert_visible(readme)
    assert_visible(report)
    assert "Ann <U+202E>gnp.exe" in readme and "quiz-<U+202E>1" in readme
    assert "Ann &lt;U+202E&gt;gnp.exe" in report
