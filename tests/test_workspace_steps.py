"""The report's evidence-first steps (dashboard.workspace): it opens on the first violation that
has evidence, its step links go from one such violation to the next, the strip marks the other
events as skipped, and the test-taker photo is kept beside the evidence."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.fixtures.data import make_attempt, make_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def timeline():
    attempt = make_attempt(trust_score=0.3)
    start = attempt.started_at

    def at(seconds, label, **fields):
        return make_records(
            attempt, label, occurred_at=start + timedelta(seconds=seconds), **fields
        )[0]

    photo = at(1, "test-taker-photo", is_violation=False, s3_path="p/photo.jpg")
    no_file = at(10, "no-face-looking-at-camera", s3_path=None, data_type="none")
    informational = at(20, "random-photo-taken", is_violation=False, s3_path="p/random.jpg")
    first = at(300, "multiple-faces-detected", s3_path="p/face-1.jpg")
    between = at(400, "tab-switch", s3_path=None, data_type="none")
    second = at(900, "multiple-faces-detected", s3_path="p/face-2.jpg")
    return attempt, photo, no_file, informational, first, between, second


def page(client, attempt, **params):
    return client.get(reverse("attempt-report", args=[attempt.pk]), params).content.decode()


def test_the_report_opens_on_the_first_violation_with_evidence(proctor_client, timeline):
    attempt, photo, no_file, informational, first, between, second = timeline
    html = page(proctor_client, attempt)
    opened = html.split(f'id="event-{first.pk}"')[1].split(">")[0]
    assert "data-stepped" in opened and "hidden" not in opened
    # Its "next violation" step skips the tab switch that has no file.
    assert f'data-step="next" data-event="{second.pk}">Next violation' in html
    # The strip fades the four events the steps skip.
    assert html.count("strip-mark is-skipped") + html.count("is-selected is-skipped") == 4
    # The test-taker photo is beside the evidence.
    photo_url = reverse("evidence-file", args=[attempt.pk, photo.pk])
    assert (
        f'<figure class="reference-photo" data-reference-photo>\n      <a href="{photo_url}"'
        in html
    )


def test_an_event_named_in_the_url_is_still_the_one_shown(proctor_client, timeline):
    attempt, _, no_file, *_ = timeline
    html = page(proctor_client, attempt, event=no_file.pk)
    assert f'id="event-{no_file.pk}" data-event-panel="{no_file.pk}" aria-labelledby' in html
    assert "hidden" not in html.split(f'id="event-{no_file.pk}"')[1].split(">")[0]
