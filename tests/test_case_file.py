"""The case file: a ZIP that stands on its own, streamed from real (simulated) AutoProctor data.

`sha256sum -c MANIFEST.sha256` passes on the unzipped file, the JSON is what AutoProctor sent,
and every evidence file is the bytes the simulator's storage serves.
"""

import io
import json
import shutil
import subprocess
import zipfile

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import evidence_url, run_full_pass
from review import services
from review.models import Verdict
from tests.fixtures.data import make_attempt, make_records
from tests.sync_support import client_for
from tests.test_views_evidence import synced_attempt_with

pytestmark = pytest.mark.django_db


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def case(simulator, test_admin):
    attempt = synced_attempt_with(simulator, "image", "audio")
    services.set_verdict(
        user=test_admin, attempt=attempt, verdict=Verdict.VIOLATION, reason="phone in hand"
    )
    record = attempt.evidence_records.filter(is_violation=True).first()
    services.add_note(user=test_admin, attempt=attempt, text="=HYPERLINK(1)", record=record)
    services.dismiss_record(user=test_admin, record=record, reason="calculator allowed")
    return attempt


def test_the_manifest_checks_with_sha256sum(case, test_admin_client, tmp_path):
    archive = download(test_admin_client, reverse("case-file", args=[case.pk]))
    archive.extractall(tmp_path)
    names = set(archive.namelist())
    assert {
        "README.txt",
        "attempt.json",
        "evidence-records.json",
        "report.html",
        "review-history.csv",
        "notes.csv",
        "dismissals.csv",
        "audit.csv",
        "MANIFEST.sha256",
    } <= names
    manifest = (tmp_path / "MANIFEST.sha256").read_text().splitlines()
    assert {line.split("  ", 1)[1] for line in manifest} == names - {"MANIFEST.sha256"}
    if shutil.which("sha256sum"):
        checked = subprocess.run(
            ["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_json_and_files_are_what_autoproctor_served(case, simulator, test_admin_client):
    archive = download(test_admin_client, reverse("case-file", args=[case.pk]))
    assert (
        json.loads(archive.read("attempt.json")) == simulator.dataset.attempts[case.test_attempt_id]
    )
    evidence = simulator.dataset.evidence_json(case.test_attempt_id)
    sent = evidence["primary_device_evidence"] + evidence["aux_device_evidence"]
    stored = json.loads(archive.read("evidence-records.json"))

    def canonical(items):
        return sorted(json.dumps(item, sort_keys=True) for item in items)

    assert canonical(stored) == canonical(sent)
    client = client_for(simulator)
    records = EvidenceRecord.objects.filter(attempt=case).exclude(s3_path=None)
    evidence_names = [name for name in archive.namelist() if name.startswith("evidence/")]
    assert len(evidence_names) == records.count() > 0
    served = sorted(
        requests.get(evidence_url(r, client=client), timeout=10).content for r in records
    )
    assert sorted(archive.read(name) for name in evidence_names) == served
    assert archive.read("unavailable.txt") == b""


def test_the_review_trail_is_in_the_csvs_neutralised(case, test_admin_client):
    archive = download(test_admin_client, reverse("case-file", args=[case.pk]))
    assert "phone in hand" in archive.read("review-history.csv").decode()
    assert "'=HYPERLINK(1)" in archive.read("notes.csv").decode()
    assert "calculator allowed" in archive.read("dismissals.csv").decode()
    audit = archive.read("audit.csv").decode()
    assert "verdict.set" in audit and "case_file.download" in audit
    report = archive.read("report.html").decode()
    assert case.test_attempt_id in report and "Violation confirmed" in report
    assert 'src="evidence/' in report


def test_the_download_is_audited(case, test_admin_client):
    download(test_admin_client, reverse("case-file", args=[case.pk]))
    assert AuditEvent.objects.filter(action="case_file.download", attempt=case).count() == 1


def test_a_proctor_cannot_download_a_case_file(case, proctor_client):
    assert proctor_client.get(reverse("case-file", args=[case.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="case_file.download").exists()


def test_a_test_exports_its_confirmed_violations_case_files(case, test_admin_client, tmp_path):
    url = reverse("test-case-files", args=[case.lookup_key])
    archive = download(test_admin_client, url)
    assert archive.namelist() == [f"case-file-{case.test_attempt_id}.zip"]
    inner = zipfile.ZipFile(io.BytesIO(archive.read(archive.namelist()[0])))
    inner.extractall(tmp_path)
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path)
        assert checked.returncode == 0


def test_an_unreachable_file_is_listed_and_the_rest_still_arrives(
    case, simulator, test_admin_client
):
    from autoproctor.testing.bucket import PREFIX

    simulator.inject("malformed", path_contains=PREFIX, times=-1)  # an HTML page
    archive = download(test_admin_client, reverse("case-file", args=[case.pk]))
    assert archive.read("unavailable.txt").decode().count("evidence/") >= 1
    assert archive.read("attempt.json")


def test_a_case_files_queries_do_not_grow_with_its_records(test_admin, test_admin_client):
    def queries_for(records):
        attempt = make_attempt()
        make_records(attempt, *["tab-switch"] * records, s3_path=None)
        for text in ("one", "two", "three"):
            services.add_note(user=test_admin, attempt=attempt, text=text)
        with CaptureQueriesContext(connection) as queries:
            download(test_admin_client, reverse("case-file", args=[attempt.pk]))
        return len(queries)

    assert queries_for(2) == queries_for(40)


def test_a_case_file_asked_for_by_another_site_is_refused_and_not_audited(case, test_admin_client):
    url = reverse("case-file", args=[case.pk])
    response = test_admin_client.get(url, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="case_file.download").exists()


def test_the_evidence_files_are_fetched_several_at_a_time(make_simulator, test_admin_client):
    """AutoProctor's storage is a round trip away: a case file's evidence files are fetched
    several at once, each arriving whole and in order, with no presign call per file."""
    simulator = make_simulator(latency_ms=40)
    attempt = synced_attempt_with(simulator, "image", "audio")
    files = attempt.evidence_records.exclude(s3_path=None).exclude(s3_path="")
    assert files.count() >= 3
    simulator.clear_requests()

    archive = download(test_admin_client, reverse("case-file", args=[attempt.pk]))

    evidence = [name for name in archive.namelist() if name.startswith("evidence/")]
    assert len(evidence) == files.count()
    assert archive.read("unavailable.txt") == b""
    assert simulator.peak_in_flight >= 2
    presign_calls = [r for r in simulator.requests if r.path.endswith(simulator.presign_path)]
    assert len(presign_calls) <= 1


def test_files_whose_cached_urls_storage_calls_expired_still_arrive(
    case, simulator, test_admin_client
):
    from autoproctor.testing.bucket import PREFIX

    url = reverse("case-file", args=[case.pk])
    download(test_admin_client, url)  # caches the URLs
    simulator.clock.advance(20 * 60)  # storage now finds them expired; our cache does not
    simulator.clear_requests()

    archive = download(test_admin_client, url)

    files = case.evidence_records.exclude(s3_path=None).exclude(s3_path="").count()
    assert len([n for n in archive.namelist() if n.startswith("evidence/")]) == files
    assert archive.read("unavailable.txt") == b""
    statuses = [(r.path.startswith(PREFIX), r.status) for r in simulator.requests]
    assert (True, 403) in statuses  # tried with the cached URL, refused, resolved again


def test_the_next_attempts_urls_are_asked_for_while_this_one_is_written(
    make_simulator, test_admin, test_admin_client, settings
):
    """A test's case files: the presign request of each next attempt goes out while the files
    of the one before are still downloading, once per attempt, and every file arrives."""
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    simulator = make_simulator(attempts=30)
    run_full_pass(client_for(simulator))
    key = Attempt.objects.exclude(lookup_key="").values_list("lookup_key", flat=True).first()
    with_files = [
        attempt
        for attempt in Attempt.objects.filter(lookup_key=key).order_by("pk")
        if attempt.evidence_records.exclude(s3_path=None).exclude(s3_path="").count() >= 2
    ][:3]
    assert len(with_files) == 3
    for attempt in with_files:
        services.set_verdict(
            user=test_admin, attempt=attempt, verdict=Verdict.VIOLATION, reason="x"
        )
    confirmed = list(
        Attempt.objects.filter(lookup_key=key, review__verdict=Verdict.VIOLATION).order_by("pk")
    )
    simulator.latency = 0.03
    simulator.clear_requests()

    archive = download(test_admin_client, reverse("test-case-files", args=[key]))

    for name in archive.namelist():
        inner = zipfile.ZipFile(io.BytesIO(archive.read(name)))
        assert inner.read("unavailable.txt") == b""
    requests_seen = simulator.requests
    presigns = [
        index for index, r in enumerate(requests_seen) if r.path.endswith("/presigned-urls/")
    ]
    files = [index for index, r in enumerate(requests_seen) if r.path.startswith("/s3/")]
    assert len(presigns) == len(confirmed)  # one each, none asked twice
    files_of_first = EvidenceRecord.objects.filter(attempt=confirmed[0]).exclude(s3_path=None)
    first_downloads = files[: files_of_first.exclude(s3_path="").count()]
    # The second attempt's request went out before the first attempt's last file came in.
    assert presigns[1] < first_downloads[-1]


def test_evidence_files_keep_their_extension(case, test_admin_client):
    archive = download(test_admin_client, reverse("case-file", args=[case.pk]))
    evidence = [name for name in archive.namelist() if name.startswith("evidence/")]
    suffixes = {
        record.s3_path.rsplit(".", 1)[-1] for record in case.evidence_records.exclude(s3_path="")
    }
    assert evidence
    assert {name.rsplit(".", 1)[-1] for name in evidence} == suffixes
    assert all(name.count(".") == 1 for name in evidence), evidence


def test_two_attempt_ids_of_one_file_name_both_reach_the_test_export(test_admin, test_admin_client):
    attempts = [make_attempt(lookup_key="ENGB2", test_attempt_id=id) for id in ("a?b", "a/b")]
    for attempt in attempts:
        services.set_verdict(
            user=test_admin, attempt=attempt, verdict=Verdict.VIOLATION, reason="phone"
        )
    archive = download(test_admin_client, reverse("test-case-files", args=["ENGB2"]))
    names = archive.namelist()
    assert len(names) == len(set(names)) == 2, names
    readmes = {
        zipfile.ZipFile(io.BytesIO(archive.read(name))).read("README.txt").decode().split(" ")[4]
        for name in names
    }
    assert readmes == {"a?b", "a/b"}
