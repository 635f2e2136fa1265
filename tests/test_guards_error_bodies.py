"""When AutoProctor answers with something that is not the JSON it should be, the message says
what came instead (a web page, nothing at all, or the first 80 characters of the text), so the
person at the console can tell a proxy's error page from an empty answer. And a client, which
holds the secret, refuses to be pickled into a task queue, saying why."""

import html
import pickle

import pytest
from django.core.cache import cache
from django.urls import reverse

from autoproctor import AutoProctorClient
from autoproctor.signing import Secret

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


def usage_page(client):
    response = client.post(reverse("console"), {"endpoint": "usage"})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("body", "content_type", "described"),
    [
        ("", "text/plain", "is not JSON (an empty body)"),
        ("  <!DOCTYPE html><title>Gateway</title>", "text/html", "is not JSON (an HTML/XML page)"),
        ("x" * 79 + "yz", "text/plain", "is not JSON (starts '" + "x" * 79 + "y')"),
    ],
)
def test_an_answer_that_is_not_json_is_described(
    simulator, test_admin_client, body, content_type, described
):
    simulator.inject(
        "malformed", path_contains="/usage/", status=200, body=body, content_type=content_type
    )
    assert described in usage_page(test_admin_client)


def test_a_client_holding_the_secret_cannot_be_pickled():
    client = AutoProctorClient(
        base_url="https://www.autoproctor.co", client_id="cid", client_secret="s3cr3t"
    )
    with pytest.raises(TypeError, match="^the AutoProctor client secret cannot be pickled$"):
        pickle.dumps(client)


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        ("", "text/plain", "(400)."),
        ("Down for maintenance", "text/plain", "(400: starts 'Down for maintenance')."),
        ("  \n ", "text/plain", "(400)."),
        ('{"message": "Unknown page."}', "application/json", "(400: Unknown page.)."),
        (f'{{"message": "{"m" * 250}"}}', "application/json", "(400: " + "m" * 200 + ")."),
        (
            f"<Error><Message>{'s' * 250}</Message></Error>",
            "application/xml",
            "(400: " + "s" * 200 + ").",
        ),
    ],
)
def test_a_refusal_quotes_the_servers_words_at_most_200_characters(
    simulator, test_admin_client, body, content_type, said
):
    simulator.inject(
        "malformed", path_contains="/usage/", status=400, body=body, content_type=content_type
    )
    assert f"AutoProctor refused the usage call {said[:-1]}" in usage_page(test_admin_client)


@pytest.mark.parametrize(
    ("body", "got"),
    [
        (
            {**{key: 1 for key in "abcdefgh"}, "message": "Maintenance until 10:00"},
            "got an object with keys a, b, c, d, e, f, g, h ('Maintenance until 10:00').",
        ),
        ({"detail": "m" * 250}, "got an object with keys detail ('" + "m" * 200 + "')."),
        (["not", "an", "object"], "got a list."),
    ],
)
def test_an_answer_of_the_wrong_shape_says_what_came(simulator, test_admin_client, body, got):
    simulator.inject("wrong_shape", path_contains="/usage/", body=body)
    page = usage_page(test_admin_client)
    assert "AutoProctor's answer to the usage call has an unexpected shape: expected" in page
    assert got in page


def test_the_secret_holder_shows_itself_masked():
    assert repr(Secret("s3cr3t")) == str(Secret("s3cr3t")) == "Secret('********')"
