"""Presigned evidence URLs: one request per attempt's gallery, cached until near expiry."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from autoproctor import NotFound
from proctoring.models import EvidenceRecord
from proctoring.sync import NoEvidenceFile, evidence_url, run_full_pass
from proctoring.sync.presign import SAFETY_MARGIN
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def evidence_in_the_test_thread(settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1


@pytest.fixture
def synced(simulator):
    client = client_for(simulator)
    run_full_pass(client)
    simulator.clear_requests()
    return client


def presign_requests(simulator):
    return [r for r in simulator.requests if r.method == "POST" and "presigned-urls" in r.path]


def gallery(attempt_pk=None):
    """The records with a file of the attempt with the most files."""
    with_files = EvidenceRecord.objects.exclude(s3_path=None).select_related("attempt")
    if attempt_pk is None:
        attempt_pk = max(
            {record.attempt_id for record in with_files},
            key=lambda pk: with_files.filter(attempt_id=pk).count(),
        )
    return list(with_files.filter(attempt_id=attempt_pk).order_by("pk"))


def test_opening_a_whole_gallery_costs_one_request(simulator, synced):
    records = gallery()
    assert len(records) > 5

    urls = [evidence_url(record, client=synced) for record in records]

    assert len(presign_requests(simulator)) == 1
    assert len(set(urls)) == len(records)
    sent_paths = json.loads(presign_requests(simulator)[0].body)["paths"]
    assert sorted(sent_paths) == sorted(record.s3_path for record in records)
    with synced.open_file(urls[-1]) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].split("/")[0] in ("image", "audio")


def test_urls_are_cached_on_the_records_with_their_expiry(simulator, synced):
    record = gallery()[0]
    url = evidence_url(record, client=synced)

    stored = EvidenceRecord.objects.get(pk=record.pk)
    assert stored.presigned_url == url
    assert stored.presigned_url_expires_at > timezone.now() + timedelta(minutes=10)
    assert evidence_url(stored, client=synced) == url
    assert len(presign_requests(simulator)) == 1


def test_a_url_near_its_expiry_is_refreshed_with_only_the_stale_paths(simulator, synced):
    records = gallery()
    for record in records:
        evidence_url(record, client=synced)
    nearly_expired = records[:2]
    EvidenceRecord.objects.filter(pk__in=[r.pk for r in nearly_expired]).update(
        presigned_url_expires_at=timezone.now() + SAFETY_MARGIN - timedelta(seconds=10)
    )
    old_url = EvidenceRecord.objects.get(pk=nearly_expired[0].pk).presigned_url
    simulator.clock.advance(60)  # a new URL is signed at a later time
    simulator.clear_requests()

    new_url = evidence_url(EvidenceRecord.objects.get(pk=nearly_expired[0].pk), client=synced)

    assert new_url != old_url
    (request,) = presign_requests(simulator)
    assert sorted(json.loads(request.body)["paths"]) == sorted(r.s3_path for r in nearly_expired)
    refreshed = EvidenceRecord.objects.get(pk=nearly_expired[1].pk)
    assert refreshed.presigned_url_expires_at > timezone.now() + SAFETY_MARGIN


def test_a_record_without_a_file_has_no_url(simulator, synced):
    record = EvidenceRecord.objects.filter(s3_path=None).first()
    assert record is not None
    with pytest.raises(NoEvidenceFile):
        evidence_url(record, client=synced)
    assert presign_requests(simulator) == []


def test_the_url_comes_from_the_settings_client_when_none_is_given(simulator, synced):
    record = gallery()[0]
    assert evidence_url(record).startswith(simulator.base_url)
    assert len(presign_requests(simulator)) == 1


def test_a_file_autoproctor_no_longer_has_is_reported_as_not_found(simulator, synced):
    record = gallery()[0]
    EvidenceRecord.objects.filter(pk=record.pk).update(s3_path="evidence/gone/000-deleted.png")
    record.refresh_from_db()

    with pytest.raises(NotFound):
        evidence_url(record, client=synced)
