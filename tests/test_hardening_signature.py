"""The signature tool mints no credentials: it shows a signature only for a message the
dashboard itself would send, and checks a pasted one without revealing the right one."""

import base64
import time
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse

from autoproctor import sign
from tests.fixtures.data import make_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def configured(settings):
    settings.AUTOPROCTOR_CLIENT_SECRET = "test-secret"
    settings.AUTOPROCTOR_CLIENT_ID = "client-1"
    cache.clear()
    yield
    cache.clear()


def post(client, message, signature=""):
    response = client.post(
        reverse("console-signature"), {"message": message, "signature": signature}
    )
    assert response.status_code == 200
    return response.content.decode()


def every_form_of(signature: str) -> list[str]:
    return [signature, quote(signature, safe=""), base64.b64decode(signature).hex()]


@pytest.mark.parametrize("offset", [-3600, -61, 61, 365 * 86400])
def test_a_timestamp_away_from_now_is_not_signed(test_admin_client, offset):
    message = str(int(time.time()) + offset)

    page = post(test_admin_client, message)

    assert "shows a timestamp&#x27;s signature only within 60 s of now" in page
    for form in every_form_of(sign(message, "test-secret")):
        assert form not in page


def test_an_attempt_id_that_was_never_synced_is_not_signed(test_admin_client):
    page = post(test_admin_client, "made-up-attempt")

    assert "only for messages the dashboard itself sends" in page
    for form in every_form_of(sign("made-up-attempt", "test-secret")):
        assert form not in page


def test_a_synced_attempt_of_another_account_is_not_signed(test_admin_client):
    make_attempt(client_id="another-account", test_attempt_id="theirs")

    assert "only for messages the dashboard itself sends" in post(test_admin_client, "theirs")


@pytest.mark.parametrize("pasted", ["wrong", "yIw8UTyWWXODjqFVl9v/gTbpP1xp1q9rTEBRHMonIu4="])
def test_checking_a_pasted_signature_never_shows_the_right_one(test_admin_client, pasted):
    message = str(int(time.time()) + 365 * 86400)

    page = post(test_admin_client, message, pasted)

    assert 'data-verdict="mismatch"' in page
    for form in every_form_of(sign(message, "test-secret")):
        assert form not in page


def test_a_right_pasted_signature_for_any_message_is_confirmed(test_admin_client):
    page = post(test_admin_client, "1700000000", sign("1700000000", "test-secret"))
    assert 'data-verdict="match"' in page
    assert "data-signature data-copy" not in page
