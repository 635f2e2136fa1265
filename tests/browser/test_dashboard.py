"""The dashboard in a real browser: charts drawn, filters used, evidence seen, CSV downloaded."""

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_attempts, make_records, make_usage
from tests.test_views_evidence import synced_attempt_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANVAS_HAS_INK = """canvas => {
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) return true; }
    return false;
}"""


@pytest.fixture
def sample_data():
    now = timezone.now()
    attempts = make_attempts(
        12,
        lookup_key=lambda i: ["maths-101", "physics-201"][i % 2],
        candidate_name=lambda i: ["Zoë Ångström", "Bob Brown", "Carol <b>Chen</b>"][i % 3],
        trust_score=lambda i: [0.42, 0.95, 0.81, 0.66, None, 0.99][i % 6],
    )
    for attempt in attempts[:5]:
        make_records(attempt, "tab-switch", "noise-detected", s3_path=None)
    for hours in (48, 24, 1):
        make_usage(taken_at=now - timezone.timedelta(hours=hours), credits_remaining=500 - hours)
    return attempts


def query(page):
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def test_a_test_admin_sees_every_overview_chart_drawn(page, test_admin, sample_data):
    log_in(page, test_admin)
    page.wait_for_selector("canvas[data-chart-drawn]")
    # Waited for from Playwright's side: a string predicate polled in the page would be an
    # eval, which the page's Content-Security-Policy rightly refuses when polling is needed.
    expect(page.locator("canvas[data-chart-drawn]")).to_have_count(4)
    canvases = page.locator("canvas[data-chart-url]")
    assert canvases.count() == 4
    for index in range(4):
        assert canvases.nth(index).evaluate(CANVAS_HAS_INK), f"chart {index} is blank"
    assert page.locator(".figure-value").first.inner_text() == "12"


def test_the_overview_works_without_javascript(browser, live_server, proctor, sample_data):
    context, page, watcher = open_page(browser, live_server, java_script_enabled=False)
    try:
        log_in(page, proctor)
        assert page.locator(".figure-value").first.inner_text() == "12"
        page.click("text=Show as a table >> nth=2")  # violations by kind
        assert page.locator("details[open] td", has_text="Tab switch").count() == 1
    finally:
        context.close()
    assert watcher.problems == []


def test_a_proctor_filters_and_sorts_the_list_and_the_url_keeps_it(page, proctor, sample_data):
    log_in(page, proctor)
    page.click("nav >> text=Attempts")
    page.fill("#id_q", "zoë")
    page.select_option("#id_lookup_key", "maths-101")
    page.click("text=Apply filters")
    page.wait_for_url("**/attempts/?**")
    assert query(page)["q"] == "zoë"
    assert query(page)["lookup_key"] == "maths-101"
    rows = page.locator("table.attempts tbody tr")
    assert rows.count() == 2  # Zoë is every third attempt; maths-101 every second of those
    assert "2 attempts match." in page.inner_text("#result-count")

    page.click("th >> text=Trust score")
    page.wait_for_url("**o=trust**")
    assert query(page)["q"] == "zoë"
    assert query(page)["o"] == "trust"
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Trust score")


def test_untrusted_names_are_shown_as_text(page, proctor, sample_data):
    log_in(page, proctor)
    page.goto("/attempts/?q=Carol")
    assert page.locator("table.attempts b").count() == 0
    assert "Carol <b>Chen</b>" in page.locator("table.attempts").inner_text()


def test_a_test_admin_downloads_the_filtered_list_as_csv(page, test_admin, sample_data):
    log_in(page, test_admin)
    page.goto("/attempts/?lookup_key=physics-201&o=trust")
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    download = download_info.value
    assert download.suggested_filename == f"attempts-{timezone.localdate().isoformat()}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["test_attempt_id", "candidate_name", "candidate_email"]
    assert len(rows) == 1 + 6
    assert {row[3] for row in rows[1:]} == {"physics-201"}


def test_a_proctor_opens_a_report_and_its_evidence_images_load(page, proctor, simulator):
    attempt = synced_attempt_with(simulator, "image")
    log_in(page, proctor)
    record = attempt.evidence_records.filter(data_type="image").exclude(s3_path=None).first()
    page.goto(f"/attempts/{attempt.pk}/?event={record.pk}#event-{record.pk}")
    first = page.locator("[data-event-panel]:not([hidden]) img")
    first.scroll_into_view_if_needed()
    first.evaluate(
        "img => img.complete ? null : new Promise((done, fail) => {"
        " img.onload = done; img.onerror = () => fail(new Error('image failed to load')); })"
    )
    assert first.evaluate("img => img.naturalWidth") > 0
    assert first.get_attribute("src").startswith(f"/attempts/{attempt.pk}/evidence/")
