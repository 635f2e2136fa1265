"""The request signature AutoProctor checks, and keeping the secret out of sight."""

import pickle

import pytest

from autoproctor import AutoProctorClient, NotConfigured, sign
from autoproctor.client import encode
from autoproctor.signing import Secret, unix_timestamp
from proctoring.api_client import client_from_settings


def test_it_signs_an_attempt_id_like_the_contract_test_vector():
    assert sign("attempt-123", "test-secret") == "yIw8UTyWWXODjqFVl9v/gTbpP1xp1q9rTEBRHMonIu4="


def test_it_signs_a_timestamp_like_the_contract_test_vector():
    assert sign("1700000000", "test-secret") == "G3Tq+H2kaHe6ZRrIErJKO/AZkOntAQG4gmj2D5ZXKeI="


def test_a_signature_is_44_characters_of_padded_base64():
    signature = sign("any message", "any secret")
    assert len(signature) == 44
    assert signature.endswith("=")


def test_it_signs_unicode_messages_and_secrets_as_utf8():
    assert sign("tést-ü", "sécret") != sign("test-u", "secret")
    assert sign("tést-ü", "sécret") == sign("tést-ü", "sécret")


def test_a_timestamp_is_whole_unix_seconds():
    assert unix_timestamp(lambda: 1700000000.987) == "1700000000"


def test_a_signature_is_percent_encoded_whole_for_urls():
    assert encode("G3Tq+H2kaHe6ZRrIErJKO/AZkOntAQG4gmj2D5ZXKeI=") == (
        "G3Tq%2BH2kaHe6ZRrIErJKO%2FAZkOntAQG4gmj2D5ZXKeI%3D"
    )


def test_the_secret_holder_never_shows_the_secret():
    secret = Secret("s3cr3t-value")
    assert "s3cr3t-value" not in repr(secret)
    assert "s3cr3t-value" not in str(secret)
    assert "s3cr3t-value" not in f"{secret!r} {secret}"
    assert secret.reveal() == "s3cr3t-value"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_the_secret_holder_masks_the_secret_in_text_from_elsewhere():
    assert Secret("s3cr3t").scrub("server said s3cr3t twice: s3cr3t") == (
        "server said ******** twice: ********"
    )


def test_the_client_repr_names_the_host_and_client_id_but_not_the_secret():
    client = AutoProctorClient(
        base_url="https://api.example.org", client_id="cid-1", client_secret="s3cr3t-value"
    )
    assert repr(client) == "<AutoProctorClient https://api.example.org client_id='cid-1'>"
    assert "s3cr3t-value" not in repr(vars(client))


@pytest.mark.parametrize(
    ("client_id", "client_secret", "named"),
    [
        ("", "secret", "AUTOPROCTOR_CLIENT_ID"),
        ("cid", "", "AUTOPROCTOR_CLIENT_SECRET"),
    ],
)
def test_a_missing_id_or_secret_is_a_configuration_error_naming_the_variable(
    client_id, client_secret, named
):
    with pytest.raises(NotConfigured) as raised:
        AutoProctorClient(client_id=client_id, client_secret=client_secret)
    assert named in str(raised.value)


def test_from_settings_reads_the_autoproctor_settings(settings):
    settings.AUTOPROCTOR_BASE_URL = "https://api.example.org/"
    settings.AUTOPROCTOR_CLIENT_ID = "cid-from-settings"
    settings.AUTOPROCTOR_CLIENT_SECRET = "secret-from-settings"
    settings.AUTOPROCTOR_PRESIGN_PATH = "/v9/{test_attempt_id}/sign/"
    settings.AUTOPROCTOR_USAGE_HEADERS = ["A", "B", "C"]
    client = client_from_settings()
    assert client.base_url == "https://api.example.org"
    assert client.client_id == "cid-from-settings"
    assert client.presign_path == "/v9/{test_attempt_id}/sign/"
    assert client.usage_headers == ("A", "B", "C")


def test_from_settings_without_credentials_says_which_variables_to_set(settings):
    settings.AUTOPROCTOR_CLIENT_ID = ""
    settings.AUTOPROCTOR_CLIENT_SECRET = ""
    with pytest.raises(NotConfigured) as raised:
        client_from_settings()
    message = str(raised.value)
    assert "AUTOPROCTOR_CLIENT_ID" in message
    assert "AUTOPROCTOR_CLIENT_SECRET" in message


def test_from_settings_takes_overrides(settings):
    settings.AUTOPROCTOR_CLIENT_ID = "cid-from-settings"
    settings.AUTOPROCTOR_CLIENT_SECRET = "secret"
    client = client_from_settings(client_id="override")
    assert client.client_id == "override"


def test_the_secret_holder_shows_as_a_masked_secret_in_logs_and_tracebacks():
    assert repr(Secret("s3cr3t-value")) == str(Secret("s3cr3t-value")) == "Secret('********')"


def test_an_empty_secret_holder_is_false_and_masks_nothing():
    # An unset secret (AUTOPROCTOR_CLIENT_SECRET empty) is in no text: masking it leaves the text
    # as it is, rather than a mask between every two characters.
    assert not Secret("")
    assert Secret("s3cr3t")
    assert Secret("").scrub("the answer: 42") == "the answer: 42"
