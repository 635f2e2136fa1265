"""Evidence files reach the browser through the dashboard, from a real (simulated) AutoProctor.

The attempt's results and evidence are synced from the simulator first, exactly as the worker
does; the evidence URL then resolves the presigned URL server-side and streams the file.
"""

import pytest
from django.urls import reverse

from autoproctor.testing.bucket import PREFIX
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import sync_results
from proctoring.sync.evidence import fetch_attempt_evidence
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def synced_attempt_with(simulator, *data_types):
    """Sync results, then the evidence of one attempt that has files of all `data_types`."""
    client = client_for(simulator)
    sync_results(client=client)
    for test_attempt_id in sorted(simulator.dataset.attempts):
        obj = simulator.dataset.attempts[test_attempt_id]
        if obj.get("evidence_status") != "processed":
            continue
        evidence = simulator.dataset.evidence_json(test_attempt_id)
        items = evidence["primary_device_evidence"] + evidence["aux_device_evidence"]
        kinds = {
            (item.get("misc_data") or {}).get("data_type") for item in items if item["evidence_url"]
        }
        if set(data_types) <= kinds:
            attempt = Attempt.objects.get(test_attempt_id=test_attempt_id)
            fetch_attempt_evidence(attempt.pk, test_attempt_id, client)
            attempt.refresh_from_db()
            assert attempt.evidence_fetched_at is not None, attempt.sync_error
            return attempt
    raise AssertionError(f"the simulator has no attempt with {data_types} evidence")


def file_record(attempt, data_type):
    return (
        EvidenceRecord.objects.filter(attempt=attempt, data_type=data_type)
        .exclude(s3_path=None)
        .first()
    )


def get_file(client, record):
    return client.get(reverse("evidence-file", args=[record.attempt_id, record.pk]))


def test_an_image_is_streamed_as_png_bytes_private_to_the_browser(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    response = get_file(proctor_client, file_record(attempt, "image"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content).startswith(PNG_MAGIC)


def test_an_audio_clip_is_streamed_for_the_audio_player(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "audio")
    response = get_file(proctor_client, file_record(attempt, "audio"))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_the_browser_is_never_sent_to_autoproctor(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    response = get_file(proctor_client, file_record(attempt, "image"))
    assert "Location" not in response
    body = b"".join(response.streaming_content)
    assert simulator.base_url.encode() not in body
    assert PREFIX.encode() not in body


def test_the_presigned_url_is_cached_between_views(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    record = file_record(attempt, "image")
    simulator.clear_requests()
    for _ in range(3):
        b"".join(get_file(proctor_client, record).streaming_content)
    presigns = [r for r in simulator.requests if "presigned-urls" in r.path]
    downloads = [r for r in simulator.requests if r.path.startswith(PREFIX)]
    assert len(presigns) == 1
    assert len(downloads) == 3


def test_a_url_storage_calls_expired_is_replaced_and_the_file_still_loads(
    simulator, proctor_client
):
    attempt = synced_attempt_with(simulator, "image")
    record = file_record(attempt, "image")
    b"".join(get_file(proctor_client, record).streaming_content)  # caches a URL
    simulator.clock.advance(20 * 60)  # storage now finds that URL expired; our cache does not
    simulator.clear_requests()
    response = get_file(proctor_client, record)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(PNG_MAGIC)
    statuses = [(r.path.startswith(PREFIX), r.status) for r in simulator.requests]
    assert (True, 403) in statuses  # the expired URL was tried, refused, and replaced


def test_a_failed_resolution_answers_502_with_what_to_do(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    simulator.inject("server_error", path_contains="presigned-urls", times=-1, status=503)
    response = get_file(proctor_client, file_record(attempt, "image"))
    page = response.content.decode()
    assert response.status_code == 502
    assert "AutoProctor did not hand over this evidence file." in page
    assert "Reload the page in a minute" in page
    assert reverse("attempt-report", args=[attempt.pk]) in page


def test_wrong_credentials_answer_502_without_revealing_the_secret(
    simulator, proctor_client, settings
):
    attempt = synced_attempt_with(simulator, "image")
    settings.AUTOPROCTOR_CLIENT_SECRET = "SECRET-MARKER-wrong-one"
    response = get_file(proctor_client, file_record(attempt, "image"))
    assert response.status_code == 502
    assert "SECRET-MARKER" not in response.content.decode()
    assert simulator.client_secret not in response.content.decode()


def test_a_file_that_is_not_an_image_or_audio_is_not_passed_on(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    simulator.inject("malformed", path_contains=PREFIX, times=-1)  # an HTML error page, 200
    response = get_file(proctor_client, file_record(attempt, "image"))
    assert response.status_code == 502
    assert "not as an image or audio clip" in response.content.decode()
    assert "nginx" not in response.content.decode()


def test_a_record_without_a_file_says_no_evidence_was_kept(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    record = EvidenceRecord.objects.filter(attempt=attempt).first()
    EvidenceRecord.objects.filter(pk=record.pk).update(s3_path=None)
    response = get_file(proctor_client, record)
    assert response.status_code == 404
    assert "No evidence file was kept for this record." in response.content.decode()
    assert not [r for r in simulator.requests if "presigned-urls" in r.path]


def test_a_record_of_another_attempt_is_not_found(simulator, proctor_client):
    attempt = synced_attempt_with(simulator, "image")
    record = file_record(attempt, "image")
    other = Attempt.objects.exclude(pk=attempt.pk).first()
    url = reverse("evidence-file", args=[other.pk, record.pk])
    assert proctor_client.get(url).status_code == 404
