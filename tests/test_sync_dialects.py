"""A full sync against each simulator dialect (each way a real account may differ from the
assumed contract), and against all of them at once, stores the same attempts and evidence as
against the contract itself, and says on the run which aliases it used."""

from datetime import timedelta

import pytest
from django.utils import timezone

from autoproctor.testing import DIALECTS
from proctoring.models import ApiProfile, Attempt, EvidenceRecord, SyncRun
from proctoring.sync import run_full_pass
from proctoring.sync.profile import profiled_client

START = 1_790_000_000.0
EVIDENCE_READY = 600  # seconds after the start: every submitted attempt's evidence is ready
ATTEMPTS = 120  # two pages, so order and paging matter
COMPARED = (
    "lookup_key",
    "candidate_name",
    "candidate_email",
    "started_at",
    "submitted_at",
    "trust_score",
    "device",
    "violation_count",
)

pytestmark = pytest.mark.django_db(transaction=True)


def full_sync(make_simulator, dialects=()):
    simulator = make_simulator(attempts=ATTEMPTS, start_time=START, dialects=dialects)
    simulator.clock.advance(EVIDENCE_READY)
    with profiled_client(clock=simulator.clock.now, max_retries=1) as client:
        runs = run_full_pass(client)
    return simulator, runs


def stored_state() -> dict:
    """Every attempt's mapped columns (evidence status once submitted), and every record."""
    attempts = {}
    for attempt in Attempt.objects.all():
        row = tuple(getattr(attempt, column) for column in COMPARED)
        status = attempt.evidence_status if attempt.submitted_at else None
        attempts[attempt.test_attempt_id] = (*row, status, attempt.evidence_fetched_at is not None)
    records = sorted(
        EvidenceRecord.objects.values_list(
            "attempt__test_attempt_id",
            "device",
            "position",
            "label",
            "is_violation",
            "occurred_at",
            "s3_path",
            "data_type",
        )
    )
    return {"attempts": attempts, "records": records}


@pytest.fixture
def contract_state(make_simulator):
    """What a sync against the assumed contract stores; the database is emptied after."""
    full_sync(make_simulator)
    state = stored_state()
    Attempt.objects.all().delete()
    SyncRun.objects.all().delete()
    assert len(state["attempts"]) == ATTEMPTS and len(state["records"]) > ATTEMPTS
    return state


# Every dialect but the one whose field name has no alias (see the re-parse tests).
ALIASED = tuple(name for name in DIALECTS if name != "completed-at")


@pytest.mark.parametrize(
    "dialects", [(name,) for name in ALIASED] + [ALIASED], ids=[*ALIASED, "all-at-once"]
)
def test_a_full_sync_under_a_dialect_stores_what_the_contract_would(
    make_simulator, contract_state, dialects
):
    simulator, runs = full_sync(make_simulator, dialects)

    assert [run.status for run in runs] == ["succeeded"] * 3, [r.error_summary for r in runs]
    assert stored_state() == contract_state
    fetched = Attempt.objects.filter(evidence_fetched_at__isnull=False).count()
    processed = sum(
        a["evidence_status"] == "processed" for a in simulator.dataset.attempts.values()
    )
    assert fetched == processed


def warnings_of_last_results_run() -> dict:
    run = SyncRun.objects.filter(kind=SyncRun.Kind.RESULTS).latest()
    return {(w["field"], w["kind"]): w for w in run.warnings}


def test_the_run_says_which_alias_it_read_a_renamed_field_under(make_simulator):
    full_sync(make_simulator, ("finished-at", "camel-case"))

    warnings = warnings_of_last_results_run()
    assert warnings[("submitted_at", "alias")]["alias"] == "finishedAt"
    assert warnings[("trust_score", "alias")]["alias"] == "trustScore"
    assert warnings[("submitted_at", "alias")]["level"] == "note"


def test_a_listing_without_evidence_status_is_noted_and_evidence_still_arrives(make_simulator):
    simulator, _ = full_sync(make_simulator, ("no-listing-status",))

    warning = warnings_of_last_results_run()[("evidence_status", "missing")]
    assert warning["count"] == ATTEMPTS and warning["level"] == "note"
    assert "asks the one-attempt call" in warning["message"]
    assert Attempt.objects.filter(evidence_fetched_at__isnull=False).count() > 100


def test_a_hashed_id_refused_for_its_slash_switches_to_the_plain_form_for_good(
    make_simulator, settings
):
    # A fixed number of attempts in flight, which bounds the calls made before the lesson.
    settings.SYNC_EVIDENCE_MAX_CONCURRENCY = settings.SYNC_EVIDENCE_WORKERS
    simulator, _ = full_sync(make_simulator, ("decoded-slashes",))

    profile = ApiProfile.objects.get(client_id=simulator.client_id)
    assert profile.attempt_form == "id-query"
    # The first refusal of each evidence worker taught the form; every later call used it.
    refused = [r for r in simulator.requests if r.status == 404]
    assert 1 <= len(refused) <= settings.SYNC_EVIDENCE_WORKERS
    hashed_form = [
        r
        for r in simulator.requests
        if "/test-attempts/" in r.path and "hashed_test" not in r.target
    ]
    assert len(hashed_form) <= 2 * settings.SYNC_EVIDENCE_WORKERS


def test_a_stored_profile_is_used_from_the_first_call(make_simulator):
    simulator = make_simulator(attempts=30, start_time=START, dialects=("decoded-slashes",))
    ApiProfile.objects.create(
        base_url=simulator.base_url, client_id=simulator.client_id, attempt_form="id-query"
    )
    simulator.clock.advance(EVIDENCE_READY)
    with profiled_client(clock=simulator.clock.now, max_retries=1) as client:
        run_full_pass(client)

    assert [r for r in simulator.requests if r.status != 200] == []


def test_not_ready_evidence_without_a_listing_status_is_asked_again_later_not_hammered(
    make_simulator,
):
    simulator = make_simulator(attempts=30, start_time=START, dialects=("no-listing-status",))
    simulator.clock.advance(5)  # two attempts are submitted, their evidence not yet processed
    with profiled_client(clock=simulator.clock.now, max_retries=1) as client:
        run_full_pass(client)
        waiting = Attempt.objects.filter(
            submitted_at__isnull=False, evidence_fetched_at__isnull=True
        )
        assert waiting.count() == 2
        assert all(a.evidence_recheck_at is not None for a in waiting)

        simulator.clear_requests()
        run_full_pass(client, stages=("evidence",))
        assert simulator.requests == []  # not due yet: nothing asked

        simulator.clock.advance(EVIDENCE_READY)
        # As if the back-off had passed.
        waiting.update(evidence_recheck_at=timezone.now() - timedelta(seconds=1))
        run_full_pass(client, stages=("evidence",))

    assert waiting.count() == 0
