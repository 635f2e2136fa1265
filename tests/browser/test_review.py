"""Reviewing in a real browser with the keyboard only: move through the queue, pick a verdict,
type the reason, press Enter, and go on to the next attempt."""

import re

import pytest

from review.models import ReviewState, Verdict, VerdictChange
from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_attempts, make_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    """Three attempts under the threshold, riskiest first, and one above it."""
    attempts = make_attempts(
        4,
        candidate_name=lambda i: ["Ann Riskiest", "Ben Middle", "Cat Least", "Dan Fine"][i],
        trust_score=lambda i: [0.21, 0.47, 0.66, 0.97][i],
    )
    for attempt in attempts:
        make_records(attempt, "tab-switch", "noise-detected", s3_path=None)
    return attempts[:3]


def report_url(attempt):
    return re.compile(rf".*/attempts/{attempt.pk}/\?queue=1$")


def test_a_proctor_reviews_the_queue_with_the_keyboard_only(page, proctor, queue):
    ann, ben, cat = queue
    log_in(page, proctor)
    page.goto("/review/")
    selected = page.locator("table[data-review-list] tr.is-selected")
    assert selected.inner_text().startswith("Ann Riskiest")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert selected.inner_text().startswith("Cat Least")
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert selected.inner_text().startswith("Ann Riskiest")
    page.keyboard.press("Enter")
    page.wait_for_url(report_url(ann))

    page.keyboard.press("s")
    assert page.locator("input[name=verdict][value=suspicious]").is_checked()
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("Two tab switches during the essay")
    page.keyboard.press("Enter")
    page.wait_for_url(report_url(ben))
    assert "Verdict saved. Ann Riskiest: Suspicious." in page.inner_text(".messages")

    page.keyboard.press("c")
    page.keyboard.type("Noise was the building's fire drill")
    page.keyboard.press("Enter")
    page.wait_for_url(report_url(cat))

    # Ben is cleared and has left the queue; Ann, suspicious, stays in it.
    page.keyboard.press("p")
    page.wait_for_url(report_url(ann))
    page.keyboard.press("n")
    page.wait_for_url(report_url(cat))

    states = {state.attempt_id: state for state in ReviewState.objects.all()}
    assert (states[ann.pk].verdict, states[ann.pk].reason) == (
        Verdict.SUSPICIOUS,
        "Two tab switches during the essay",
    )
    assert states[ben.pk].verdict == Verdict.CLEARED
    assert cat.pk not in states
    assert VerdictChange.objects.count() == 2


def test_typing_in_a_field_does_not_trigger_the_keys(page, proctor, queue):
    ann = queue[0]
    log_in(page, proctor)
    page.goto(f"/attempts/{ann.pk}/?queue=1")
    page.focus("#id_text")  # the note on the attempt
    page.keyboard.type("no verdict, just notes")
    assert page.url.endswith(f"/attempts/{ann.pk}/?queue=1")
    assert not page.locator("input[name=verdict]:checked").count()


def test_the_queue_works_without_javascript(browser, live_server, proctor, queue):
    ann, ben, _ = queue
    context, page, watcher = open_page(browser, live_server, java_script_enabled=False)
    try:
        log_in(page, proctor)
        page.goto("/review/")
        page.click("text=Start reviewing")
        page.wait_for_url(report_url(ann))
        page.check("input[name=verdict][value=violation]")
        page.select_option("#id_preset", "phone or second screen in use")
        page.fill("#id_reason", "Phone visible in photo 4")
        page.click("text=Save verdict and go on")
        page.wait_for_url(report_url(ben))
    finally:
        context.close()
    assert watcher.problems == []
    change = VerdictChange.objects.get()
    assert (change.verdict, change.preset) == (Verdict.VIOLATION, "phone or second screen in use")
