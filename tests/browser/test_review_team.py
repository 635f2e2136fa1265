"""Reviewing as a team, in Chromium at a common laptop size (1,366×900): two reviewers working
the queue side by side never get the same attempt, a refused verdict keeps what was typed, the
report steps evidence first with the test-taker photo in view, the verdict is on the first
screen in queue mode, and a phone (390 px) never scrolls sideways."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from access.roles import PROCTOR
from review import services
from review.models import ReviewState
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_attempts, make_records
from tests.fixtures.personas import make_user
from tests.test_views_evidence import synced_attempt_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Set SCREENSHOTS=<directory> to keep what the tests saw (docs/reviewing.md uses them).
SCREENSHOTS = os.environ.get("SCREENSHOTS")


def keep(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


@pytest.fixture
def evidence_first(simulator):
    """An attempt whose timeline starts the way a real one does: the test-taker photo, then
    violations with no evidence kept and informational photos, then violations with images.
    Every file is a real one from the simulator, loaded through the dashboard."""
    attempt = synced_attempt_with(simulator, "image")
    image = attempt.evidence_records.filter(data_type="image").exclude(s3_path=None).first()
    attempt.evidence_records.exclude(pk=image.pk).delete()
    start = attempt.started_at or image.occurred_at
    image.label, image.is_violation, image.occurred_at = "test-taker-photo", False, start
    image.save(update_fields=["label", "is_violation", "occurred_at"])
    with_file = {"s3_path": image.s3_path, "data_type": "image"}
    no_file = {"s3_path": None, "data_type": "none"}

    def at(seconds, label, **fields):
        return make_records(
            attempt, label, occurred_at=start + timedelta(seconds=seconds), **fields
        )[0]

    for step in range(4):
        at(20 + step * 5, "no-face-looking-at-camera", **no_file)
    at(70, "random-photo-taken", is_violation=False, **with_file)
    first_violation = at(300, "multiple-faces-detected", **with_file)
    at(400, "tab-switch", **no_file)
    second_violation = at(900, "multiple-faces-detected", **with_file)
    attempt.trust_score = 0.2
    attempt.save(update_fields=["trust_score"])
    return attempt, first_violation, second_violation


def in_first_screen(locator, height=LAPTOP["height"]):
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def selected(page):
    return page.locator("[data-event-panel]:not([hidden])").get_attribute("data-event-panel")


def loaded(image):
    image.evaluate(
        "img => img.complete ? null : new Promise((done, fail) => {"
        " img.onload = done; img.onerror = () => fail(new Error('image failed to load')); })"
    )
    return image.evaluate("img => img.naturalWidth") > 0


def test_j_from_the_start_lands_on_the_first_violation_with_evidence_with_the_photo_in_view(
    page, proctor, evidence_first
):
    attempt, first_violation, second_violation = evidence_first
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto(f"/attempts/{attempt.pk}/?queue=1")
    assert selected(page) == str(first_violation.pk)  # opens on it
    keep(page, "report-evidence-first")
    start = attempt.evidence_records.order_by("occurred_at").first()
    page.goto(f"/attempts/{attempt.pk}/?queue=1&event={start.pk}")
    assert selected(page) == str(start.pk)
    page.keyboard.press("j")
    assert selected(page) == str(first_violation.pk)
    photo = page.locator("[data-reference-photo] img")
    assert loaded(photo)
    assert in_first_screen(photo), "the test-taker photo is out of view"
    page.keyboard.press("j")
    assert selected(page) == str(second_violation.pk)  # the tab switch with no file is skipped
    page.keyboard.press("K")
    assert page.locator(".event-link[aria-current]").inner_text().find("Tab switch") >= 0
    # The strip marks what j skips.
    skipped = page.locator("[data-strip] .strip-mark.is-skipped")
    assert skipped.count() == attempt.evidence_records.count() - 2
    # The image opens enlarged in place, and Escape closes it.
    page.keyboard.press("j")
    page.locator("[data-event-panel]:not([hidden]) a[data-zoom-image]").click()
    dialog = page.locator("[data-zoom-dialog]")
    assert dialog.evaluate("d => d.open")
    assert page.url.endswith(f"event={second_violation.pk}")  # never left for the raw file
    assert serious_violations(page) == []  # with the dialog open
    page.keyboard.press("+")
    assert "scale(1.25)" in page.locator("[data-zoom-target]").get_attribute("style")
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")


def test_the_verdict_is_in_the_first_screen_in_queue_mode(page, proctor, evidence_first):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto("/review/")
    page.click("[data-key-start]")
    page.wait_for_url(re.compile(r".*\?queue=1$"))
    keep(page, "queue-mode-1366")
    for control in (
        "#verdict-form button[type=submit]",
        "input[name=verdict][value=cleared]",
        "input[name=verdict][value=violation]",
        "#id_reason",
    ):
        assert in_first_screen(page.locator(control)), f"{control} is below the fold"
    # Keyboard reachable: v, then a digit picks a common reason that fills the reason.
    page.keyboard.press("v")
    page.keyboard.press("4")
    assert page.input_value("#id_reason") == services.PRESETS[3]
    page.keyboard.type(" (seen on the photo)")
    opened = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != opened)
    state = ReviewState.objects.get()
    assert state.reason == f"{services.PRESETS[3]} (seen on the photo)"
    assert state.latest_change.full_reason == state.reason  # the preset is not said twice


def test_a_wide_screen_shows_larger_evidence(page, proctor, evidence_first):
    attempt, first_violation, _ = evidence_first
    sizes = {}
    log_in(page, proctor)
    for width, height in ((1366, 900), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/attempts/{attempt.pk}/?queue=1")
        image = page.locator("[data-event-panel]:not([hidden]) .evidence-view img")
        sizes[width] = image.bounding_box()
        keep(page, f"report-{width}")
        assert in_first_screen(page.locator("#verdict-form button[type=submit]"), height)
    assert sizes[1920]["width"] > sizes[1366]["width"] * 1.3
    assert sizes[1920]["height"] > sizes[1366]["height"]


def test_two_reviewers_side_by_side_never_get_the_same_attempt(browser, live_server, proctor):
    colleague = make_user("dave", PROCTOR)
    attempts = make_attempts(6, trust_score=lambda i: 0.1 + i * 0.05)
    for attempt in attempts:
        make_records(attempt, "tab-switch", s3_path=None, data_type="none")
    sessions = []
    for user in (proctor, colleague):
        context, page, watcher = open_page(browser, live_server, viewport=LAPTOP)
        log_in(page, user)
        page.goto("/review/")
        sessions.append((context, page, watcher))
    try:
        (_, alice, _), (_, dave, _) = sessions
        # Both press "Start reviewing" at the same time.
        alice.click("[data-key-start]", no_wait_after=True)
        dave.click("[data-key-start]", no_wait_after=True)
        seen = {"alice": [], "dave": []}
        left = {"alice": "/review/", "dave": "/review/"}
        for _ in range(3):
            for name, page in (("alice", alice), ("dave", dave)):
                page.wait_for_url(lambda url, name=name: not url.endswith(left[name]))
                page.wait_for_load_state()
                left[name] = page.url
                seen[name].append(int(re.search(r"/attempts/(\d+)/\?queue=1$", page.url)[1]))
            keep(dave, f"side-by-side-dave-{len(seen['dave'])}")
            for name, page in (("alice", alice), ("dave", dave)):
                page.keyboard.press("c")
                page.keyboard.type(f"{name}: looked at it, fine")
                page.keyboard.press("Enter")
        for page in (alice, dave):
            page.wait_for_url(re.compile(r".*/review/$"))
        handed = seen["alice"] + seen["dave"]
        assert len(set(handed)) == 6, f"an attempt was handed to both: {seen}"
        reviewers = dict(ReviewState.objects.values_list("attempt_id", "reviewer_name"))
        assert {reviewers[pk] for pk in seen["alice"]} == {"alice"}
        assert {reviewers[pk] for pk in seen["dave"]} == {"dave"}
    finally:
        for context, _, watcher in sessions:
            context.close()
            assert watcher.problems == []


def test_the_queue_and_the_report_show_who_is_reviewing(browser, live_server, proctor):
    colleague = make_user("dave", PROCTOR)
    first, second = make_attempts(2, trust_score=lambda i: [0.1, 0.2][i])
    context, page, watcher = open_page(browser, live_server, viewport=LAPTOP)
    try:
        log_in(page, colleague)
        page.goto("/review/")
        page.click("[data-key-start]")
        page.wait_for_url(f"**/attempts/{first.pk}/?queue=1")
        other, alice, other_watcher = open_page(browser, live_server, viewport=LAPTOP)
        log_in(alice, proctor)
        alice.goto("/review/")
        assert "being reviewed by dave since" in alice.inner_text("table[data-review-list]")
        alice.goto(f"/attempts/{first.pk}/?queue=1")
        assert "Being reviewed by dave" in alice.inner_text("[data-claim-banner]")
        keep(alice, "claim-banner")
        assert serious_violations(alice) == []
        other.close()
        assert other_watcher.problems == []
    finally:
        context.close()
    assert watcher.problems == []


def test_a_refused_verdict_keeps_the_typed_reason(browser, live_server, proctor, evidence_first):
    attempt = evidence_first[0]
    colleague = make_user("dave", PROCTOR)
    context, page, watcher = open_page(browser, live_server, viewport=LAPTOP)
    try:
        refused_verdict_keeps_the_reason(page, proctor, colleague, attempt)
    finally:
        context.close()
    # The refusal answers 403 (the verdict was not the proctor's to change), which Chromium
    # reports on the console; nothing else may go wrong.
    assert watcher.problems == [
        "console error: Failed to load resource: the server responded with a status of 403 "
        "(Forbidden)"
    ]


def refused_verdict_keeps_the_reason(page, proctor, colleague, attempt):
    log_in(page, proctor)
    page.goto(f"/attempts/{attempt.pk}/?queue=1")
    page.keyboard.press("s")
    page.keyboard.type("Second face at 5:00, worth a second look")
    # Dave decides first, from another page.
    services.set_verdict(user=colleague, attempt=attempt, verdict="cleared", reason="twin sister")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    refusal = page.locator("#refusal")
    assert "dave gave this attempt a verdict first: Cleared" in refusal.inner_text()
    assert in_first_screen(refusal), "the refusal is below the fold"
    assert "Leave these out" not in page.content()
    assert page.input_value("#id_reason") == "Second face at 5:00, worth a second look"
    assert page.locator("input[name=verdict][value=suspicious]").is_checked()
    assert "twin sister" in page.inner_text("[data-verdict-conflict]")
    keep(page, "refused-verdict")
    assert serious_violations(page) == []
    # One click keeps it as a note.
    page.click("text=Add it as a note")
    page.wait_for_load_state()
    assert "Verdict I would give: Suspicious. Second face at 5:00" in page.inner_text("body")


def test_the_bulk_form_has_no_verdict_chosen(page, proctor):
    make_attempts(3, trust_score=0.12)
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto("/attempts/")
    page.check("[data-bulk-all]")
    assert page.locator("[data-bulk-tick]:checked").count() == 3
    assert page.input_value("#bulk-verdict") == ""
    assert "(3)" in page.inner_text("[data-bulk-count]")
    page.fill("#bulk-reason", "all three fine")
    page.click("#bulk-form button[type=submit]")
    # The browser asks for a verdict before anything is sent.
    assert page.evaluate("document.querySelector('#bulk-verdict').validity.valueMissing")
    page.select_option("#bulk-verdict", "suspicious")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#bulk-form button[type=submit]")
    page.wait_for_load_state()
    assert asked == [
        "Give 3 attempts the verdict \u201cSuspicious\u201d? Each gets its own history entry."
    ]
    assert ReviewState.objects.filter(verdict="suspicious").count() == 3


@pytest.mark.parametrize("path", ["report", "queue"])
def test_a_phone_never_scrolls_sideways(page, proctor, evidence_first, path):
    attempt = evidence_first[0]
    page.set_viewport_size(PHONE)
    log_in(page, proctor)
    page.goto(f"/attempts/{attempt.pk}/?queue=1" if path == "report" else "/review/")
    keep(page, f"phone-{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if path == "report":
        # The selected evidence and the verdict come within a screen or two, not 5,000 px down.
        viewer = page.locator("[data-event-panel]:not([hidden]) .evidence-view").bounding_box()
        verdict = page.locator("#verdict-form button[type=submit]").bounding_box()
        assert viewer["y"] < 2 * PHONE["height"] and verdict["y"] < 2 * PHONE["height"]
        # Tags sit beside or under their label, never over it.
        for link in page.locator(".event-link").all()[:6]:
            label = link.locator(".event-label").bounding_box()
            tag = link.locator(".event-kind .tag").first.bounding_box()
            overlap = not (
                tag["x"] >= label["x"] + label["width"]
                or tag["y"] >= label["y"] + label["height"]
                or tag["x"] + tag["width"] <= label["x"]
            )
            assert not overlap
