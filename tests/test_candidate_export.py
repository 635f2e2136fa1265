"""A candidate's copy of their data (`export_candidate`, and the report's button): one ZIP with
everything held about one email and nothing about anyone else, that checks with sha256sum.

The attempts and their evidence are synced from the simulator over real HTTP, so every file in
the ZIP is compared with the bytes AutoProctor's (simulated) storage serves.
"""

import io
import json
import shutil
import subprocess
import zipfile

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from access.roles import TEST_ADMIN
from access.scopes import set_grants
from audit.models import AuditEvent
from candidates import services as candidate_services
from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import evidence_url, sync_results
from proctoring.sync.evidence import fetch_attempt_evidence
from retention.models import LegalHold
from review import services
from review.context_notes import add_context_note
from review.models import ContextKind, Verdict
from tests.fixtures.personas import logged_in, make_user
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db

SHARED_NAME = "Sam Lee"
SAM = "sam.lee@example.org"
OTHER_SAM = "s.lee@example.net"


def synced_with_files(simulator, count):
    """`count` attempts synced with their evidence, each with at least one file."""
    client = client_for(simulator)
    sync_results(client=client)
    found = []
    for attempt in Attempt.objects.filter(evidence_status="processed").order_by("pk"):
        fetch_attempt_evidence(attempt.pk, attempt.test_attempt_id, client)
        if EvidenceRecord.objects.filter(attempt=attempt).exclude(s3_path=None).exists():
            found.append(attempt)
        if len(found) == count:
            return found
    raise AssertionError(f"the simulator has fewer than {count} attempts with evidence files")


@pytest.fixture
def two_sams(simulator, test_admin):
    """Two candidates called Sam Lee: the first with two attempts (one with the email in
    another case), the second with one, each reviewed and noted."""
    first, second, other = synced_with_files(simulator, 3)
    Attempt.objects.filter(pk=first.pk).update(candidate_name=SHARED_NAME, candidate_email=SAM)
    Attempt.objects.filter(pk=second.pk).update(
        candidate_name=SHARED_NAME, candidate_email=SAM.upper()
    )
    Attempt.objects.filter(pk=other.pk).update(
        candidate_name=SHARED_NAME, candidate_email=OTHER_SAM
    )
    for attempt in (first, second, other):
        attempt.refresh_from_db()
    services.set_verdict(
        user=test_admin, attempt=first, verdict=Verdict.VIOLATION, reason="phone in hand"
    )
    services.set_verdict(
        user=test_admin, attempt=other, verdict=Verdict.VIOLATION, reason="other sam's reason"
    )
    record = first.evidence_records.exclude(s3_path=None).first()
    services.dismiss_record(user=test_admin, record=record, reason="calculator allowed")
    add_context_note(
        user=test_admin, attempt=first, kind=ContextKind.CANDIDATE, text="reader in the room"
    )
    add_context_note(
        user=test_admin, attempt=other, kind=ContextKind.CANDIDATE, text="other sam's note"
    )
    link, _ = candidate_services.create_link(attempt=first, user=test_admin)
    candidate_services.submit_response(link=link, text="My cat walked over the keyboard.")
    return first, second, other


def export(email, tmp_path):
    out = tmp_path / "data.zip"
    call_command("export_candidate", email, "--out", str(out), stdout=io.StringIO())
    return zipfile.ZipFile(out)


def folders_of(archive):
    """{attempt id: its folder in the ZIP}, read from each folder's attempt-as-stored.json."""
    return {
        json.loads(archive.read(name))["attempt_id"]: name.rsplit("/", 1)[0]
        for name in archive.namelist()
        if name.endswith("/attempt-as-stored.json")
    }


def all_text(archive):
    return b"".join(archive.read(name) for name in archive.namelist())


