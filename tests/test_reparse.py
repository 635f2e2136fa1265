"""`manage.py reparse_autoproctor`: after an alias is added, every stored attempt and evidence
record is derived again from the JSON kept as received, and nothing is fetched."""

import io

import pytest
from django.core.management import call_command

from proctoring.models import Attempt, EvidenceRecord, SyncRun
from proctoring.sync import run_full_pass
from tests.sync_support import client_for

pytestmark = pytest.mark.django_db(transaction=True)

START = 1_790_000_000.0
EVIDENCE_READY = 600


def reparse() -> str:
    out = io.StringIO()
    call_command("reparse_autoproctor", stdout=out)
    return out.getvalue()


@pytest.fixture
def synced_without_alias(make_simulator):
    """A sync against an account that sends `completed_at` for `submitted_at`."""
    simulator = make_simulator(attempts=60, start_time=START, dialects=("completed-at",))
    simulator.clock.advance(EVIDENCE_READY)
    with client_for(simulator) as client:
        runs = run_full_pass(client)
    assert [run.status for run in runs] == ["succeeded"] * 3
    return simulator


def test_a_field_under_an_unknown_name_raises_an_alarm_on_the_run(synced_without_alias):
    run = SyncRun.objects.filter(kind=SyncRun.Kind.RESULTS).latest()
    alarm = next(w for w in run.warnings if w["field"] == "submitted_at")

    assert alarm["level"] == "alarm" and alarm["kind"] == "missing"
    assert alarm["message"].startswith(
        "AutoProctor's results no longer carry `submitted_at` (nor `submittedAt`, "
    )
    assert alarm["message"].endswith(": 60 attempts look in progress.")
    assert not Attempt.objects.filter(submitted_at__isnull=False).exists()
    # What can be stored still is: the evidence of processed attempts arrived.
    assert Attempt.objects.filter(evidence_fetched_at__isnull=False).count() > 50


def test_reparse_after_adding_the_alias_fixes_the_rows_with_no_api_call(
    synced_without_alias, settings
):
    simulator = synced_without_alias
    settings.AUTOPROCTOR_FIELD_ALIASES = {"submitted_at": ["completed_at"]}
    simulator.clear_requests()

    output = reparse()

    assert simulator.requests == []
    submitted = {
        attempt_id: attempt["submitted_at"]
        for attempt_id, attempt in simulator.dataset.attempts.items()
    }
    stored = dict(Attempt.objects.values_list("test_attempt_id", "submitted_at"))
    assert {k: v is not None for k, v in stored.items()} == {
        k: v is not None for k, v in submitted.items()
    }
    changed = sum(value is not None for value in submitted.values())
    assert f"Attempts re-parsed: 60; changed: {changed}." in output
    assert f"submitted_at {changed}" in output
    assert "Nothing was fetched from AutoProctor." in output


def test_reparse_restores_evidence_columns_from_the_records_as_received(synced_without_alias):
    record = EvidenceRecord.objects.filter(is_violation=True).first()
    EvidenceRecord.objects.filter(pk=record.pk).update(label="damaged", is_violation=False)
    attempt = record.attempt
    Attempt.objects.filter(pk=attempt.pk).update(violation_count=0)

    output = reparse()

    record.refresh_from_db()
    attempt.refresh_from_db()
    assert (record.label, record.is_violation) == (record.raw["label"], True)
    assert attempt.violation_count == attempt.evidence_records.filter(is_violation=True).count()
    assert "Evidence records re-parsed: " in output and "changed: 1." in output


def test_a_second_reparse_changes_nothing(synced_without_alias):
    reparse()

    output = reparse()

    assert "Attempts re-parsed: 60; changed: 0." in output
    assert "Columns changed: none." in output
