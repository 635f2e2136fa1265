"""Bidirectional control characters in names and ids are shown as visible escapes on every
page (lists, report, admin) and in the CSV, so a reviewer reads what is stored."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.fixtures.data import make_attempt

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
