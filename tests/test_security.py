"""Security of every page: headers, escaping of untrusted text, and the client secret."""

import io
import zipfile

import pytest
from django.urls import reverse

from access.roles import PROCTOR
from candidates import services as candidate_services
from retention.models import LegalHold
from review import services
from tests.fixtures.data import make_attempt, make_records, make_usage
from tests.fixtures.personas import make_user
from tests.test_views_access import ACCESS
from tests.url_ids import reverse_with

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
SECRET_MARKER = "SECRET-MARKER-5f3a9c"


@pytest.fixture
def hostile_data():
    """Every text field AutoProctor sends, set to markup that must stay text."""
    attempt = make_attempt(
        test_attempt_id=f"id{SCRIPT}",
        candidate_name=SCRIPT,
        candidate_email=f"{SCRIPT}@example.org",
        lookup_key=f"key{SCRIPT}",
        evidence_status=f"st{SCRIPT}",
        device=SCRIPT,
        sync_error=SCRIPT,
        raw={"user_details": {"name": SCRIPT}},
    )
    (record,) = make_records(attempt, f"label{SCRIPT}", s3_path=None)
    make_usage(usage_by_lookup_key=[{"lookup_key": SCRIPT, "attempts": 1, "credits": 1}])
    # What reviewers type is shown on the report, the list, the queue and the audit page.
    reviewer = make_user("mallory", PROCTOR)
    services.set_verdict(user=reviewer, attempt=attempt, verdict="suspicious", reason=SCRIPT)
    services.add_note(user=reviewer, attempt=attempt, text=SCRIPT)
    services.add_note(user=reviewer, attempt=attempt, text=SCRIPT, record=record)
    services.dismiss_record(user=reviewer, record=record, reason=SCRIPT)
    # What a candidate types is shown on their page, the report and the queue.
    link, token = candidate_services.create_link(attempt=attempt, user=reviewer)
    candidate_services.submit_response(link=link, text=SCRIPT)
    attempt.candidate_token = token
    return attempt, record


@pytest.fixture
def every_url(hostile_data):
    attempt, record = hostile_data
    # A legal hold's reason and test are typed by people, and shown on /retention/.
    hold = LegalHold.objects.create(lookup_key=SCRIPT, reason=SCRIPT, placed_by_name=SCRIPT)
    ids = {
        "hold_id": hold.pk,
        "attempt_id": attempt.pk,
        "record_id": record.pk,
        "lookup_key": attempt.lookup_key,
        "first_id": attempt.pk,
        "second_id": attempt.pk,
        "change_id": 1,
    }
    urls = [reverse_with(name, ids) for name in ACCESS]
    return urls + [
        reverse("attempt-list") + f"?q={SCRIPT}",
        reverse("attempt-report", args=[attempt.pk]) + "?queue=1",
        reverse("audit-log") + f"?user={SCRIPT}",
        reverse("login"),
        reverse("review-queue"),
        # The candidate's pages: a live link, and a token we never gave.
        reverse("candidate-respond", args=[attempt.candidate_token]),
        reverse("candidate-respond", args=["x" * 43]),
        reverse("candidate-evidence", args=[attempt.candidate_token, record.pk]),
    ]


def body_of(response):
    if response.get("Content-Type") == "application/zip":  # a case file: every member's text
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        return "".join(archive.read(name).decode(errors="replace") for name in archive.namelist())
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def test_untrusted_text_is_escaped_on_every_page(test_admin_client, every_url):
    for url in every_url:
        response = test_admin_client.get(url)
        if response["Content-Type"].startswith("text/html"):
            assert SCRIPT not in body_of(response), url


def test_json_chart_data_keeps_markup_as_data(test_admin_client, hostile_data):
    data = test_admin_client.get(reverse("chart-violations-by-label")).json()
    assert data["labels"] == [f"label{SCRIPT}"]  # drawn on a canvas as text, never as HTML


def test_every_page_sends_the_security_headers(test_admin_client, client, every_url):
    for url in [*every_url, "/static/css/dashboard.css"]:
        for visitor in (test_admin_client, client):
            response = visitor.get(url)
            csp = response["Content-Security-Policy"]
            assert "default-src 'self'" in csp or "default-src 'none'" in csp, url
            assert "unsafe-inline" not in csp
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Referrer-Policy"] == "same-origin"
            assert response["X-Frame-Options"] == "DENY"


def test_the_policy_forbids_framing_and_foreign_media(test_admin_client):
    csp = test_admin_client.get(reverse("overview"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self'"
    assert directives["media-src"] == "'self'"


def test_pages_carry_no_inline_script_or_style(test_admin_client, every_url):
    for url in every_url:
        response = test_admin_client.get(url)
        if response["Content-Type"].startswith("text/html"):
            body = body_of(response)
            assert "<style" not in body and " style=" not in body, url
            assert body.count("<script") == body.count('<script src="'), url
            assert " on" + "click=" not in body and " on" + "load=" not in body, url


def test_the_client_secret_appears_in_no_response(test_admin_client, every_url, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = SECRET_MARKER
    for url in every_url:
        assert SECRET_MARKER not in body_of(test_admin_client.get(url)), url