def test_the_zip_holds_every_attempt_and_file_of_one_candidate_and_nothing_of_the_other(
    two_sams, simulator, tmp_path
):
    first, second, other = two_sams
    archive = export(SAM, tmp_path)
    names = archive.namelist()
    folders = folders_of(archive)
    assert set(folders) == {first.test_attempt_id, second.test_attempt_id}
    assert {name.split("/")[1] for name in names if name.startswith("attempts/")} == {
        folder.split("/")[1] for folder in folders.values()
    }

    client = client_for(simulator)
    for attempt in (first, second):
        folder = folders[attempt.test_attempt_id]
        sent = simulator.dataset.attempts[attempt.test_attempt_id]
        assert json.loads(archive.read(f"{folder}/attempt-as-received.json")) == sent
        stored = json.loads(archive.read(f"{folder}/attempt-as-stored.json"))
        assert stored["attempt_id"] == attempt.test_attempt_id
        assert stored["email"].lower() == SAM
        records = EvidenceRecord.objects.filter(attempt=attempt).exclude(s3_path=None)
        files = [name for name in names if name.startswith(f"{folder}/evidence/")]
        assert len(files) == records.count() > 0
        served = sorted(
            requests.get(evidence_url(r, client=client), timeout=10).content for r in records
        )
        assert sorted(archive.read(name) for name in files) == served
        assert archive.read(f"{folder}/unavailable.txt") == b""
        listed = json.loads(archive.read(f"{folder}/evidence-records.json"))
        assert len(listed) == EvidenceRecord.objects.filter(attempt=attempt).count()
        assert {item["file"] for item in listed if item["file"]} == {
            name.removeprefix(f"{folder}/") for name in files
        }

    everything = all_text(archive)
    assert other.test_attempt_id.encode() not in everything
    assert OTHER_SAM.encode() not in everything
    assert b"other sam's" not in everything
    # Every file in the ZIP is one of Sam's records (the simulator draws some images alike, so
    # the count and the storage paths tell, not the bytes).
    evidence = [name for name in names if "/evidence/" in name]
    ours = EvidenceRecord.objects.filter(attempt__in=[first, second]).exclude(s3_path=None)
    assert len(evidence) == ours.count()
    for record in EvidenceRecord.objects.filter(attempt=other).exclude(s3_path=None):
        assert record.s3_path.encode() not in everything


