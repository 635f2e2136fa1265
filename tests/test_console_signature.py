"""The console's signature tool: AutoProctor's test vectors, and what it says about a signature
an integration's front end sent."""

import hashlib
import hmac
import re
import time
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from autoproctor import sign
from console import signature as console_signature
from proctoring.models import ApiProfile
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db

ATTEMPT_VECTOR = "yIw8UTyWWXODjqFVl9v/gTbpP1xp1q9rTEBRHMonIu4="
TIMESTAMP_VECTOR = "G3Tq+H2kaHe6ZRrIErJKO/AZkOntAQG4gmj2D5ZXKeI="


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def signature_page(client, message, signature=""):
    response = client.post(
        reverse("console-signature"), {"message": message, "signature": signature}
    )
    assert response.status_code == 200
    return response.content.decode()


def shown_signature(page):
    return re.search(r"data-signature data-copy>([^<]+)</code>", page)[1]


def verdict(page):
    match = re.search(r'data-verdict="(\w+)">([^<]+)<', page)
    return match and (match[1], match[2])


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret", AUTOPROCTOR_CLIENT_ID="client-1")
def test_it_computes_the_reference_signature_of_a_synced_attempt(test_admin_client):
    make_attempt(test_attempt_id="attempt-123")

    page = signature_page(test_admin_client, "attempt-123")

    assert shown_signature(page) == ATTEMPT_VECTOR
    assert f"data-signature-in-url data-copy>{quote(ATTEMPT_VECTOR, safe='')}<" in page
    assert verdict(page) is None


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_it_computes_the_signature_of_the_current_timestamp(test_admin_client):
    now = str(int(time.time()))
    assert shown_signature(signature_page(test_admin_client, now)) == sign(now, "test-secret")


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_a_signature_that_matches_is_confirmed(test_admin_client):
    page = signature_page(test_admin_client, "attempt-123", ATTEMPT_VECTOR)
    assert verdict(page)[0] == "match"


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_a_percent_encoded_signature_matches_and_says_so(test_admin_client):
    page = signature_page(test_admin_client, "1700000000", quote(TIMESTAMP_VECTOR, safe=""))
    assert verdict(page) == (
        "match",
        "It matches in its percent-encoded form, as it appears in a URL. That is how it must "
        "travel in a URL; the value itself is correct.",
    )


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
@pytest.mark.parametrize(
    ("sent", "named"),
    [
        (TIMESTAMP_VECTOR.replace("+", " "), "each &#x27;+&#x27; arrived as a space"),
        (TIMESTAMP_VECTOR.replace("+", "-").replace("/", "_"), "It is URL-safe Base64"),
        (TIMESTAMP_VECTOR.rstrip("="), "It lacks the &#x27;=&#x27; padding"),
        (
            "1b74eaf87da46877ba651ac812b24a3bf01990e9ed0101b88268f60f965729e2",
            "It is the hex digest of the right HMAC",
        ),
    ],
)
def test_a_known_front_end_mistake_is_named(test_admin_client, sent, named):
    page = signature_page(test_admin_client, "1700000000", sent)
    result, explanation = verdict(page)
    assert result == "mismatch"
    assert named in explanation


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_a_wrong_signature_does_not_match_and_says_what_to_check(test_admin_client):
    page = signature_page(test_admin_client, "attempt-123", TIMESTAMP_VECTOR)
    result, explanation = verdict(page)
    assert result == "mismatch"
    assert explanation.startswith("It does not match. Check that the message is exactly")


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_a_stale_timestamp_is_flagged_even_when_the_signature_is_right(test_admin_client):
    page = signature_page(test_admin_client, "1700000000", TIMESTAMP_VECTOR)
    assert verdict(page)[0] == "match"
    assert "AutoProctor refuses a signed timestamp more than 60 s from its own clock" in page

    fresh = str(int(time.time()))
    assert "refuses a signed timestamp" not in signature_page(test_admin_client, fresh)


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_white_space_around_the_message_is_signed_and_pointed_out(test_admin_client):
    page = signature_page(test_admin_client, "attempt-123 ", ATTEMPT_VECTOR)
    assert verdict(page)[0] == "mismatch"
    assert "The message starts or ends with white space" in page


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_signatures_are_compared_in_constant_time(test_admin_client, monkeypatch):
    compared = []
    real = console_signature.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(console_signature.hmac, "compare_digest", spy)
    signature_page(test_admin_client, "attempt-123", "not-it")

    assert (b"not-it", ATTEMPT_VECTOR.encode()) in compared


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_the_tool_is_audited_without_any_signature(test_admin_client):
    signature_page(test_admin_client, "attempt-123", ATTEMPT_VECTOR)

    event = AuditEvent.objects.get()
    assert event.action == "console.signature"
    assert event.detail == {"message": "attempt-123", "checked": True, "matches": True}
    assert ATTEMPT_VECTOR not in event.summary


@override_settings(AUTOPROCTOR_CLIENT_SECRET="")
def test_without_a_secret_it_says_what_to_set(test_admin_client):
    page = signature_page(test_admin_client, "attempt-123")
    assert "No client secret is configured: set AUTOPROCTOR_CLIENT_SECRET" in page
    assert "data-signature data-copy" not in page
    assert not AuditEvent.objects.exists()


@override_settings(AUTOPROCTOR_CLIENT_SECRET="test-secret")
def test_a_proctor_cannot_compute_signatures(proctor_client):
    response = proctor_client.post(reverse("console-signature"), {"message": "attempt-123"})
    assert response.status_code == 403
    assert ATTEMPT_VECTOR not in response.content.decode()


def test_a_timestamp_is_signed_in_the_form_the_api_profile_learned(test_admin_client, settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "test-secret"
    ApiProfile.objects.create(
        base_url=settings.AUTOPROCTOR_BASE_URL.rstrip("/"),
        client_id=settings.AUTOPROCTOR_CLIENT_ID,
        timestamp_unit="milliseconds",
        signature_encoding="hex",
    )
    now = str(int(time.time() * 1000))
    expected = hmac.new(b"test-secret", now.encode(), hashlib.sha256).hexdigest()

    page = signature_page(test_admin_client, now)
    assert shown_signature(page) == expected
    assert ">Hex<" in page
    assert "the UNIX time in milliseconds with a hex digest" in page

    cache.clear()
    checked = signature_page(test_admin_client, now, sign(now, "test-secret"))
    assert verdict(checked)[0] == "mismatch"
    assert "tenant calls expect the hex digest" in verdict(checked)[1]
