"""The attempts list on a common laptop screen (1,366×900): it fits without sideways scrolling,
the first row is high on the page, hidden columns stay hidden, and the bulk-verdict bar shows
only while rows are ticked."""

import pytest

from tests.browser.conftest import log_in
from tests.fixtures.data import make_attempts, make_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def attempts():
    attempts = make_attempts(
        30,
        candidate_name=lambda i: f"Maximiliana Wolfeschlegelsteinhausen-Bergerdorff {i}",
        candidate_email=lambda i: (
            f"maximiliana.wolfeschlegelsteinhausen.{i}@university.example.org"
        ),
        lookup_key=lambda i: ["final-exam-advanced-organic-chemistry-2026", "quiz-1"][i % 2],
        trust_score=lambda i: 0.3 + i / 50,
    )
    for attempt in attempts[:10]:
        make_records(attempt, "tab-switch", "noise-detected", s3_path=None)
    return attempts


def open_list(page, user):
    page.set_viewport_size(LAPTOP)
    log_in(page, user)
    page.goto("/attempts/")


def test_the_list_fits_the_screen_and_its_first_row_is_above_450_px(page, proctor, attempts):
    open_list(page, proctor)
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    scroller = page.locator(".table-scroll")
    assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth")
    first_row = page.locator("table.attempts tbody tr").first.bounding_box()
    assert first_row["y"] < 450


def test_the_bulk_bar_shows_only_while_rows_are_ticked(page, proctor, attempts):
    open_list(page, proctor)
    bar = page.locator("[data-bulk-bar]")
    assert not bar.is_visible()
    page.locator("[data-bulk-tick]").nth(1).check()
    assert bar.is_visible()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= LAPTOP["height"]  # stuck to the bottom of the screen
    assert "(1)" in bar.locator("legend").inner_text()
    page.locator("[data-bulk-tick]").nth(1).uncheck()
    assert not bar.is_visible()


def test_a_hidden_column_stays_hidden_on_the_next_visit(page, proctor, attempts):
    open_list(page, proctor)
    page.click("text=Columns")
    page.uncheck("[data-column-toggle][value=started]")
    assert not page.locator("th[data-column=started]").is_visible()
    page.reload()
    assert not page.locator("th[data-column=started]").is_visible()
    assert page.locator("th[data-column=submitted]").is_visible()


def test_more_filters_stay_in_the_url_and_open_when_used(page, proctor, attempts):
    open_list(page, proctor)
    page.click("text=More filters")
    page.select_option("#id_labels", ["noise-detected"])
    page.fill("#id_count_min", "1")
    page.select_option("#id_count_label", "tab-switch")
    page.click("text=Apply filters")
    page.wait_for_url("**/attempts/?**labels=noise-detected**")
    assert "count_label=tab-switch" in page.url
    assert page.locator("details.more-filters").get_attribute("open") is not None
    assert page.locator("table.attempts tbody tr").count() == 10
