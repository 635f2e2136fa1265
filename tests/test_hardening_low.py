"""The smaller hardening promises: no signed URL in debug logs, dot-segment ids, evidence
opened only from our own pages, presigned URLs kept out of the admin."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from autoproctor import RequestRejected
from proctoring.models import EvidenceRecord
from tests.fixtures.data import make_attempt, make_records
from tests.sync_support import client_for
from tests.test_views_evidence import file_record, synced_attempt_with

ROOT = Path(__file__).resolve().parent.parent


def test_debug_logs_carry_no_signature_or_signed_url(tmp_path):
    script = textwrap.dedent(
        """
        import django, logging
        django.setup()
        from autoproctor import AutoProctorClient, sign
        from autoproctor.testing import Simulator
        with Simulator(attempts=3, seed=7, port=0) as sim:
            [attempt_id] = sim.dataset.add_attempts(1)
            client = AutoProctorClient(
                base_url=sim.base_url, client_id=sim.client_id, client_secret=sim.client_secret
            )
            client.get_attempt(attempt_id)
            url = client.get_evidence_file_url(attempt_id)
            list(client.iter_result_pages())
            print("SIGNATURE", sign(attempt_id, sim.client_secret))
            print("FILE-URL", url)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": "plain",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    signature = next(line.split()[1] for line in lines if line.startswith("SIGNATURE"))
    file_url = next(line.split()[1] for line in lines if line.startswith("FILE-URL"))
    # The simulator (the other end, run here for the test) logs what it receives; we do not.
    logged = "\n".join(
        line
        for line in lines
        if not line.startswith(("SIGNATURE", "FILE-URL")) and "autoproctor.testing" not in line
    )
    assert "autoproctor" in logged  # the client's own debug lines are there
    from urllib.parse import quote

    for secret_part in (signature, quote(signature, safe=""), file_url.split("?")[1]):
        assert secret_part not in logged


@pytest.mark.parametrize("dots", [".", ".."])
def test_an_attempt_id_of_dots_is_never_sent_as_a_directory_step(make_simulator, dots):
    simulator = make_simulator(attempts=3)
    client = client_for(simulator)
    simulator.clear_requests()

    for call in (client.get_evidence_file_url, lambda i: client.presign(i, ["a.png"])):
        with pytest.raises(RequestRejected, match="cannot be sent in a URL path"):
            call(dots)

    assert simulator.requests == []


@pytest.mark.django_db
def test_the_open_in_autoproctor_link_of_a_dots_id_stays_on_that_attempt(test_admin_client):
    attempt = make_attempt(test_attempt_id="..")
    page = test_admin_client.get(reverse("attempt-report", args=[attempt.pk])).content.decode()
    assert "/test-attempts/../" not in page
    assert "/test-admin/developers/results/" in page


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_evidence_requested_by_another_site_is_refused_and_not_audited(
    simulator, proctor_client, site
):
    attempt = synced_attempt_with(simulator, "image")
    url = reverse("evidence-file", args=[attempt.pk, file_record(attempt, "image").pk])

    response = proctor_client.get(url, headers={"Sec-Fetch-Site": site})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="evidence.view").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_evidence_opened_from_our_pages_is_served_and_audited(simulator, proctor_client, site):
    attempt = synced_attempt_with(simulator, "image")
    url = reverse("evidence-file", args=[attempt.pk, file_record(attempt, "image").pk])

    response = proctor_client.get(url, headers={"Sec-Fetch-Site": site} if site else {})

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="evidence.view").count() == 1


@pytest.mark.django_db
def test_the_admin_never_shows_a_presigned_url():
    attempt = make_attempt()
    (record,) = make_records(attempt, "tab-switch")
    secret_url = "https://bucket.example/evidence.png?X-Amz-Signature=deadbeef"
    EvidenceRecord.objects.filter(pk=record.pk).update(presigned_url=secret_url)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)

    for url in (
        reverse("admin:proctoring_evidencerecord_change", args=[record.pk]),
        reverse("admin:proctoring_evidencerecord_changelist"),
        reverse("admin:proctoring_attempt_change", args=[attempt.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "deadbeef" not in page.content.decode()
