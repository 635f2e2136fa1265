"""The retention page and "My notifications" in a real browser: a test admin places a legal
hold and releases it, and a proctor picks the events to be emailed about, with no script or
style the page's Content-Security-Policy refuses."""

import pytest

from notifications.models import NotificationPreference
from retention.models import LegalHold
from tests.browser.conftest import log_in
from tests.fixtures.data import make_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_test_admin_places_and_releases_a_hold(page, test_admin):
    attempt = make_attempt(lookup_key="physics-201")
    log_in(page, test_admin)
    page.click("nav >> text=Retention")

    page.fill("#id_test_attempt_id", attempt.test_attempt_id)
    page.fill("#id_reason", "appeal pending")
    page.click("button:has-text('Place hold')")

    row = page.locator("tr[data-hold]")
    assert "appeal pending" in row.inner_text()
    assert LegalHold.objects.active().get().attempt_id == attempt.pk

    row.locator("textarea").fill("appeal decided")
    row.locator("button", has_text="Release").click()
    page.wait_for_selector("text=No active legal hold.")
    assert not LegalHold.objects.active().exists()


def test_a_proctor_chooses_a_daily_digest_of_attempts_to_review(page, proctor, settings):
    settings.EMAIL_HOST = "smtp.example.org"
    log_in(page, proctor)
    page.click("nav >> text=My notifications")

    page.check("input[value='attempt.needs_review']")
    page.check("#id_daily_digest")
    page.click("text=Save")

    page.wait_for_selector("text=Your notification choices are saved.")
    preference = NotificationPreference.objects.get(user=proctor)
    assert (preference.events, preference.daily_digest) == (["attempt.needs_review"], True)
    assert page.is_checked("input[value='attempt.needs_review']")
