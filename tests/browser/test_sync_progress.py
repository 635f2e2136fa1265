"""A long sync watched in a real browser: the sync page's figures move while the pass runs,
without a reload, and the card says when the pass is done. Also the screens of docs/."""

import os
import threading
import time
from pathlib import Path

import pytest

from proctoring.models import SyncRun
from proctoring.sync import progress, sync_evidence, sync_results
from tests.browser.conftest import log_in
from tests.sync_support import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"


@pytest.fixture
def quick_checkpoints(monkeypatch):
    """A checkpoint every fraction of a second, so the test sees several in a few seconds."""
    monkeypatch.setattr(progress, "CHECKPOINT_SECONDS", 0.3)


def wait_until(condition, timeout=20.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def screenshot(page, name: str) -> None:
    """docs/screens/<name>.png, when SCREENSHOTS=1 asks for them to be taken anew."""
    if os.environ.get("SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_the_sync_page_follows_a_slow_evidence_pass_without_reloading(
    page, test_admin, make_simulator, quick_checkpoints
):
    simulator = make_simulator(attempts=40, latency_ms=80)
    sync_results(client_for(simulator))
    passing = threading.Thread(
        target=sync_evidence, args=(client_for(simulator, timeout=5.0),), kwargs={"workers": 1}
    )
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    log_in(page, test_admin)
    passing.start()
    try:
        run = wait_until(lambda: SyncRun.objects.filter(kind="evidence", status="running").first())
        page.goto("/sync/")
        card = page.locator(f'[data-progress-run="{run.pk}"]')
        figure = card.locator('[data-field="attempts"]')
        loads_before = len(loads)
        first = figure.inner_text()

        seen = [first]
        wait_until(lambda: seen.append(figure.inner_text()) or len(set(seen)) >= 3)
        assert " of " in seen[-1] and seen[-1].endswith("attempts done")
        assert card.locator('[data-field="rate"]').inner_text().endswith("attempts/s")
        assert card.locator('[data-field="left"]').inner_text().startswith("about ")
        screenshot(page, "sync-progress")
    finally:
        passing.join(timeout=120)

    wait_until(lambda: card.get_attribute("data-status") == "succeeded")
    assert card.locator('[data-field="status_label"]').inner_text() == "Succeeded"
    assert len(loads) == loads_before  # all of it without a reload


def test_a_pass_started_after_the_page_loaded_appears_on_it(
    page, test_admin, make_simulator, quick_checkpoints
):
    simulator = make_simulator(attempts=30, latency_ms=80)
    sync_results(client_for(simulator))
    log_in(page, test_admin)
    page.goto("/sync/")
    assert page.locator("[data-progress-run]").count() == 0
    passing = threading.Thread(
        target=sync_evidence, args=(client_for(simulator, timeout=5.0),), kwargs={"workers": 1}
    )
    passing.start()
    try:
        page.locator('[data-progress-run] [data-field="attempts"]').wait_for(timeout=15_000)
        assert page.locator('[data-progress-run] [data-field="kind"]').inner_text() == "Evidence"
    finally:
        passing.join(timeout=120)


def test_a_fresh_installation_shows_the_getting_started_page(page, test_admin, settings):
    settings.AUTOPROCTOR_CLIENT_ID = ""
    settings.AUTOPROCTOR_CLIENT_SECRET = ""
    log_in(page, test_admin)

    missing = page.locator("[data-setup-missing]").inner_text()

    assert "AutoProctor client id" in missing and "AutoProctor client secret" in missing
    assert page.locator('[data-step="client_secret"]').inner_text().count("missing") == 1
    screenshot(page, "getting-started")
