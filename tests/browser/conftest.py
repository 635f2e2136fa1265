"""Browser fixtures: Debian's Chromium driven by Playwright, against pytest-django's live server.

Chromium is the system's (/usr/bin/chromium), never a browser Playwright downloads. Without it
the browser tests are skipped locally, but fail in CI (CI=true), where it must be installed.
Every page a test opens is watched: a JavaScript error or a console error (which is how
Chromium reports a Content-Security-Policy violation) fails the test.
"""

import os
import shutil

import pytest

from tests.fixtures.personas import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures) would otherwise be refused as "called from an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the browser tests.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageWatcher:
    """Collects what the browser console and the page report as errors."""

    def __init__(self, page):
        self.problems = []
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.problems.append(f"console error: {message.text}")
            ),
        )


def open_page(browser, live_server, **context_options):
    context = browser.new_context(
        base_url=live_server.url, accept_downloads=True, **context_options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page, PageWatcher(page)


@pytest.fixture
def page(browser, live_server):
    context, page, watcher = open_page(browser, live_server)
    yield page
    context.close()
    assert watcher.problems == [], "the browser reported errors"


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
