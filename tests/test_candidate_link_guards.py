"""What guards the candidate's side: evidence behind a link passes the staff evidence checks and
is logged as the candidate's; tokens never reach a log line; erasure and deletion take
responses and links with them."""

import io
import logging
import re

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from autoproctor.testing.bucket import PREFIX
from candidates import services as candidate_services
from candidates.models import CandidateResponse, ResponseLink
from config.log_redaction import RedactResponseTokens
from proctoring.models import Attempt
from proctoring.sync import evidence_url
from retention.erasure import delete_attempts
from tests.fixtures.data import make_attempt
from tests.sync_support import client_for
from tests.test_views_evidence import file_record, synced_attempt_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def linked(simulator, proctor):
    attempt = synced_attempt_with(simulator, "image", "audio")
    _, token = candidate_services.create_link(attempt=attempt, user=proctor)
    return attempt, token


def evidence_of(token, record):
    return reverse("candidate-evidence", args=[token, record.pk])


def test_the_candidate_opens_their_evidence_and_the_access_log_names_the_candidate(
    linked, simulator
):
    attempt, token = linked
    page = Client().get(reverse("candidate-respond", args=[token])).content.decode()
    image, audio = file_record(attempt, "image"), file_record(attempt, "audio")
    assert evidence_of(token, image) in page and evidence_of(token, audio) in page
    response = Client().get(evidence_of(token, image), headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    served = requests.get(evidence_url(image, client=client_for(simulator)), timeout=10).content
    assert b"".join(response.streaming_content) == served
    (entry,) = AuditEvent.objects.filter(action="evidence.view")
    assert entry.username == "candidate" and entry.attempt_id == attempt.pk
    assert entry.detail["record"] == image.pk


def test_a_file_storage_sends_as_a_page_is_refused(linked, simulator):
    attempt, token = linked
    simulator.inject("malformed", path_contains=PREFIX, times=-1)  # an HTML page
    response = Client().get(evidence_of(token, file_record(attempt, "image")))
    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/html")
    assert b"This file is not available" in response.content


def test_another_site_cannot_pull_the_files(linked):
    attempt, token = linked
    response = Client().get(
        evidence_of(token, file_record(attempt, "image")), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.view").exists()


def test_an_expired_link_opens_no_file(linked):
    attempt, token = linked
    ResponseLink.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = Client().get(evidence_of(token, file_record(attempt, "image")))
    assert response.status_code == 410
    assert not AuditEvent.objects.filter(action="evidence.view").exists()


@pytest.fixture
def log_output():
    """What the configured stdout handler (LOGGING, with its filters and format) writes."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactResponseTokens) for f in handler.filters)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_no_log_line_carries_a_token(db, log_output):
    attempt = make_attempt()
    _, token = candidate_services.create_link(attempt=attempt, user=None)
    Client().get(reverse("candidate-respond", args=[token[:-1] + "~"]))  # Not Found, logged
    ResponseLink.objects.update(revoked_at="2026-01-01T00:00:00Z")
    Client().get(reverse("candidate-respond", args=[token]))  # Gone, logged
    logged = log_output.getvalue()
    assert logged.count("/respond/[token]/") >= 2
    assert token not in logged and token[:-1] not in logged


def test_gunicorn_access_lines_lose_the_token():
    token = "A" * 43
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        "",
        0,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "10.0.0.1", "r": f"GET /respond/{token}/evidence/5/ HTTP/1.1", "s": "200"},),
        None,
    )
    RedactResponseTokens().filter(record)
    assert record.getMessage() == '10.0.0.1 "GET /respond/[token]/evidence/5/ HTTP/1.1" 200'


def answered(attempt):
    link, token = candidate_services.create_link(attempt=attempt, user=None)
    candidate_services.submit_response(link=link, text="my words")
    return token


def test_erasing_a_candidate_removes_their_responses_and_links(db):
    attempt = make_attempt(candidate_email="gone@example.org")
    kept = make_attempt(candidate_email="stays@example.org")
    token = answered(attempt)
    answered(kept)
    call_command("erase_candidate", "gone@example.org", stdout=None)
    assert not CandidateResponse.objects.filter(attempt=attempt).exists()
    assert not ResponseLink.objects.filter(attempt=attempt).exists()
    assert CandidateResponse.objects.filter(attempt=kept).exists()
    assert Client().get(reverse("candidate-respond", args=[token])).status_code == 404


def test_the_attempts_retention_policy_takes_responses_and_links(db, settings):
    attempt = make_attempt()
    answered(attempt)
    delete_attempts([attempt.pk], "RETAIN_ATTEMPTS_DAYS=30")
    assert not Attempt.objects.filter(pk=attempt.pk).exists()
    assert not CandidateResponse.objects.exists() and not ResponseLink.objects.exists()


def test_a_link_page_shows_the_email_token_nowhere_but_the_url(linked):
    _, token = linked
    page = Client().get(reverse("candidate-respond", args=[token])).content.decode()
    # The token appears only inside this attempt's own addresses (the form posts to itself).
    for match in re.finditer(re.escape(token), page):
        assert page[match.start() - len("/respond/") : match.start()] == "/respond/"
