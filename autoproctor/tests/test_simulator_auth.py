"""The simulator checks signatures as AutoProctor does: every signed endpoint, the 60-second
window in both directions, and a clock skew that moves only the signature check."""

import time
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest

from autoproctor.testing.fixtures import SignedCalls


def processed_attempt(simulator) -> str:
    """The newest attempt whose evidence is ready."""
    return next(
        test_attempt_id
        for test_attempt_id, attempt in simulator.dataset.attempts.items()
        if attempt["evidence_status"] == "processed"
    )


def call_every_signed_endpoint(calls: SignedCalls, test_attempt_id: str) -> dict:
    evidence_paths = sorted(calls.simulator.dataset.evidence_paths(test_attempt_id))[:1]
    return {
        "results": calls.results(),
        "attempt by id": calls.attempt_by_id(test_attempt_id),
        "evidence file url": calls.evidence_file_url(test_attempt_id),
        "presigned urls": calls.presign(test_attempt_id, evidence_paths),
        "usage": calls.usage(),
    }


def test_every_signed_endpoint_answers_a_request_signed_with_the_right_secret(simulator, signed):
    responses = call_every_signed_endpoint(signed, processed_attempt(simulator))
    responses["attempt by hash"] = signed.attempt_by_hash(processed_attempt(simulator))

    assert {name: response.status_code for name, response in responses.items()} == {
        name: 200 for name in responses
    }


def test_every_signed_endpoint_refuses_a_signature_made_with_another_secret(simulator):
    wrong = SignedCalls(simulator, secret="not-the-secret")

    responses = call_every_signed_endpoint(wrong, processed_attempt(simulator))

    for name, response in responses.items():
        assert response.status_code == 403, name
        assert response.json()["status"] == "error", name
        assert "secret" in response.json()["message"], name


def test_a_hash_made_with_another_secret_finds_no_attempt(simulator):
    wrong = SignedCalls(simulator, secret="not-the-secret")

    response = wrong.attempt_by_hash(processed_attempt(simulator))

    assert response.status_code == 404
    assert "another secret" in response.json()["message"]


@pytest.mark.parametrize("endpoint", ["results", "usage"])
@pytest.mark.parametrize("offset", [-61, 61])
def test_a_timestamp_more_than_sixty_seconds_away_is_refused(signed, endpoint, offset):
    timestamp = int(signed.clock()) + offset

    response = getattr(signed, endpoint)(timestamp=timestamp)

    assert response.status_code == 403
    assert "60 s" in response.json()["message"]
    assert ("old" if offset < 0 else "future") in response.json()["message"]


@pytest.mark.parametrize("endpoint", ["results", "usage"])
@pytest.mark.parametrize("offset", [-58, 0, 58])
def test_a_timestamp_within_sixty_seconds_is_accepted(signed, endpoint, offset):
    response = getattr(signed, endpoint)(timestamp=int(signed.clock()) + offset)

    assert response.status_code == 200


def test_a_timestamp_that_is_not_unix_seconds_is_refused(signed):
    assert signed.results(timestamp="2026-01-01T00:00:00").status_code == 403


def test_an_unknown_client_id_is_refused(simulator, signed):
    timestamp = str(int(signed.clock()))
    url = signed.url(
        "/api/v2/tenants/someone-else/results/",
        unixTimestamp=timestamp,
        hashedUnixTimestamp=signed.sign(timestamp),
    )

    response = signed.session.get(url)

    assert response.status_code == 403
    assert "client id" in response.json()["message"]


def test_usage_without_its_three_headers_is_refused(simulator, signed):
    response = signed.session.get(signed.url("/api/v2/usage/"))

    assert response.status_code == 403
    for header in simulator.usage_headers:
        assert header in response.json()["message"]


def test_a_signature_whose_plus_is_not_percent_encoded_is_refused(signed):
    # Query strings decode "+" as a space, so an unencoded signature no longer matches.
    now = int(signed.clock())
    timestamp = next(str(t) for t in range(now - 50, now + 50) if "+" in signed.sign(str(t)))
    raw_signature = signed.sign(timestamp).replace("/", "%2F").replace("=", "%3D")
    client_id = quote(signed.simulator.client_id, safe="")
    url = (
        f"{signed.simulator.base_url}/api/v2/tenants/{client_id}/results/"
        f"?unixTimestamp={timestamp}&hashedUnixTimestamp={raw_signature}"
    )

    assert signed.session.get(url).status_code == 403
    assert signed.results(timestamp=timestamp).status_code == 200


def test_advancing_the_clock_moves_the_signature_window(simulator):
    with_real_clock = SignedCalls(simulator, clock=time.time)
    with_simulator_clock = SignedCalls(simulator)

    simulator.clock.advance(120)

    assert with_real_clock.results().status_code == 403
    assert with_simulator_clock.results().status_code == 200


def test_clock_skew_moves_the_signature_check_and_the_date_header(simulator, signed):
    simulator.set_clock_skew(-300)

    refused = signed.results()
    accepted = signed.results(timestamp=int(signed.clock()) - 300)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    server_date = parsedate_to_datetime(accepted.headers["Date"]).timestamp()
    assert server_date == pytest.approx(simulator.clock.now() - 300, abs=2)


def test_clock_skew_leaves_the_data_clock_alone(simulator, signed):
    test_attempt_id = processed_attempt(simulator)
    file_url = signed.evidence_file_url(test_attempt_id).json()["all_evidence_records_file_url"]

    simulator.set_clock_skew(3600)

    assert signed.session.get(file_url).status_code == 200
    assert signed.attempt_by_id(test_attempt_id).status_code == 200