def test_the_manifest_verifies(two_sams, tmp_path):
    archive = export(SAM, tmp_path)
    archive.extractall(tmp_path / "out")
    manifest = (tmp_path / "out" / "MANIFEST.sha256").read_text().splitlines()
    assert {line.split("  ", 1)[1] for line in manifest} == set(archive.namelist()) - {
        "MANIFEST.sha256"
    }
    if shutil.which("sha256sum"):
        checked = subprocess.run(
            ["sha256sum", "-c", "--strict", "MANIFEST.sha256"],
            cwd=tmp_path / "out",
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_review_trail_names_reviewers_by_role(two_sams, test_admin, tmp_path):
    first, _, _ = two_sams
    archive = export(SAM, tmp_path)
    folder = folders_of(archive)[first.test_attempt_id]
    (verdict,) = json.loads(archive.read(f"{folder}/verdicts.json"))
    assert verdict["verdict"] == "Violation confirmed"
    assert verdict["reason"] == "phone in hand"
    assert verdict["by"] == "Test admin"
    (dismissal,) = json.loads(archive.read(f"{folder}/dismissals.json"))
    assert dismissal["reason"] == "calculator allowed" and dismissal["by"] == "Test admin"
    assert json.loads(archive.read("context-notes.json"))[0]["text"] == "reader in the room"
    response = json.loads(archive.read(f"{folder}/response.json"))
    assert response["response"]["text"] == "My cat walked over the keyboard."
    assert len(response["links"]) == 1
    assert test_admin.username.encode() not in all_text(archive)
    readme = archive.read("README.txt").decode()
    for name in ("attempt-as-received.json", "verdicts.json", "MANIFEST.sha256", "evidence/"):
        assert name in readme


@override_settings(CANDIDATE_EXPORT_REVIEWER_NAMES=True)
def test_an_organisation_may_name_its_reviewers(two_sams, test_admin, tmp_path):
    first, _, _ = two_sams
    archive = export(SAM, tmp_path)
    (verdict,) = json.loads(
        archive.read(f"{folders_of(archive)[first.test_attempt_id]}/verdicts.json")
    )
    assert verdict["by"] == test_admin.username


def test_a_legal_hold_does_not_block_access(two_sams, tmp_path):
    first, _, _ = two_sams
    LegalHold.objects.create(attempt=first, reason="appeal", placed_by_name="x")
    archive = export(SAM, tmp_path)
    assert first.test_attempt_id in folders_of(archive)


def test_the_export_is_audited_for_each_attempt(two_sams, tmp_path):
    first, second, other = two_sams
    export(SAM, tmp_path)
    audited = AuditEvent.objects.filter(action="candidate.export")
    assert set(audited.values_list("attempt_id", flat=True)) == {first.pk, second.pk}
    assert set(audited.values_list("username", flat=True)) == {"export_candidate command"}


def test_an_unknown_email_writes_nothing_and_says_why(db, tmp_path):
    with pytest.raises(CommandError, match="No attempt has the email"):
        export("nobody@example.org", tmp_path)
    assert not (tmp_path / "data.zip").exists()


def test_a_test_admin_downloads_it_from_the_report(two_sams, test_admin_client):
    first, second, _ = two_sams
    report = test_admin_client.get(reverse("attempt-report", args=[second.pk]))
    assert reverse("candidate-export", args=[second.pk]).encode() in report.content
    response = test_admin_client.post(reverse("candidate-export", args=[second.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert set(folders_of(archive)) == {first.test_attempt_id, second.test_attempt_id}


def test_a_proctor_has_no_export(two_sams, proctor_client):
    first, _, _ = two_sams
    report = proctor_client.get(reverse("attempt-report", args=[first.pk]))
    assert reverse("candidate-export", args=[first.pk]).encode() not in report.content
    assert proctor_client.post(reverse("candidate-export", args=[first.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="candidate.export").exists()


def test_a_test_admin_limited_to_some_tests_has_no_export(two_sams):
    """A candidate's copy crosses tests, so a scope that reaches the attempt is not enough."""
    first, _, _ = two_sams
    Attempt.objects.filter(pk=first.pk).update(lookup_key="biology-1")
    dana = make_user("dana")
    set_grants(dana, {TEST_ADMIN: ["biology-*"]}, source="cli")
    client = logged_in(dana)
    report = client.get(reverse("attempt-report", args=[first.pk]))
    assert report.status_code == 200
    assert reverse("candidate-export", args=[first.pk]).encode() not in report.content
    response = client.post(reverse("candidate-export", args=[first.pk]))
    assert response.status_code == 403
    assert b"limited to some tests" in response.content
    assert not AuditEvent.objects.filter(action="candidate.export").exists()


def test_a_hundred_attempts_cost_a_fixed_number_of_queries_each(db, tmp_path):
    """Its audit row, records, verdicts, notes, dismissals, response and links: 7 queries an
    attempt, whatever the candidate's count (the files stream as the case file's do)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.fixtures.data import make_attempts, make_records

    def queries_for(count, email):
        for attempt in make_attempts(count, candidate_email=email):
            make_records(attempt, "tab-switch", "noise-detected", s3_path=None)
        with CaptureQueriesContext(connection) as captured:
            archive = export(email, tmp_path)
        assert len(folders_of(archive)) == count
        return len(captured)

    ten, hundred = queries_for(10, "ten@example.org"), queries_for(100, "many@example.org")
    per_attempt = (hundred - ten) / 90
    assert per_attempt <= 7, f"{per_attempt:.1f} queries per attempt"
