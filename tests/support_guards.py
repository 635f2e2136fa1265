"""Shared setup of the guard tests (tests/test_guards_*.py): an attempt synced from the
simulator with its evidence stored, exactly as the worker does it."""

from __future__ import annotations

from proctoring.models import Attempt, EvidenceRecord
from proctoring.sync import sync_results
from proctoring.sync.evidence import fetch_attempt_evidence
from tests.sync_support import client_for


def synced_attempt_with_an_image(simulator) -> tuple[Attempt, EvidenceRecord]:
    """Sync the results, then the evidence of the first attempt that kept an image file; return
    the attempt and that image's record."""
    client = client_for(simulator)
    sync_results(client=client)
    for test_attempt_id in sorted(simulator.dataset.attempts):
        if simulator.dataset.attempts[test_attempt_id].get("evidence_status") != "processed":
            continue
        evidence = simulator.dataset.evidence_json(test_attempt_id)
        items = evidence["primary_device_evidence"] + evidence["aux_device_evidence"]
        if any((item.get("misc_data") or {}).get("data_type") == "image" for item in items):
            attempt = Attempt.objects.get(test_attempt_id=test_attempt_id)
            fetch_attempt_evidence(attempt.pk, test_attempt_id, client)
            record = (
                EvidenceRecord.objects.filter(attempt=attempt, data_type="image")
                .exclude(s3_path=None)
                .first()
            )
            if record is not None:
                return attempt, record
    raise AssertionError("the simulator has no attempt with an image kept")
