"""First contact under each authentication form and value scale the simulator speaks, alone and
with the other dialects: a fresh installation runs `autoproctor_doctor` (exit 0, the learned
form named), then `sync_autoproctor` (exit 0), and stores every attempt with the exact score,
times and evidence a sync against the assumed contract stores. A truly wrong secret is said
to be wrong; a rate-limited account still passes the check, presigned files included."""

import io
import re
import time

import pytest
from django.core.management import CommandError, call_command

from autoproctor.testing import DIALECTS
from autoproctor.testing.dialects import AUTH_DIALECTS, SCALE_DIALECTS
from proctoring.models import ApiProfile, Attempt, EvidenceRecord, SyncRun
from tests.test_sync_dialects import stored_state

# Transactions of their own: the sync's lease heartbeat writes from a thread of its own.
pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE_READY = 600
# Every dialect a sync copes with (completed-at needs an alias the settings add).
COPING = tuple(name for name in DIALECTS if name != "completed-at")
CASES = [(name,) for name in (*AUTH_DIALECTS, *SCALE_DIALECTS)] + [
    (*AUTH_DIALECTS, "percent-scores", "epoch-milliseconds"),
    COPING,
]
IDS = [*AUTH_DIALECTS, *SCALE_DIALECTS, "auth-and-scales", "with-every-dialect"]
# What the doctor says it learned under each (one line each).
LEARNED = {
    "millisecond-timestamps": "learned: the tenant calls sign the UNIX time in milliseconds",
    "hex-signatures": "with a hex digest",
    "percent-scores": "learned: `trust_score` arrives in percent (0..100): stored as a fraction",
    "epoch-seconds": "learned: `started_at` arrives in epoch seconds: read as UTC",
    "epoch-milliseconds": "learned: `started_at` arrives in epoch milliseconds: read as UTC",
    "naive-times": "learned: `started_at` arrives in ISO 8601 without a zone: read as UTC",
}


@pytest.fixture(autouse=True)
def in_the_test_thread(settings):
    settings.SYNC_EVIDENCE_WORKERS = settings.SYNC_EVIDENCE_MAX_CONCURRENCY = 1
    settings.AUTOPROCTOR_MAX_RETRIES = 2
    settings.AUTOPROCTOR_TIMEOUT = 5


def doctor(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("autoproctor_doctor", *args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def sync() -> str:
    out = io.StringIO()
    call_command("sync_autoproctor", stdout=out)  # raises CommandError on a non-zero exit
    return out.getvalue()


def expected_lessons(dialects) -> list[str]:
    """The dialects the doctor names: of several time forms, the one the simulator sends
    (milliseconds over seconds over naive times)."""
    times = [
        name for name in ("epoch-milliseconds", "epoch-seconds", "naive-times") if name in dialects
    ]
    return [name for name in dialects if name in LEARNED and name not in times[1:]]


def ready(make_simulator, start: float, dialects=()):
    """A simulator whose clock reads now (the commands sign with the real clock), its
    submitted attempts' evidence processed."""
    simulator = make_simulator(start_time=start, dialects=dialects)
    simulator.clock.advance(EVIDENCE_READY)
    return simulator


@pytest.mark.parametrize("dialects", CASES, ids=IDS)
def test_a_fresh_installation_learns_the_form_and_syncs_exactly(make_simulator, dialects):
    start = time.time() - EVIDENCE_READY
    ready(make_simulator, start)
    sync()
    contract = stored_state()
    Attempt.objects.all().delete()
    SyncRun.objects.all().delete()
    ApiProfile.objects.all().delete()
    simulator = ready(make_simulator, start, dialects)

    status, report = doctor()
    assert status == 0, report
    for dialect in expected_lessons(dialects):
        assert LEARNED[dialect] in report
    sync()

    assert stored_state() == contract
    assert Attempt.objects.count() == len(simulator.dataset.listing())
    assert EvidenceRecord.objects.exclude(s3_path="").exists()
    # The sync used the form the doctor learned from its first call: nothing was refused.
    refused = [r for r in simulator.requests if r.status in (401, 403)]
    assert len(refused) <= (4 if set(AUTH_DIALECTS) & set(dialects) else 0), refused


@pytest.mark.parametrize("dialects", [("millisecond-timestamps",), AUTH_DIALECTS])
def test_the_learned_authentication_form_is_stored_in_the_api_profile(make_simulator, dialects):
    ready(make_simulator, time.time() - EVIDENCE_READY, dialects)

    doctor()

    profile = ApiProfile.objects.get()
    assert profile.timestamp_unit == "milliseconds"
    assert profile.signature_encoding == ("hex" if "hex-signatures" in dialects else "base64")
    assert profile.report["learned"]["timestamp_unit"] == "milliseconds"


def test_a_sync_without_the_doctor_learns_the_form_and_stores_everything(make_simulator):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY, AUTH_DIALECTS)

    output = sync()

    assert "Results: succeeded - 30 created" in output
    assert Attempt.objects.count() == 30
    profile = ApiProfile.objects.get()
    assert (profile.timestamp_unit, profile.signature_encoding) == ("milliseconds", "hex")
    simulator.clear_requests()
    sync()
    assert [r for r in simulator.requests if r.status != 200] == []


def test_a_percent_scale_keeps_the_review_thresholds_meaning(make_simulator, settings):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY, ("percent-scores",))
    sync()

    run = SyncRun.objects.get(kind="results")
    (note,) = [w for w in run.warnings if w["kind"] == "form" and w["field"] == "trust_score"]
    assert note["message"].startswith(
        "`trust_score` arrives in percent (0..100): stored as a fraction"
    )
    assert ApiProfile.objects.get().trust_score_scale == "percent"
    below = {a.test_attempt_id for a in Attempt.objects.filter(trust_score__lt=0.85)}
    sent = simulator.dataset.attempts
    assert below == {
        key
        for key, obj in sent.items()
        if obj["trust_score"] is not None and obj["trust_score"] < 0.85
    }


