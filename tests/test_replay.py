"""The round trip: a shape recording made by the doctor against the simulator in any dialect,
replayed by the simulator, gives the same doctor report, answers every call (usage, presigned
URLs, the evidence file URL and JSON, and the refusals) in the same structure, and makes the
sync store the same data (attempts, evidence, usage, presigned URLs) as the dialect itself, at
any size."""

import io
import json
import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from autoproctor.testing import DIALECTS, Simulator
from autoproctor.testing.fixtures import SignedCalls
from autoproctor.testing.replay import ReplayError
from autoproctor.testing.signing import sign
from proctoring.models import ApiProfile, Attempt, EvidenceRecord, SyncRun, UsageSnapshot
from proctoring.sync import run_full_pass
from proctoring.sync.presign import refresh_attempt_urls
from proctoring.sync.profile import profiled_client
from tests.test_sync_dialects import ATTEMPTS, EVIDENCE_READY, START, stored_state

pytestmark = pytest.mark.django_db(transaction=True)

CASES = [(), *[(name,) for name in DIALECTS], DIALECTS]
IDS = ["contract", *DIALECTS, "all-at-once"]


def doctor(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("autoproctor_doctor", *args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def report_without_timings(text: str) -> list[str]:
    """The report's lines, without the address and the milliseconds, which differ per run."""
    lines = text.split("\nShape recording saved")[0].splitlines()[1:]
    return [re.sub(r" in \d+(\.\d+)? ms", "", line) for line in lines]


def ready(make_simulator, **kwargs) -> Simulator:
    simulator = make_simulator(start_time=time.time() - EVIDENCE_READY, **kwargs)
    simulator.clock.advance(EVIDENCE_READY)
    return simulator


def record(make_simulator, tmp_path, dialects) -> tuple[str, str]:
    """Record against the simulator in `dialects`; the file and the doctor's report."""
    ready(make_simulator, dialects=dialects)
    path = str(tmp_path / "recording.json")
    status, report = doctor("--record", path)
    assert status == 0, report
    ApiProfile.objects.all().delete()
    return path, report


@pytest.mark.parametrize("dialects", CASES, ids=IDS)
def test_the_doctor_reports_the_same_against_a_replay_as_against_the_dialect(
    make_simulator, tmp_path, dialects
):
    path, original = record(make_simulator, tmp_path, dialects)
    ready(make_simulator, replay=path)

    status, replayed = doctor()

    assert status == 0, replayed
    assert report_without_timings(replayed) == report_without_timings(original)


VOCABULARY = {"status", "label", "evidence_status", "data_type", "device"}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d([T ][\d:.]+)?(Z|[+-]\d\d:?\d\d)?")


def structure(value, key=""):
    """A JSON value's structure: keys, vocabulary words, timestamp formats (digits as 9) and
    types; never the values, which hold the simulator's port and signatures."""
    if isinstance(value, dict):
        return {k if k.isidentifier() else "<key>": structure(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [structure(item, key) for item in value[:5]]
    if isinstance(value, str) and key in VOCABULARY:
        return value
    if isinstance(value, str) and TIMESTAMP.fullmatch(value):
        return "timestamp " + re.sub(r"\d", "9", value)
    if isinstance(value, str):
        return "URL" if value.startswith("http") else "text"
    return type(value).__name__


def answered(response) -> tuple:
    try:
        body = structure(response.json())
    except ValueError:
        body = "not JSON"
    return response.status_code, response.headers["Content-Type"], body


def served(simulator) -> dict:
    """How the simulator answers each call besides the attempts: usage, presigned URLs, the
    evidence file URL, the evidence JSON, a wrong signature, a stale timestamp, an unknown
    attempt."""
    calls, forged = SignedCalls(simulator), SignedCalls(simulator, secret="not-the-secret")
    attempt_id = next(
        each
        for each, attempt in simulator.dataset.attempts.items()
        if attempt["evidence_status"] == "processed" and simulator.dataset.evidence_paths(each)
    )
    file_url = calls.evidence_file_url(attempt_id)
    url = next(v for v in file_url.json().values() if str(v).startswith("http"))
    paths = sorted(simulator.dataset.evidence_paths(attempt_id))[:2]
    stale = int(simulator.clock.now()) - 3600
    return {
        "usage": answered(calls.usage()),
        "presigned URLs": answered(calls.presign(attempt_id, paths)),
        "evidence file URL": answered(file_url),
        "evidence JSON": answered(calls.session.get(url)),
        "bad signature": answered(forged.attempt_by_id(attempt_id)),
        "stale timestamp": answered(calls.results(timestamp=stale)),
        "unknown attempt": answered(calls.attempt_by_id("no-such-attempt")),
    }


@pytest.mark.parametrize("dialects", CASES, ids=IDS)
def test_a_replay_answers_usage_presign_evidence_and_refusals_as_the_dialect_does(
    make_simulator, tmp_path, dialects
):
    path, _ = record(make_simulator, tmp_path, dialects)
    expected = served(ready(make_simulator, dialects=dialects))

    replayed = served(ready(make_simulator, replay=path))

    for call, answer in expected.items():
        assert replayed[call] == answer, call


def full_sync(make_simulator, **kwargs) -> dict:
    simulator = make_simulator(attempts=ATTEMPTS, start_time=START, **kwargs)
    simulator.clock.advance(EVIDENCE_READY)
    with profiled_client(clock=simulator.clock.now, max_retries=1) as client:
        runs = run_full_pass(client)
        assert [run.status for run in runs] == ["succeeded"] * 3, [r.error_summary for r in runs]
        with_files = Attempt.objects.filter(evidence_records__s3_path__startswith="evidence/")
        presigned = refresh_attempt_urls(with_files.order_by("test_attempt_id").first(), client)
    state = stored_state()
    state["evidence as received"] = sorted(
        json.dumps(raw, sort_keys=True)
        for raw in EvidenceRecord.objects.values_list("raw", flat=True)
    )
    state["usage"] = list(
        UsageSnapshot.objects.values(
            "credits_remaining",
            "credits_used",
            "period_start",
            "period_end",
            "usage_by_lookup_key",
            "raw",
        )
    )
    state["presigned"] = {path: expires for path, (_, expires) in presigned.items()}
    assert state["usage"] and state["presigned"]
    Attempt.objects.all().delete()
    SyncRun.objects.all().delete()
    ApiProfile.objects.all().delete()
    UsageSnapshot.objects.all().delete()
    return state


@pytest.mark.parametrize("dialects", CASES, ids=IDS)
def test_a_sync_against_a_replay_stores_what_the_dialect_itself_would(
    make_simulator, tmp_path, dialects
):
    path, _ = record(make_simulator, tmp_path, dialects)  # 30 attempts recorded
    expected = full_sync(make_simulator, dialects=dialects)  # 120 served

    assert full_sync(make_simulator, replay=path) == expected
    assert len(expected["attempts"]) == ATTEMPTS


def test_the_doctor_says_what_it_replaced_and_the_file_is_readable_json(make_simulator, tmp_path):
    ready(make_simulator)
    path = tmp_path / "recording.json"

    status, report = doctor("--record", str(path))

    assert status == 0
    assert f"Shape recording saved to {path}." in report
    assert re.search(r"Replaced with consistent fakes: .*\d+ email", report)
    recording = json.loads(path.read_text())
    assert recording["listing"]["item keys"][0] == "test_attempt_id"
    assert recording["replaced"]["email"] >= 1
    formats = recording["listing"]["value formats"]
    assert formats["started_at"] == ["timestamp 9999-99-99T99:99:99.999999Z"]
    assert "processed" in formats["evidence_status"]
    assert "test-taker-photo" in recording["evidence JSON"]["labels"]


def test_a_file_that_is_not_a_recording_is_refused_naming_how_to_make_one(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"results": []}')

    with pytest.raises(ReplayError, match="autoproctor_doctor --record"):
        Simulator(replay=str(path))


def test_a_recording_of_an_unknown_format_version_is_refused_naming_the_fix(tmp_path):
    path = tmp_path / "future.json"
    path.write_text('{"format": "autoproctor-shape-recording/9", "listing": {}}')

    with pytest.raises(ReplayError) as refused:
        Simulator(replay=str(path))

    assert "format version 9" in str(refused.value)
    assert "replays versions 1 and 2" in str(refused.value)
    assert "autoproctor_doctor --record FILE" in str(refused.value)


def as_format_1(recording: dict) -> dict:
    """A recording as the first format wrote it: no usage, presign, refusals, file-URL answer
    or evidence record structure."""
    old = {
        k: v for k, v in recording.items() if k not in ("answers", "errors", "evidence file URL")
    }
    old["evidence JSON"] = {k: recording["evidence JSON"][k] for k in ("shape", "labels", "sample")}
    return {**old, "format": "autoproctor-shape-recording/1"}


def test_a_format_1_recording_still_replays_its_attempts_shapes(make_simulator, tmp_path):
    path, _ = record(make_simulator, tmp_path, ("camel-case", "unpaged"))
    expected = full_sync(make_simulator, dialects=("camel-case", "unpaged"))
    old = as_format_1(json.loads(Path(path).read_text()))

    assert full_sync(make_simulator, replay=old) == expected


PLANTED_ID = "planted-client-4711"
PLANTED_SECRET = "planted-secret-Xq9v2Lr8"
PLANTED_PEOPLE = [
    ("PLANTED/att+001", "Zebulon Quartermaine", "zebulon.q@planted.example"),
    ("PLANTED-att-002", "Ottilie Brannigan", "ottilie.b@planted.example"),
]


def test_a_recording_holds_no_name_email_id_or_secret_of_the_account(make_simulator, tmp_path):
    simulator = ready(make_simulator, client_id=PLANTED_ID, client_secret=PLANTED_SECRET)
    for test_attempt_id, name, email in PLANTED_PEOPLE:
        simulator.dataset.add_attempts(
            test_attempt_id=test_attempt_id,
            user_details={"name": name, "email": email},
            lookup_key="planted-exam-key",
        )
    path = tmp_path / "recording.json"

    status, report = doctor("--record", str(path))

    assert status == 0, report
    text = path.read_text()
    planted = [PLANTED_ID, PLANTED_SECRET, "planted-exam-key", simulator.base_url, "127.0.0.1"]
    planted += [value for person in PLANTED_PEOPLE for value in person]
    planted += simulator.dataset.listing()  # every attempt id of the account
    planted += [sign(each, PLANTED_SECRET) for each in simulator.dataset.listing()]
    for attempt in simulator.dataset.attempts.values():
        planted += list((attempt.get("user_details") or {}).values())
        planted += simulator.dataset.evidence_paths(attempt["test_attempt_id"])
    found = [value for value in planted if value and json.dumps(value)[1:-1] in text]
    assert found == []
    # The usage, presign, evidence and refusal answers are in it, their URLs and paths faked.
    recording = json.loads(text)
    presigned = recording["answers"]["presigned URLs"]
    assert presigned["request"]["path"] == "/api/v2/test-attempts/{test_attempt_id}/presigned-urls/"
    assert set(presigned["sample"]["urls"].values()) <= {
        f"https://files.example.invalid/object-{n}" for n in range(1000)
    }
    assert "X-Amz-Expires" in presigned["URL form"]["query parameters"]
    assert recording["answers"]["usage"]["request"]["header names"] == sorted(
        simulator.usage_headers
    )
    assert "sample" not in recording["answers"]["usage"]  # its figures are the account's
    assert set(recording["errors"]) == {"bad signature", "stale timestamp", "unknown attempt"}
    assert recording["evidence file URL"]["sample"]["all_evidence_records_file_url"].startswith(
        "https://files.example.invalid/"
    )
    # The structure is still there: the planted id's shape (its `/` and `+`) and the keys.
    ids = [item["test_attempt_id"] for item in recording["listing"]["items"]]
    assert any("/" in each and "+" in each and len(each) == 15 for each in ids), ids
    first = recording["listing"]["items"][0]
    assert set(first["user_details"]) == {"name", "email"}
    assert first["user_details"]["email"].endswith("@example.com")


def test_a_replay_sends_timestamps_in_the_recorded_format_and_the_sync_reads_them(
    make_simulator, tmp_path
):
    path, _ = record(make_simulator, tmp_path, ("camel-case",))
    recording = json.loads(Path(path).read_text())
    formats = recording["listing"]["value formats"]
    formats["startedAt"] = ["timestamp 9999-99-99 99:99:99+99:99"]  # as a customer's might be
    formats["submittedAt"] = ["null", "timestamp 9999-99-99T99:99:99.999Z"]
    simulator = make_simulator(attempts=ATTEMPTS, start_time=START, replay=recording)

    listed = SignedCalls(simulator).results().json()["results"]

    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", a["startedAt"]) for a in listed
    )
    submitted = [a["submittedAt"] for a in listed if a["submittedAt"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s) for s in submitted)
    ApiProfile.objects.all().delete()
    state = full_sync(make_simulator, replay=recording)
    started = {key: row[3] for key, row in state["attempts"].items()}
    assert all(value is not None and value.microsecond == 0 for value in started.values())
