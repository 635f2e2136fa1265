"""One attempt from the simulator: both path forms, ids that need percent-encoding, 404s, and
the attempt's life cycle on the simulator's clock."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

PLAIN_ID = re.compile(r"[A-Z0-9]+-[0-9]{6}")

DOCUMENTED_FIELDS = {
    "test_attempt_id",
    "lookup_key",
    "user_details",
    "started_at",
    "submitted_at",
    "trust_score",
    "evidence_status",
    "device",
}


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def test_both_path_forms_return_the_attempt_as_listed(simulator, signed):
    for test_attempt_id, attempt in simulator.dataset.attempts.items():
        by_hash = signed.attempt_by_hash(test_attempt_id)
        by_id = signed.attempt_by_id(test_attempt_id)

        assert by_hash.status_code == by_id.status_code == 200, test_attempt_id
        assert by_hash.json() == {"status": "success", "test_attempt": attempt}
        assert by_id.json() == by_hash.json()


def test_ids_with_reserved_and_unicode_characters_round_trip(simulator, signed):
    odd_ids = [i for i in simulator.dataset.attempts if not PLAIN_ID.fullmatch(i)]
    assert {"/", "+", " ", "#", "?", "&", "%"} <= set("".join(odd_ids))
    assert any(not i.isascii() for i in odd_ids)

    for test_attempt_id in odd_ids:
        response = signed.attempt_by_id(test_attempt_id)

        assert response.json()["test_attempt"]["test_attempt_id"] == test_attempt_id
        sent = simulator.requests[-1]
        assert sent.path == f"/api/v2/test-attempts/{quote(test_attempt_id, safe='')}/"


def test_a_slash_in_an_id_that_is_not_percent_encoded_is_not_an_attempt(simulator, signed):
    test_attempt_id = next(i for i in simulator.dataset.attempts if "/" in i)
    url = signed.url(
        f"/api/v2/test-attempts/{test_attempt_id}/",
        client_id=simulator.client_id,
        hashed_test_attempt_id=signed.sign(test_attempt_id),
    )

    response = signed.session.get(url)

    assert response.status_code == 404
    assert response.json()["status"] == "error"


def test_an_unknown_attempt_is_a_404_with_an_error_body(signed):
    response = signed.attempt_by_id("no-such-attempt")

    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "message": "No attempt with test_attempt_id 'no-such-attempt'.",
    }


def test_the_client_id_may_be_spelled_client_id_or_clientId(simulator, signed):
    test_attempt_id = next(iter(simulator.dataset.attempts))
    for spelling in ("client_id", "clientId"):
        url = signed.url(
            f"/api/v2/test-attempts/{quote(test_attempt_id, safe='')}/",
            **{spelling: simulator.client_id},
            hashed_test_attempt_id=signed.sign(test_attempt_id),
        )

        assert signed.session.get(url).status_code == 200, spelling


def test_attempts_carry_the_documented_fields_and_keep_extra_ones(simulator):
    attempts = list(simulator.dataset.attempts.values())

    for attempt in attempts:
        assert attempt.keys() >= DOCUMENTED_FIELDS
        assert set(attempt) - DOCUMENTED_FIELDS <= {"features"}
        assert attempt["evidence_status"] in {"processing", "processed"}
        if attempt["trust_score"] is not None:
            assert 0.0 <= attempt["trust_score"] <= 1.0
    assert any("features" in attempt for attempt in attempts)
    assert any(attempt["user_details"] is None for attempt in attempts)
    assert any(attempt["lookup_key"] is None for attempt in attempts)


def test_timestamps_are_recent_and_in_order(simulator):
    start = datetime.fromtimestamp(simulator.clock.started_at, UTC)

    for attempt in simulator.dataset.attempts.values():
        started = parse(attempt["started_at"])
        assert start - timedelta(days=30) <= started <= start
        if attempt["submitted_at"]:
            assert started < parse(attempt["submitted_at"]) <= start


def test_attempts_in_progress_have_no_submission_or_score_until_they_submit(simulator, signed):
    in_progress = [
        i for i, attempt in simulator.dataset.attempts.items() if attempt["submitted_at"] is None
    ]
    assert in_progress
    for test_attempt_id in in_progress:
        attempt = signed.attempt_by_id(test_attempt_id).json()["test_attempt"]
        assert (attempt["trust_score"], attempt["evidence_status"]) == (None, "processing")

    simulator.clock.advance(2 * 3600)

    for test_attempt_id in in_progress:
        attempt = signed.attempt_by_id(test_attempt_id).json()["test_attempt"]
        assert attempt["submitted_at"] is not None
        assert attempt["trust_score"] is not None
        assert attempt["evidence_status"] == "processed"


def test_some_submitted_attempts_finish_processing_within_three_minutes(simulator, signed):
    processing = [
        i
        for i, attempt in simulator.dataset.attempts.items()
        if attempt["submitted_at"] and attempt["evidence_status"] == "processing"
    ]
    assert len(processing) >= 2

    simulator.clock.advance(60)
    assert signed.attempt_by_id(processing[0]).json()["test_attempt"]["evidence_status"] == (
        "processing"
    )
    simulator.clock.advance(120)

    for test_attempt_id in processing:
        attempt = signed.attempt_by_id(test_attempt_id).json()["test_attempt"]
        assert attempt["evidence_status"] == "processed"


def test_an_attempt_added_after_a_lookup_by_hash_is_found_by_its_hash(simulator, signed):
    """The hashed ids are indexed on first use and again when attempts were added."""
    first = next(iter(simulator.dataset.attempts))
    assert signed.attempt_by_hash(first).status_code == 200

    (added,) = simulator.dataset.add_attempts(1)
    response = signed.attempt_by_hash(added)

    assert response.status_code == 200
    assert response.json()["test_attempt"]["test_attempt_id"] == added
