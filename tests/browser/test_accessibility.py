"""Every page passes axe-core with no serious or critical violation, keyboard focus is always
visible, and colour is never the only signal."""

import pytest

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_attempts, make_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def attempts():
    attempts = make_attempts(
        4,
        lookup_key=lambda i: ["maths-101", "physics-201"][i % 2],
        trust_score=lambda i: [0.3, 0.7, 0.9, None][i],
    )
    for attempt in attempts[:3]:
        make_records(
            attempt, "tab-switch", "tab-switch", "noise-detected", s3_path=None, data_type="none"
        )
        make_records(attempt, "random-photo-taken", is_violation=False, s3_path=None)
    return attempts


def pages_of(attempt):
    return [
        "/",
        "/attempts/",
        "/attempts/?labels=tab-switch&duration_min=1",
        f"/attempts/{attempt.pk}/",
        f"/attempts/{attempt.pk}/?queue=1",
        "/review/",
        "/review/reasons/",
        "/review/assign/",
        "/tests/",
        f"/tests/{attempt.lookup_key}/",
        "/usage/",
        "/sync/",
        "/audit/",
        "/console/",
    ]


def test_no_page_has_a_serious_or_critical_axe_violation(
    browser, live_server, test_admin, attempts
):
    context, page, watcher = open_page(browser, live_server, viewport=LAPTOP)
    found = {}
    try:
        page.goto("/accounts/login/")
        found["/accounts/login/"] = serious_violations(page)
        log_in(page, test_admin)
        for url in pages_of(attempts[0]):
            page.goto(url)
            page.wait_for_load_state("networkidle")
            found[url] = serious_violations(page)
    finally:
        context.close()
    problems = {url: items for url, items in found.items() if items}
    assert not problems, "\n".join(f"{url}: {items}" for url, items in problems.items())
    assert watcher.problems == []


def test_keyboard_focus_is_always_visible(page, proctor, attempts):
    page.set_viewport_size(LAPTOP)
    log_in(page, proctor)
    page.goto(f"/attempts/{attempts[0].pk}/")
    for _ in range(12):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[1] != "none" and outline[2] != "0px", outline


def test_colour_is_never_the_only_signal_on_the_report(page, proctor, attempts):
    log_in(page, proctor)
    page.goto(f"/attempts/{attempts[0].pk}/")
    for mark in page.locator("[data-strip] a").all():
        assert mark.get_attribute("aria-label").split(" at ")[0] in (
            "Tab switch",
            "Noise detected",
            "Random photo",
        )
    for event in page.locator(".event-link.is-violation").all():
        assert "Violation" in event.inner_text()
    legend = page.locator(".legend").inner_text()
    assert "Tab switch: 2" in legend and "Noise detected: 1" in legend
