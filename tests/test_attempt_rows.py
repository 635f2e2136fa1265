"""The attempts list's rows (dashboard.templatetags.attempt_rows) escape every value as the
templates' autoescape does, and link each row to its report under any script prefix, though
they reverse the report's URL once per page and escape plain strings without Django's lazy
wrapper (dashboard.markup)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from dashboard.markup import escape
from dashboard.templatetags.attempt_rows import attempt_rows
from proctoring.models import Attempt
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

AWKWARD = 'O\'Brien & <Co> "x"'


@pytest.mark.parametrize("value", [AWKWARD, "", "plain", 7, -3, 0.5, None, mark_safe("<b>")])
def test_escape_is_conditional_escape(value):
    assert escape(value) == conditional_escape(value)


def test_a_row_escapes_the_candidate_the_test_and_the_status(settings):
    make_attempt(
        candidate_name=AWKWARD,
        candidate_email=AWKWARD,
        test_attempt_id=AWKWARD,
        lookup_key=AWKWARD,
        evidence_status=AWKWARD,
        trust_score=0.5,
    )
    attempt = Attempt.objects.get()
    attempt.review_threshold = 0.85
    row = attempt_rows([attempt], True)
    escaped = conditional_escape(AWKWARD)
    assert AWKWARD not in row
    assert f">{escaped}</a>" in row
    assert f'aria-label="Select {escaped}"' in row
    assert f'<span class="chip" title="{escaped}">{escaped}</span>' in row
    assert row.count(escaped) == 7


def test_each_row_links_to_its_report_under_a_script_prefix():
    attempts = [make_attempt(), make_attempt()]
    for attempt in attempts:
        attempt.review_threshold = 0.85
    set_script_prefix("/results&co/")
    try:
        rows = attempt_rows(attempts, False)
        for attempt in attempts:
            assert (
                f'href="{conditional_escape(reverse("attempt-report", args=[attempt.pk]))}"' in rows
            )
    finally:
        set_script_prefix("/")


def test_a_row_shows_its_times_in_the_current_time_zone():
    started = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    attempt = make_attempt(started_at=started, submitted_at=started + timedelta(minutes=61))
    attempt.review_threshold = 0.85
    with timezone.override("Asia/Kolkata"):
        row = attempt_rows([attempt], False)
        shown = template_localtime(started).strftime("%Y-%m-%d %H:%M")
    assert shown == "2026-01-01 05:30"
    assert f'data-column="started">{shown}</td>' in row
    assert 'data-column="submitted">2026-01-01 06:31</td>' in row
