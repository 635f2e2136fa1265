"""The candidate's side in a real browser: a reviewer makes a response link; the candidate opens
it with no login, sees only their attempt (its evidence loading under the page's own strict
policy), and answers; the reviewer finds the answer on the report and in the queue. An
expired, a revoked and a tampered link show nothing of the attempt."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candidates.models import ResponseLink
from proctoring.models import Attempt
from review import services
from review.models import Verdict
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import log_in, open_page
from tests.fixtures.data import make_attempt, make_records
from tests.test_views_evidence import synced_attempt_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "The second face was my sister <walking past>; she left at once."


@pytest.fixture
def flagged(simulator, test_admin):
    """A synced attempt with image evidence, under the threshold and marked suspicious (so it
    is in the queue), and another candidate's attempt that must never show."""
    attempt = synced_attempt_with(simulator, "image")
    Attempt.objects.filter(pk=attempt.pk).update(trust_score=0.3)
    attempt.refresh_from_db()
    services.set_verdict(
        user=test_admin, attempt=attempt, verdict=Verdict.SUSPICIOUS, reason="staff-only reason"
    )
    other = make_attempt(candidate_name="Other Person", lookup_key="other-test-77")
    make_records(other, "tab-switch", s3_path=None)
    return attempt


def make_link(page, attempt):
    page.goto(f"/attempts/{attempt.pk}/")
    page.get_by_role("button", name="Make a response link").click()
    return page.input_value("#candidate-link")


def test_a_candidate_opens_the_link_sees_only_their_attempt_and_responds(
    browser, live_server, page, proctor, flagged
):
    log_in(page, proctor)
    url = make_link(page, flagged)
    assert url.startswith(f"{live_server.url}/respond/")

    context, candidate, watcher = open_page(browser, live_server)
    candidate.goto(url)
    assert serious_violations(candidate) == []
    text = candidate.inner_text("main")
    assert flagged.lookup_key in text
    assert "Suspicious" in text
    for hidden in ("Other Person", "other-test-77", "staff-only reason", proctor.username):
        assert hidden not in text
    assert candidate.locator("a[href^='/attempts'], a[href^='/review'], nav").count() == 0
    images = candidate.locator("figure img")
    assert images.count() >= 1
    images.first.scroll_into_view_if_needed()
    images.first.evaluate("img => img.decode()")
    assert images.first.evaluate("img => img.naturalWidth") > 0

    candidate.fill("textarea[name=text]", ANSWER)
    candidate.get_by_role("button", name="Send my response").click()
    candidate.wait_for_selector(".received")
    assert "Received" in candidate.inner_text(".received")
    assert candidate.inner_text(".response-text") == ANSWER
    assert candidate.locator("textarea").count() == 0
    context.close()
    assert watcher.problems == [], "the candidate's browser reported errors"

    page.goto(f"/attempts/{flagged.pk}/")
    assert page.inner_text(".candidate-response") == ANSWER
    assert "candidate responded" in page.inner_text("#candidate")
    page.goto("/review/")
    row = page.locator("tr", has_text=flagged.test_attempt_id)
    assert "candidate responded" in row.inner_text()


def test_expired_revoked_and_tampered_links_show_nothing(
    browser, live_server, page, proctor, flagged
):
    log_in(page, proctor)
    url = make_link(page, flagged)
    context, candidate, watcher = open_page(browser, live_server)

    tampered = url[:-2] + ("A" if url[-2] != "A" else "B") + "/"
    candidate.goto(tampered)
    assert candidate.inner_text("h1") == "This link is not valid"
    assert flagged.lookup_key not in candidate.content()

    page.goto(f"/attempts/{flagged.pk}/")
    page.get_by_role("button", name="Revoke the link").click()
    candidate.goto(url)
    assert candidate.inner_text("h1") == "This link was withdrawn"
    assert flagged.lookup_key not in candidate.content()
    assert candidate.locator("img, form").count() == 0

    url = make_link(page, flagged)
    ResponseLink.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    candidate.goto(url)
    assert candidate.inner_text("h1") == "This link has expired"
    assert flagged.lookup_key not in candidate.content()
    assert candidate.locator("img, form").count() == 0
    context.close()
    # Chromium reports each 404 and 410 page as a failed load, nothing else.
    assert all("status of 4" in problem for problem in watcher.problems), watcher.problems