def test_a_truly_wrong_secret_exits_1_saying_the_secret_is_wrong(make_simulator, settings):
    ready(make_simulator, time.time() - EVIDENCE_READY, ("millisecond-timestamps",))
    settings.AUTOPROCTOR_CLIENT_SECRET = "not-the-secret"

    status, report = doctor()

    assert status == 1
    assert "results: FAILED" in report
    assert "The attempt calls refuse these credentials too" in report
    assert "the tenant calls refuse every form tried: the UNIX time in seconds" in report
    assert "the client secret (or the client id) is wrong" in report
    assert "not-the-secret" not in report
    assert ApiProfile.objects.get().timestamp_unit == "seconds"


def test_a_rate_limited_account_passes_and_its_presigned_files_are_checked(make_simulator):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY)
    for where in ("/results/", "/evidence-records-file-url/", "/presigned-urls/", "/usage/"):
        simulator.inject("rate_limit", path_contains=where, times=2, retry_after=0)
    simulator.inject("server_error", path_contains="/test-attempts/", times=1, status=503)

    status, report = doctor()

    assert status == 0, report
    assert re.search(r"results, page 1: 200 in \d+ ms - after 2 retried \(429, 429\)", report)
    assert "presigned files: OK - 1 URL signed and its file fetched (image" in report
    assert "within a total time budget of 120 s" in report


def test_a_limit_longer_than_the_budget_fails_the_check_saying_so(make_simulator, settings):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY)
    simulator.inject("rate_limit", path_contains="/results/", times=-1, retry_after=30)
    settings.AUTOPROCTOR_DOCTOR_BUDGET_SECONDS = 5

    started = time.monotonic()
    status, report = doctor()

    assert status == 1
    assert time.monotonic() - started < 5
    assert "time budget of 5 s would be spent" in report
    assert "AUTOPROCTOR_DOCTOR_BUDGET_SECONDS" in report


def test_the_doctor_keeps_looking_for_an_attempt_whose_evidence_has_files(make_simulator):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY)
    empty = {"primary_device_evidence": [], "aux_device_evidence": []}
    simulator.inject("wrong_shape", path_contains="all-evidence-records", times=2, body=empty)

    status, report = doctor()

    assert status == 0, report
    assert report.count("evidence JSON (temporary URL): 200") == 3
    assert "presigned files: OK" in report


def test_not_checked_is_a_failure_unless_partial_checks_are_allowed(make_simulator):
    # Two attempts, both still in progress: no evidence to check.
    make_simulator(attempts=2, start_time=time.time())

    status, report = doctor()
    assert status == 1
    assert "evidence: NOT CHECKED" in report
    assert "that is not a pass" in report

    status, report = doctor("--allow-partial")
    assert status == 0
    assert "were let through (--allow-partial)" in report


def test_the_first_pages_unstorable_attempts_are_counted_and_fail_the_check(make_simulator):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY)
    for attempt_id in simulator.dataset.listing()[12:17]:
        simulator.dataset.update(attempt_id, trust_score=250)

    status, report = doctor()

    assert status == 1
    assert "trust_score: 5 of 30 attempts (e.g. attempt " in report
    assert "results: FAILED - 5 of 30 attempts on the first answer cannot be stored" in report
    with pytest.raises(CommandError) as raised:
        sync()
    assert raised.value.returncode == 3


def test_a_reparse_reads_stored_percent_scores_on_the_learned_scale(make_simulator):
    simulator = ready(make_simulator, time.time() - EVIDENCE_READY, ("percent-scores",))
    low = simulator.dataset.listing()[12]
    simulator.dataset.update(low, trust_score=0.01)  # sent as 1.0: alone, it cannot tell
    sync()
    before = dict(Attempt.objects.values_list("test_attempt_id", "trust_score"))
    assert before[low] == 0.01
    Attempt.objects.update(trust_score=None)

    out = io.StringIO()
    call_command("reparse_autoproctor", stdout=out)

    assert dict(Attempt.objects.values_list("test_attempt_id", "trust_score")) == before
    assert "could not" not in out.getvalue().lower()
