"""The attempts list and one attempt's report, as a proctor sees them."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.pagination import PAGE_SIZE
from proctoring.models import Attempt
from review.models import PerTestThreshold
from tests.fixtures.data import make_attempt, make_attempts, make_records

pytestmark = pytest.mark.django_db


def get_page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def links(page):
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def query_of(href):
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_each_attempt_with_its_trust_band(proctor_client):
    make_attempt(candidate_name="Red", trust_score=0.42)
    make_attempt(candidate_name="Amber", trust_score=0.84)
    make_attempt(candidate_name="Green", trust_score=0.85)
    make_attempt(candidate_name="Waiting", trust_score=None, submitted_at=None)
    page = get_page(proctor_client, reverse("attempt-list"))
    assert '<span class="trust trust-red">42.0 %</span>' in page
    assert '<span class="trust trust-amber">84.0 %</span>' in page
    assert '<span class="trust trust-green">85.0 %</span>' in page
    assert 'title="not scored yet">—' in page
    assert "in progress" in page
    assert "4 attempts match." in page


def test_the_list_colours_each_attempt_by_its_own_tests_threshold(proctor_client, settings):
    settings.REVIEW_THRESHOLD = 0.85
    PerTestThreshold.objects.create(lookup_key="strict-101", threshold=0.95, set_by_name="x")
    PerTestThreshold.objects.create(lookup_key="lenient-101", threshold=0.5, set_by_name="x")
    for key in ("strict-101", "lenient-101", "plain-101"):
        make_attempt(candidate_name=key, lookup_key=key, trust_score=0.9)
    rows = {
        row.split("</a>")[0].rsplit(">", 1)[1]: row
        for row in get_page(proctor_client, reverse("attempt-list")).split("<tr>")[2:]
    }
    assert '<span class="trust trust-amber">90.0 %</span>' in rows["strict-101"]
    assert '<span class="trust trust-green">90.0 %</span>' in rows["lenient-101"]
    assert '<span class="trust trust-green">90.0 %</span>' in rows["plain-101"]


def test_the_list_links_each_attempt_to_its_report(proctor_client):
    attempt = make_attempt()
    assert reverse("attempt-report", args=[attempt.pk]) in links(
        get_page(proctor_client, reverse("attempt-list"))
    )


def test_sorting_links_keep_the_filters_and_start_from_the_first_page(proctor_client):
    make_attempts(3, lookup_key="maths")
    page = get_page(
        proctor_client,
        reverse("attempt-list"),
        {"lookup_key": "maths", "q": "Cand", "o": "trust", "after": "WzAsMV0"},
    )
    trust_header = next(href for href in links(page) if query_of(href).get("o") == "-trust")
    assert query_of(trust_header) == {"lookup_key": "maths", "q": "Cand", "o": "-trust"}


def test_pages_follow_one_another_and_keep_the_filter(proctor_client):
    make_attempts(PAGE_SIZE + 5, lookup_key="maths", trust_score=lambda i: i / 100)
    make_attempts(3, lookup_key="physics")
    first = get_page(proctor_client, reverse("attempt-list"), {"lookup_key": "maths", "o": "trust"})
    assert f"{PAGE_SIZE + 5} attempts match." in first
    next_href = next(href for href in links(first) if "after" in query_of(href))
    assert query_of(next_href)["lookup_key"] == "maths"
    assert query_of(next_href)["o"] == "trust"
    second = get_page(proctor_client, reverse("attempt-list") + next_href)
    assert second.count("trust trust-") == 5
    assert ">54.0 %<" in second and ">0.0 %<" not in second
    previous_href = next(href for href in links(second) if "before" in query_of(href))
    back = get_page(proctor_client, reverse("attempt-list") + previous_href)
    assert back.count("trust trust-") == PAGE_SIZE
    assert ">0.0 %<" in back


def test_more_matches_than_the_count_cap_are_shown_as_more_than(proctor_client, monkeypatch):
    monkeypatch.setattr("dashboard.views.attempts.COUNT_CAP", 3)
    make_attempts(5)
    assert "More than 3 attempts match." in get_page(proctor_client, reverse("attempt-list"))


def test_an_empty_result_offers_to_clear_the_filters(proctor_client):
    make_attempt(candidate_name="Ann")
    page = get_page(proctor_client, reverse("attempt-list"), {"q": "nobody"})
    assert "No attempts match these filters." in page
    assert "0 attempts match." in page


def test_the_export_link_carries_the_filter_for_test_admins_only(proctor_client, test_admin_client):
    params = {"lookup_key": "maths", "o": "-trust"}
    make_attempt(lookup_key="maths")
    page = get_page(test_admin_client, reverse("attempt-list"), params)
    export = next(href for href in links(page) if href.startswith(reverse("attempt-export")))
    assert query_of(export) == params
    assert reverse("attempt-export") not in get_page(proctor_client, reverse("attempt-list"))


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        get_page(client, url, params)
    return len(captured)


@pytest.mark.parametrize(
    "params",
    [{}, {"o": "trust"}, {"o": "-duration"}, {"violation": "tab-switch", "q": "Cand"}],
)
def test_the_list_runs_as_many_queries_for_50_rows_as_for_5(proctor_client, params):
    def grow_to(number):
        for attempt in make_attempts(number - Attempt.objects.count()):
            make_records(attempt, "tab-switch")

    grow_to(5)
    small = count_queries(proctor_client, reverse("attempt-list"), params)
    grow_to(50)
    assert count_queries(proctor_client, reverse("attempt-list"), params) == small


# --- the report ---------------------------------------------------------------------------


@pytest.fixture
def reported_attempt():
    attempt = make_attempt(
        test_attempt_id="ext/42 +é",
        candidate_name="Zoë Ångström",
        candidate_email="zoe@example.org",
        lookup_key="maths-101",
        trust_score=0.61,
        device="desktop",
        evidence_fetched_at=None,
        sync_error="Evidence JSON was cut off (results endpoint); will retry.",
        sync_error_count=3,
    )
    start = attempt.started_at
    make_records(attempt, "tab-switch", occurred_at=start + timedelta(minutes=12, seconds=34))
    make_records(
        attempt,
        "noise-detected",
        data_type="audio",
        device="aux",
        occurred_at=start + timedelta(hours=1, minutes=2, seconds=3),
    )
    make_records(attempt, "random-photo-taken", is_violation=False, s3_path=None)
    make_records(attempt, "brand-new-label", occurred_at=start + timedelta(seconds=5))
    return attempt


def test_the_report_shows_the_attempt_and_its_sync_state(proctor_client, reported_attempt):
    page = get_page(proctor_client, reverse("attempt-report", args=[reported_attempt.pk]))
    assert "Zoë Ångström" in page
    assert "zoe@example.org" in page
    assert "maths-101" in page
    assert "61.0 %" in page
    assert "below the review threshold" in page
    assert "desktop" in page
    assert "Evidence JSON was cut off (results endpoint); will retry." in page
    assert "3 times so far" in page


def test_the_timeline_lists_every_record_in_words_with_time_from_start(
    proctor_client, reported_attempt
):
    page = get_page(proctor_client, reverse("attempt-report", args=[reported_attempt.pk]))
    timeline = page[page.index('class="timeline"') : page.index('id="history-title"')]
    links = re.findall(r'<a class="event-link (is-violation|is-info).*?>(.*?)</a>', timeline, re.S)
    fields = r'<span class="event-(?:time|label|device)">(.*?)</span>\n'
    cells = [
        (kind, [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(fields, link, re.S)])
        for kind, link in links
    ]
    assert cells == [
        ("is-violation", ["+0:05", "brand-new-label", "Primary"]),  # unknown labels stay raw
        ("is-info", ["+3:00", "Random photo", "Primary"]),
        ("is-violation", ["+12:34", "Tab switch", "Primary"]),
        ("is-violation", ["+1:02:03", "Noise detected", "Auxiliary"]),
    ]
    assert "no evidence kept" in timeline


def test_the_gallery_loads_files_through_the_dashboard(proctor_client, reported_attempt):
    page = get_page(proctor_client, reverse("attempt-report", args=[reported_attempt.pk]))
    records = {record.label: record for record in reported_attempt.evidence_records.all()}
    image_url = reverse("evidence-file", args=[reported_attempt.pk, records["tab-switch"].pk])
    audio_url = reverse("evidence-file", args=[reported_attempt.pk, records["noise-detected"].pk])
    assert f'<img src="{image_url}"' in page
    assert f'src="{audio_url}" data-audio></audio>' in page
    assert "1 record with no evidence kept" in page
    assert "amazonaws" not in page and "s3_path" not in page


def test_the_report_links_to_the_attempt_in_autoproctor(proctor_client, reported_attempt, settings):
    settings.AUTOPROCTOR_DASHBOARD_URL = "https://ap.example/test-admin/developers"
    page = get_page(proctor_client, reverse("attempt-report", args=[reported_attempt.pk]))
    assert (
        'href="https://ap.example/test-admin/developers/test-attempts/ext%2F42%20%2B%C3%A9/"'
        in page
    )


def test_an_unscored_attempt_says_so(proctor_client):
    attempt = make_attempt(trust_score=None, submitted_at=None, evidence_status="processing")
    page = get_page(proctor_client, reverse("attempt-report", args=[attempt.pk]))
    assert "not scored yet" in page
    assert "AutoProctor is still processing it" in page


def test_an_unknown_attempt_is_not_found(proctor_client):
    assert proctor_client.get(reverse("attempt-report", args=[999999])).status_code == 404


def test_the_report_runs_as_many_queries_for_50_records_as_for_5(proctor_client):
    attempt = make_attempt()
    make_records(attempt, *["tab-switch"] * 5)
    url = reverse("attempt-report", args=[attempt.pk])
    small = count_queries(proctor_client, url)
    make_records(attempt, *["noise-detected"] * 45, s3_path=None)
    assert count_queries(proctor_client, url) == small


def test_times_are_shown_in_the_configured_time_zone(proctor_client, settings):
    from datetime import UTC, datetime

    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30
    attempt = make_attempt(
        started_at=datetime(2026, 1, 31, 20, 0, tzinfo=UTC),
        submitted_at=datetime(2026, 1, 31, 20, 45, tzinfo=UTC),
    )
    page = get_page(proctor_client, reverse("attempt-list"))
    assert "2026-02-01 01:30" in page and "2026-02-01 02:15" in page
    report = get_page(proctor_client, reverse("attempt-report", args=[attempt.pk]))
    assert "2026-02-01 01:30:00 IST" in report


def test_a_header_sorts_from_the_first_page_keeping_the_filters(proctor_client):
    """The headers' links (dashboard.templatetags.attempt_rows.sort_link): the other
    parameters kept, the cursor dropped, the current column flipped and marked."""
    make_attempt(candidate_name="A & B")
    page = get_page(
        proctor_client, reverse("attempt-list"), {"o": "-trust", "q": "a&b", "after": "x"}
    )
    assert (
        '<a href="?o=trust&amp;q=a%26b" aria-current="true">Trust score <span aria-hidden="true">'
        '▼</span><span class="visually-hidden"> (sorted highest first)</span></a>'
    ) in page
    assert '<a href="?o=-violations&amp;q=a%26b">Violations</a>' in page
