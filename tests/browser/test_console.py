"""The API console and the sync status page in a real browser, with and without JavaScript."""

import pytest
from django.core.cache import cache
from django_q.models import OrmQ

from tests.browser.conftest import log_in, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def test_a_test_admin_sends_a_console_request_and_sees_the_response(page, test_admin, simulator):
    log_in(page, test_admin)
    page.click("nav >> text=Console")
    page.click(".endpoint-list >> text=Usage")
    page.click("button:has-text('Send')")

    page.wait_for_selector("[data-outcome=ok]")
    assert page.inner_text("[data-response-status]") == "200 OK"
    credits = simulator.dataset.usage()["credits_remaining"]
    assert f"{credits} credits remaining" in page.inner_text("[data-outcome=ok]")
    assert '"credits_remaining"' in page.inner_text("[data-response-body]")
    (received,) = simulator.requests
    assert page.inner_text("[data-request-url]") == simulator.base_url + received.target
    assert page.locator(".copy-button").count() >= 2  # the page's script ran, within the CSP


def test_the_evidence_walk_works_without_javascript(browser, live_server, test_admin, simulator):
    processing = next(
        each
        for each, attempt in simulator.dataset.attempts.items()
        if attempt["submitted_at"] and attempt["evidence_status"] == "processing"
    )
    context, page, watcher = open_page(browser, live_server, java_script_enabled=False)
    try:
        log_in(page, test_admin)
        page.goto("/console/walk/")
        page.fill("#id_test_attempt_id", processing)
        page.click("button:has-text('Walk')")
        page.wait_for_selector("[data-walk-stopped]")
        assert "AutoProctor is still processing this attempt's evidence" in page.inner_text(
            "[data-walk-stopped]"
        )
        states = page.locator("[data-step]").evaluate_all(
            "steps => steps.map(step => step.dataset.state)"
        )
        assert states == ["done", "failed", "not run", "not run"]
    finally:
        context.close()
    assert watcher.problems == []


def test_one_click_on_sync_now_queues_one_pass(page, test_admin):
    log_in(page, test_admin)
    page.click("nav >> text=Sync")
    page.dblclick("button:has-text('Sync now')")

    page.wait_for_selector("text=A sync pass is queued")
    assert OrmQ.objects.count() == 1
