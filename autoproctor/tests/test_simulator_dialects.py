"""The simulator's dialects: each changes exactly one thing a real AutoProctor account may do
differently from the assumed contract, over real HTTP."""

import pytest

from autoproctor.testing import DIALECTS, Simulator
from autoproctor.testing.fixtures import SignedCalls


@pytest.fixture
def dialect_calls(make_simulator):
    opened = []

    def make(*dialects, attempts=30):
        calls = SignedCalls(make_simulator(attempts=attempts, dialects=dialects))
        opened.append(calls)
        return calls

    yield make
    for calls in opened:
        calls.session.close()


def test_an_unknown_dialect_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="no-such.*choose from decoded-slashes"):
        Simulator(attempts=1, dialects={"no-such"})


def test_ascending_lists_the_oldest_attempt_first(dialect_calls):
    calls = dialect_calls("ascending", attempts=150)
    first = calls.results(page=1).json()
    second = calls.results(page=2).json()

    ids = [each["test_attempt_id"] for each in first["results"] + second["results"]]
    assert ids == list(reversed(list(calls.simulator.dataset.attempts)))


def test_unpaged_sends_every_attempt_in_one_document_without_links(dialect_calls):
    calls = dialect_calls("unpaged", attempts=150)
    document = calls.results(page=1).json()

    assert len(document["results"]) == 150
    assert "next" not in document and "count" not in document


def test_decoded_slashes_refuses_hashed_ids_with_a_slash_but_not_the_plain_form(dialect_calls):
    calls = dialect_calls("decoded-slashes")
    with_slash = [i for i in calls.simulator.dataset.attempts if "/" in calls.sign(i)]
    without = [i for i in calls.simulator.dataset.attempts if "/" not in calls.sign(i)]

    assert calls.attempt_by_hash(with_slash[0]).status_code == 404
    assert calls.attempt_by_hash(without[0]).status_code == 200
    assert calls.attempt_by_id(with_slash[0]).status_code == 200


def test_no_listing_status_drops_evidence_status_from_the_listing_only(dialect_calls):
    calls = dialect_calls("no-listing-status")
    listed = calls.results().json()["results"]

    assert all("evidence_status" not in each for each in listed)
    one = calls.attempt_by_hash(listed[-1]["test_attempt_id"]).json()
    assert one["test_attempt"]["evidence_status"] == "processed"


def test_camel_case_and_finished_at_rename_the_attempts_fields(dialect_calls):
    listed = dialect_calls("camel-case", "finished-at").results().json()["results"]

    assert {"testAttemptId", "finishedAt", "trustScore", "userDetails"} <= set(listed[-1])
    assert "submitted_at" not in listed[-1] and "submittedAt" not in listed[-1]


def test_status_beside_moves_evidence_status_next_to_the_attempt(dialect_calls):
    calls = dialect_calls("status-beside")
    attempt_id = list(calls.simulator.dataset.attempts)[-1]
    document = calls.attempt_by_id(attempt_id).json()

    assert document["evidence_status"] == "processed"
    assert "evidence_status" not in document["test_attempt"]


def test_every_dialect_can_be_switched_on_at_once(dialect_calls):
    calls = dialect_calls(*DIALECTS)

    assert calls.results().status_code == 200


def processed_with_files(simulator) -> str:
    return next(
        each
        for each, attempt in simulator.dataset.attempts.items()
        if attempt["evidence_status"] == "processed" and simulator.dataset.evidence_paths(each)
    )


def test_enveloped_puts_a_status_beside_the_evidence_and_presign_answers(dialect_calls):
    calls = dialect_calls("enveloped")
    attempt_id = processed_with_files(calls.simulator)
    paths = sorted(calls.simulator.dataset.evidence_paths(attempt_id))[:1]

    file_url = calls.evidence_file_url(attempt_id).json()
    evidence = calls.session.get(file_url["all_evidence_records_file_url"]).json()
    presigned = calls.presign(attempt_id, paths).json()

    assert list(file_url)[0] == list(evidence)[0] == list(presigned)[0] == "status"
    assert file_url["status"] == evidence["status"] == presigned["status"] == "success"
    assert list(presigned["urls"]) == paths


def test_offset_timestamps_end_in_an_offset_and_the_usage_period_is_timestamps(dialect_calls):
    calls = dialect_calls("offset-timestamps")
    attempt_id = processed_with_files(calls.simulator)

    listed = calls.results().json()["results"]
    record = calls.evidence(attempt_id)["primary_device_evidence"][0]
    usage = calls.usage().json()

    assert all(each["started_at"].endswith("+00:00") for each in listed)
    assert record["occurred_at_ISO"].endswith("+00:00")
    assert usage["period_start"].endswith("T00:00:00+00:00")


def test_detail_errors_refuse_a_bad_signature_with_401_and_a_detail(dialect_calls):
    calls = dialect_calls("detail-errors")
    forged = SignedCalls(calls.simulator, secret="not-the-secret")
    attempt_id = list(calls.simulator.dataset.attempts)[-1]

    bad_signature = forged.attempt_by_id(attempt_id)
    stale = calls.results(timestamp=int(calls.simulator.clock.now()) - 3600)
    unknown = calls.attempt_by_id("no-such-attempt")

    assert (bad_signature.status_code, stale.status_code, unknown.status_code) == (401, 401, 404)
    assert "check the client secret" in bad_signature.json()["detail"]
    assert list(stale.json()) == list(unknown.json()) == ["detail"]
