"""Tests and case files in a real browser: the index, a test page with its charts drawn and
no console error, and a case file downloaded from an attempt's report."""

import zipfile

import pytest
from playwright.sync_api import expect

from review import services
from review.models import Verdict
from tests.browser.conftest import log_in
from tests.browser.test_dashboard import CANVAS_HAS_INK
from tests.fixtures.data import make_records
from tests.test_views_evidence import synced_attempt_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_test_admin_opens_a_test_and_downloads_a_case_file(page, test_admin, simulator, tmp_path):
    attempt = synced_attempt_with(simulator, "image")
    make_records(attempt, "tab-switch", s3_path=None)  # at least one violation to chart
    services.set_verdict(
        user=test_admin, attempt=attempt, verdict=Verdict.VIOLATION, reason="phone in hand"
    )
    log_in(page, test_admin)
    page.click("nav >> text=Tests")
    page.wait_for_url("**/tests/")
    link = page.locator("#tests-table a", has_text=attempt.lookup_key)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(f"**/tests/{attempt.lookup_key}/")
    expect(page.locator("canvas[data-chart-drawn]")).to_have_count(2)
    canvases = page.locator("canvas[data-chart-url]")
    for index in range(2):
        assert canvases.nth(index).evaluate(CANVAS_HAS_INK), f"chart {index} is blank"
    if attempt.trust_score is not None:
        assert "sent 1 of the 1 confirmed violation" in page.locator("#suggestion").inner_text()
    page.goto(f"/attempts/{attempt.pk}/")
    with page.expect_download() as download_info:
        page.click("text=Case file (ZIP)")
    path = tmp_path / "case-file.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "MANIFEST.sha256" in archive.namelist()
        assert archive.testzip() is None
