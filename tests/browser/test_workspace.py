"""The report as a reviewer's workspace, in Chromium at a common laptop size (1,366×900): the
selected event's evidence beside the timeline, the verdict in view, keys to step through."""

from datetime import timedelta

import pytest

from review.models import EvidenceDismissal
from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_records
from tests.test_views_evidence import synced_attempt_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def busy_attempt(simulator):
    """An attempt synced from the simulator (its files load for real) whose first event has an
    image, followed by bursts of events without files: a long timeline."""
    attempt = synced_attempt_with(simulator, "image")
    records = list(attempt.evidence_records.order_by("occurred_at", "pk"))
    first_image = next(record for record in records if record.data_type == "image")
    start = min(record.occurred_at for record in records)
    first_image.occurred_at = start - timedelta(seconds=30)
    first_image.save(update_fields=["occurred_at"])
    attempt.started_at = first_image.occurred_at - timedelta(minutes=1)
    attempt.save(update_fields=["started_at"])
    last = max(record.occurred_at for record in records)
    for burst in range(4):
        for step in range(8):
            make_records(
                attempt,
                "no-face-looking-at-camera",
                s3_path=None,
                data_type="none",
                occurred_at=last + timedelta(minutes=5 * burst + 1, seconds=10 * step),
            )
    return attempt


def in_viewport(locator):
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"]


def selected_panel(page):
    return page.locator("[data-event-panel]:not([hidden])")


def test_the_first_event_and_the_verdict_are_in_view_and_shift_j_steps_on(
    page, proctor, busy_attempt
):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto(f"/attempts/{busy_attempt.pk}/")
    first = busy_attempt.evidence_records.order_by("occurred_at").first()
    panel = selected_panel(page)
    assert panel.get_attribute("data-event-panel") == str(first.pk)
    image = panel.locator("img")
    image.evaluate(
        "img => img.complete ? null : new Promise((done, fail) => {"
        " img.onload = done; img.onerror = () => fail(new Error('image failed to load')); })"
    )
    assert image.evaluate("img => img.naturalWidth") > 0
    assert in_viewport(image), "the first event's evidence is below the fold"
    assert in_viewport(page.locator("#verdict-form button[type=submit]"))
    assert in_viewport(page.locator("input[name=verdict][value=cleared]"))

    page.keyboard.press("J")  # every event (j steps only through violations with evidence)
    second = page.locator(".event-link[aria-current]")
    assert second.get_attribute("id") != f"record-{first.pk}"
    shown = selected_panel(page)
    assert shown.count() == 1
    assert shown.get_attribute("data-event-panel") == second.get_attribute("data-event")
    assert in_viewport(shown.locator(".evidence-view"))
    assert f"event={second.get_attribute('data-event')}" in page.url
    page.keyboard.press("ArrowUp")
    assert selected_panel(page).get_attribute("data-event-panel") == str(first.pk)


def test_an_incident_is_dismissed_with_one_reason_and_one_dismissal_per_event(
    page, proctor, busy_attempt
):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto(f"/attempts/{busy_attempt.pk}/")
    incident = page.locator("details[data-incident]", has_text="No face at camera").first
    incident.locator("summary").click()
    assert "8 events" in incident.locator("summary").inner_text()
    incident.locator("input[name=reason]").fill("Lamp switched off; candidate visible on video")
    incident.locator("text=Dismiss the incident").click()
    page.wait_for_load_state()
    assert "Dismissed 8 violations, each recorded with the reason." in page.inner_text(".messages")
    dismissals = EvidenceDismissal.objects.filter(attempt=busy_attempt)
    assert dismissals.count() == 8
    assert {dismissal.reason for dismissal in dismissals} == {
        "Lamp switched off; candidate visible on video"
    }
    assert len({dismissal.occurred_at for dismissal in dismissals}) == 8


def test_d_dismisses_the_selected_event_with_a_reason(page, proctor, busy_attempt):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    record = busy_attempt.evidence_records.filter(label="no-face-looking-at-camera").first()
    page.goto(f"/attempts/{busy_attempt.pk}/?event={record.pk}#event-{record.pk}")
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == f"dismiss-{record.pk}"
    page.keyboard.type("Candidate bent down to pick up a pen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Dismissed: it no longer counts" in page.inner_text(".messages")
    assert EvidenceDismissal.objects.get().reason == "Candidate bent down to pick up a pen"
    assert selected_panel(page).get_attribute("data-event-panel") == str(record.pk)


def test_the_workspace_works_without_javascript(browser, live_server, proctor, busy_attempt):
    context, page, watcher = open_page(
        browser, live_server, java_script_enabled=False, viewport=LAPTOP
    )
    try:
        log_in(page, proctor)
        page.goto(f"/attempts/{busy_attempt.pk}/")
        page.click(".timeline details[data-incident] >> nth=0 >> summary")
        link = page.locator("details[data-incident] .event-link").nth(2)
        target = link.get_attribute("data-event")
        link.click()
        page.wait_for_url(f"**?event={target}#event-{target}")
        assert selected_panel(page).get_attribute("data-event-panel") == target
        page.click("[data-event-panel]:not([hidden]) [aria-label='Next event']")
        assert selected_panel(page).get_attribute("data-event-panel") != target
    finally:
        context.close()
    assert watcher.problems == []


def test_the_workspace_stacks_on_a_narrow_screen(page, proctor, busy_attempt):
    page.set_viewport_size({"width": 800, "height": 900})
    log_in(page, proctor)
    page.goto(f"/attempts/{busy_attempt.pk}/")
    timeline = page.locator("#timeline").bounding_box()
    viewer = page.locator("[data-viewer]").bounding_box()
    # One column: the selected event and the verdict first, the timeline below them.
    assert viewer["y"] < timeline["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 800


def test_printing_the_report_shows_every_event_and_no_forms(page, proctor, busy_attempt, tmp_path):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto(f"/attempts/{busy_attempt.pk}/")
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator("#verdict-form").is_visible()
    assert not page.locator("form.note-form").is_visible()
    panels = page.locator("[data-event-panel]")
    assert all(panel.is_visible() for panel in panels.all())
    assert page.locator("#history-title").is_visible()
    page.pdf(path=str(tmp_path / "report.pdf"))  # what "Save as PDF" makes
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
