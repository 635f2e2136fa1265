"""A server that echoes the client secret in a refusal (a 4xx body, JSON, XML or plain text)
must not get it onto a page, into the audit trail or into a log line. The console page shows
AutoProctor's own words next to the headline, and the evidence page shows the error: both
read those words from the error body, where the secret is masked."""

import html
import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent
from autoproctor.testing.bucket import PREFIX
from tests.support_guards import synced_attempt_with_an_image

pytestmark = pytest.mark.django_db

SECRET = "MARKER-secret-8d2e-echoed-in-a-refusal"
MASKED = "********"


@pytest.fixture(autouse=True)
def fresh_allowance():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sim(make_simulator):
    return make_simulator(client_secret=SECRET)


def console(client, endpoint, **fields):
    response = client.post(reverse("console"), {"endpoint": endpoint, **fields})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def assert_nowhere(*texts):
    for text in texts:
        assert SECRET not in text
    for event in AuditEvent.objects.all():
        assert SECRET not in f"{event.summary} {event.detail}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
@pytest.mark.parametrize("key", ["message", "errorMsg", "detail", "error"])
def test_a_secret_echoed_in_a_json_refusal_is_masked_on_the_console(
    sim, test_admin_client, caplog, status, key
):
    sim.inject("wrong_shape", path_contains="/usage/", status=status, body={key: f"no {SECRET}"})
    with caplog.at_level(logging.DEBUG):
        page = console(test_admin_client, "usage")
    assert f"no {MASKED}" in page  # AutoProctor's words are shown, without the secret
    assert_nowhere(page, caplog.text)


def test_a_secret_echoed_by_storage_in_xml_is_masked_on_the_console(sim, test_admin_client):
    body = (
        "<?xml version='1.0'?><Error><Code>AccessDenied</Code>"
        f"<Message>{SECRET} is not yours</Message></Error>"
    )
    sim.inject(
        "malformed", path_contains=PREFIX, status=403, body=body, content_type="application/xml"
    )
    page = console(test_admin_client, "evidence_json", file_url=f"{sim.base_url}{PREFIX}x.json")
    assert f"{MASKED} is not yours" in page
    assert_nowhere(page)


def test_a_secret_echoed_in_a_plain_text_refusal_is_masked_on_the_console(sim, test_admin_client):
    sim.inject(
        "malformed",
        path_contains="/usage/",
        status=400,
        body=f"{SECRET} rejected",
        content_type="text/plain",
    )
    page = console(test_admin_client, "usage")
    assert f"{MASKED} rejected" in page
    assert_nowhere(page)


def test_a_secret_echoed_when_presigning_is_masked_on_the_evidence_page(
    sim, proctor_client, caplog
):
    attempt, record = synced_attempt_with_an_image(sim)
    sim.inject(
        "wrong_shape",
        path_contains="presigned-urls",
        status=400,
        times=-1,
        body={"message": f"bad path for {SECRET}"},
    )
    with caplog.at_level(logging.DEBUG):
        response = proctor_client.get(reverse("evidence-file", args=[attempt.pk, record.pk]))
    page = html.unescape(response.content.decode())
    assert response.status_code == 502
    assert f"bad path for {MASKED}" in page
    assert_nowhere(page, caplog.text)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        # The server's words are cut to 200 characters for the headline ...
        (f'{{"message": "{"x" * 190}{SECRET} tail"}}', "application/json"),
        # ... and a plain-text body to 80 for its description.
        (f"{'y' * 70}{SECRET} tail", "text/plain"),
    ],
)
def test_a_secret_cut_off_by_a_shortened_message_leaves_no_part_of_it(
    sim, test_admin_client, body, content_type
):
    sim.inject(
        "malformed", path_contains="/usage/", status=400, body=body, content_type=content_type
    )
    page = console(test_admin_client, "usage")
    assert SECRET[:8] not in page
    assert_nowhere(page)
