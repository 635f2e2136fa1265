"""Response links: a reviewer makes one for an attempt; behind it the candidate, with no account,
sees that attempt's record (and only that) and answers once; the answer reaches the report, the
queue and the reviewers' email. A token we never gave, an expired and a revoked link show
nothing of the attempt."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from candidates import tokens
from candidates.models import CandidateResponse, ResponseLink
from candidates.pages import CANDIDATE_CSP
from notifications.models import NotificationEvent, NotificationPreference
from review import services
from review.models import Verdict
from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/respond/([A-Za-z0-9_-]{43})/")


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def flagged(test_admin):
    attempt = make_attempt(
        candidate_name="Ada Example",
        candidate_email="ada@example.org",
        lookup_key="physics-final",
        trust_score=0.4173,
    )
    make_records(attempt, "multiple-faces", "tab-switch", s3_path=None)
    make_records(attempt, "face-seen", is_violation=False, s3_path=None)
    services.set_verdict(
        user=test_admin, attempt=attempt, verdict=Verdict.VIOLATION, reason="INTERNAL-REASON-42"
    )
    services.add_note(user=test_admin, attempt=attempt, text="INTERNAL-NOTE-77")
    return attempt


def make_link(client, attempt):
    """A reviewer makes the link on the report; without email it is shown to pass on."""
    response = client.post(reverse("candidate-link-create", args=[attempt.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return LINK.search(response.content.decode())[1]


def respond_url(token):
    return reverse("candidate-respond", args=[token])


def test_the_candidate_sees_the_attempt_without_logging_in(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    page = Client().get(respond_url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert "physics-final" in text
    assert "multiple faces" in text and "tab switch" in text
    assert "Violation confirmed" in text
    assert flagged.started_at.strftime("%Y-%m-%d") in text


def test_the_candidate_sees_nothing_meant_for_staff(flagged, proctor_client, proctor):
    other = make_attempt(candidate_email="ada@example.org", lookup_key="OTHER-TEST-9")
    token = make_link(proctor_client, flagged)
    text = Client().get(respond_url(token)).content.decode()
    for hidden in (
        "INTERNAL-REASON-42",  # the verdict's reason
        "INTERNAL-NOTE-77",  # reviewers' notes
        proctor.username,  # who reviewed
        "41.7",  # the trust score, in any form
        "0.417",
        other.lookup_key,  # another attempt of the same candidate
        "/attempts/",  # any way into the staff site
        "/review/",
        "/accounts/",
    ):
        assert hidden not in text, hidden


def test_the_verdict_is_shown_only_when_the_setting_allows(flagged, proctor_client, settings):
    settings.CANDIDATE_LINK_SHOWS_VERDICT = False
    token = make_link(proctor_client, flagged)
    assert "Violation confirmed" not in Client().get(respond_url(token)).content.decode()


def test_candidate_pages_carry_their_own_strict_headers(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    for url in (respond_url(token), respond_url("x" * 43)):
        page = Client().get(url)
        assert page["Content-Security-Policy"] == CANDIDATE_CSP
        assert "script-src" not in CANDIDATE_CSP and "frame-ancestors 'none'" in CANDIDATE_CSP
        assert page["X-Robots-Tag"] == "noindex, nofollow"
        assert page["X-Frame-Options"] == "DENY"
        assert page["Referrer-Policy"] == "same-origin"
        assert page["Cache-Control"] == "no-store"
        assert b'<meta name="robots" content="noindex, nofollow">' in page.content


def test_only_a_keyed_hash_of_the_token_is_stored(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    link = ResponseLink.objects.get()
    assert link.token_hash == tokens.token_hash(token) != token
    assert token not in link.token_hash
    for event in AuditEvent.objects.all():
        assert token not in event.summary and token not in str(event.detail)


def test_a_tampered_token_is_refused(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (respond_url(tampered), respond_url(token + "x"), respond_url("short")):
        page = Client().get(url)
        assert page.status_code == 404
        assert b"This link is not valid" in page.content
        assert b"physics-final" not in page.content
    posted = Client().post(respond_url(tampered), {"text": "hello"})
    assert posted.status_code == 404
    assert not CandidateResponse.objects.exists()


def test_an_expired_link_says_so_and_shows_nothing_else(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    ResponseLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = Client().get(respond_url(token))
    assert page.status_code == 410
    assert b"This link has expired" in page.content
    for hidden in (b"physics-final", b"multiple faces", b"Violation", b"<form"):
        assert hidden not in page.content
    assert Client().post(respond_url(token), {"text": "late"}).status_code == 410
    assert not CandidateResponse.objects.exists()


def test_a_link_expires_after_candidate_link_days(flagged, proctor_client, settings):
    settings.CANDIDATE_LINK_DAYS = 3
    make_link(proctor_client, flagged)
    link = ResponseLink.objects.get()
    assert link.expires_at - link.created_at == timedelta(days=3)


def test_a_revoked_link_says_so_and_shows_nothing_else(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    revoked = proctor_client.post(reverse("candidate-link-revoke", args=[flagged.pk]))
    assert revoked.status_code == 302
    assert AuditEvent.objects.filter(action="candidate_link.revoke", attempt=flagged).exists()
    page = Client().get(respond_url(token))
    assert page.status_code == 410
    assert b"This link was withdrawn" in page.content
    assert b"physics-final" not in page.content


def test_a_new_link_revokes_the_previous_one(flagged, proctor_client):
    first = make_link(proctor_client, flagged)
    second = make_link(proctor_client, flagged)
    assert Client().get(respond_url(first)).status_code == 410
    assert Client().get(respond_url(second)).status_code == 200


def test_a_link_opens_only_its_own_attempt_evidence(flagged, proctor_client):
    other = make_attempt()
    (foreign,) = make_records(other, "tab-switch")
    token = make_link(proctor_client, flagged)
    url = reverse("candidate-evidence", args=[token, foreign.pk])
    assert Client().get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="evidence.view").exists()


def test_the_candidate_responds_once_and_sees_it_was_received(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    candidate = Client()
    sent = candidate.post(respond_url(token), {"text": "The second face was my little brother."})
    assert sent.status_code == 302 and sent["Location"] == respond_url(token)
    page = candidate.get(respond_url(token)).content.decode()
    assert "Received" in page and "The second face was my little brother." in page
    assert "<textarea" not in page
    again = candidate.post(respond_url(token), {"text": "changed my mind"})
    assert again.status_code == 200
    assert CandidateResponse.objects.get().text == "The second face was my little brother."
    audit = AuditEvent.objects.get(action="candidate.response")
    assert audit.username == "candidate" and audit.attempt_id == flagged.pk


def test_a_response_over_the_limit_is_refused_with_the_reason(flagged, proctor_client, settings):
    settings.CANDIDATE_RESPONSE_MAX_CHARS = 100
    token = make_link(proctor_client, flagged)
    page = Client().post(respond_url(token), {"text": "x" * 101})
    assert page.status_code == 400
    assert b"at most 100 characters" in page.content
    assert not CandidateResponse.objects.exists()
    assert Client().post(respond_url(token), {"text": "   "}).status_code == 400


def test_the_response_is_escaped_wherever_it_is_shown(flagged, proctor_client):
    token = make_link(proctor_client, flagged)
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    Client().post(respond_url(token), {"text": script})
    pages = [
        Client().get(respond_url(token)),
        proctor_client.get(reverse("attempt-report", args=[flagged.pk])),
    ]
    for page in pages:
        assert b"<script>alert" not in page.content and b"<img src=x" not in page.content
        assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.content


def test_the_reviewer_sees_the_response_beside_the_verdict_and_in_the_queue(
    proctor_client, test_admin
):
    attempt = make_attempt(trust_score=0.3)
    make_records(attempt, "tab-switch", s3_path=None)
    token = make_link(proctor_client, attempt)
    queue = proctor_client.get(reverse("review-queue")).content.decode()
    assert attempt.test_attempt_id in queue and "candidate responded" not in queue
    Client().post(respond_url(token), {"text": "I was reading the allowed formula sheet."})
    report = proctor_client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()
    assert "I was reading the allowed formula sheet." in report
    assert "candidate responded" in report
    queue = proctor_client.get(reverse("review-queue")).content.decode()
    assert "candidate responded" in queue


def test_a_response_notifies_the_reviewers_by_event_and_email(
    flagged, proctor_client, proctor, settings
):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.NOTIFY_WEBHOOK_URL = []
    NotificationPreference.objects.create(user=proctor, events=["candidate.responded"])
    proctor_client.post(reverse("candidate-link-create", args=[flagged.pk]))
    (to_candidate,) = mail.outbox
    token = LINK.search(to_candidate.body)[1]
    mail.outbox.clear()
    Client().post(respond_url(token), {"text": "private words"})
    event = NotificationEvent.objects.get(event="candidate.responded")
    assert event.data["attempts"] == [flagged.test_attempt_id]
    assert "private words" not in str(event.data)
    from notifications.mail import send_event_emails

    assert send_event_emails(str(event.pk)) == 1
    (message,) = mail.outbox
    assert message.to == [proctor.email]
    assert flagged.test_attempt_id in message.body
    assert "private words" not in message.body and "ada@example.org" not in message.body


def test_with_email_the_link_goes_to_the_candidate_and_is_not_shown(
    flagged, proctor_client, settings
):
    settings.EMAIL_HOST = "smtp.example.org"
    response = proctor_client.post(reverse("candidate-link-create", args=[flagged.pk]))
    assert b"emailed to the candidate" in response.content
    assert not LINK.search(response.content.decode())
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"]
    token = LINK.search(message.body)[1]
    assert Client().get(respond_url(token)).status_code == 200
    assert ResponseLink.objects.get().emailed_at is not None


def test_the_rule_makes_and_emails_a_link_for_every_confirmed_violation(
    proctor, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.SITE_URL = "https://proctoring.example.edu"
    settings.CANDIDATE_LINK_ON_VIOLATION = True
    confirmed, cleared = make_attempt(), make_attempt()
    with django_capture_on_commit_callbacks(execute=True):
        services.set_verdict(user=proctor, attempt=confirmed, verdict="violation", reason="r")
        services.set_verdict(user=proctor, attempt=cleared, verdict="cleared", reason="r")
    (message,) = mail.outbox
    assert message.to == [confirmed.candidate_email]
    token = re.search(
        r"https://proctoring\.example\.edu/respond/([A-Za-z0-9_-]{43})/", message.body
    )
    assert token and Client().get(respond_url(token[1])).status_code == 200
    assert list(ResponseLink.objects.values_list("attempt_id", flat=True)) == [confirmed.pk]


def test_the_rule_is_off_by_default(proctor, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "smtp.example.org"
    settings.SITE_URL = "https://proctoring.example.edu"
    with django_capture_on_commit_callbacks(execute=True):
        services.set_verdict(user=proctor, attempt=make_attempt(), verdict="violation", reason="r")
    assert not ResponseLink.objects.exists() and mail.outbox == []


def test_requests_are_rate_limited_per_address(flagged, proctor_client, settings):
    settings.CANDIDATE_LINK_REQUESTS_PER_MINUTE = 3
    token = make_link(proctor_client, flagged)
    candidate = Client()
    statuses = [candidate.get(respond_url("y" * 43)).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    limited = candidate.get(respond_url(token))
    assert limited.status_code == 429
    assert b"physics-final" not in limited.content
    assert limited["Retry-After"] == "60"


def test_a_proctor_makes_links_and_an_outsider_cannot(flagged, outsider_client, client):
    url = reverse("candidate-link-create", args=[flagged.pk])
    assert outsider_client.post(url).status_code == 403
    assert client.post(url).status_code == 302  # to the login page
    assert not ResponseLink.objects.exists()
