"""Faults the simulator commits on request, each as its documentation promises."""

import json

import pytest
import requests

from autoproctor.testing import FAULT_KINDS
from autoproctor.testing.fixtures import SignedCalls


def evidence_url(simulator, signed) -> str:
    test_attempt_id = next(
        i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processed"
    )
    return signed.evidence_file_url(test_attempt_id).json()["all_evidence_records_file_url"]


def test_rate_limit_answers_429_with_retry_after_then_recovers(simulator, signed):
    simulator.inject("rate_limit", retry_after=7)

    limited = signed.results()

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.json()["status"] == "error"
    assert signed.results().status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_answers_the_given_5xx_with_an_error_body(simulator, signed, status):
    simulator.inject("server_error", status=status)

    response = signed.usage()

    assert response.status_code == status
    assert response.json()["status"] == "error"


def test_slow_answers_after_the_delay_so_a_shorter_read_timeout_expires(simulator, signed):
    simulator.inject("slow", delay=1.0)

    with pytest.raises(requests.exceptions.ReadTimeout):
        signed.results(timeout=(2, 0.3))
    assert signed.results(timeout=(2, 5)).status_code == 200


def test_slow_still_answers_a_patient_client(simulator, signed):
    simulator.inject("slow", delay=0.3)

    assert signed.results(timeout=(2, 5)).status_code == 200


def test_malformed_answers_an_html_page_with_status_200(simulator, signed):
    simulator.inject("malformed")

    response = signed.results()

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_malformed_can_carry_another_status(simulator, signed):
    simulator.inject("malformed", status=502)

    assert signed.results().status_code == 502


def test_wrong_shape_answers_json_without_the_documented_keys(simulator, signed):
    simulator.inject("wrong_shape")

    body = signed.results().json()

    assert body["status"] == "success"
    assert not {"results", "count", "next"} & body.keys()


def test_wrong_shape_can_answer_a_given_body(simulator, signed):
    simulator.inject("wrong_shape", body=[1, "two", None])

    assert signed.usage().json() == [1, "two", None]


def test_partial_evidence_cuts_the_evidence_json_mid_way(simulator, signed):
    url = evidence_url(simulator, signed)
    simulator.inject("partial_evidence")

    damaged = signed.session.get(url)

    assert damaged.status_code == 200
    assert int(damaged.headers["Content-Length"]) == len(damaged.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(damaged.content)
    assert signed.session.get(url).json()["primary_device_evidence"]


def test_partial_evidence_can_leave_out_the_aux_list(simulator, signed):
    url = evidence_url(simulator, signed)
    simulator.inject("partial_evidence", mode="missing_aux")

    evidence = signed.session.get(url).json()

    assert "aux_device_evidence" not in evidence
    assert evidence["primary_device_evidence"]


def test_partial_evidence_can_promise_more_than_it_sends(simulator, signed):
    url = evidence_url(simulator, signed)
    simulator.inject("partial_evidence", mode="short_read")

    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        signed.session.get(url)
    assert signed.session.get(url).status_code == 200


def test_partial_evidence_leaves_the_api_calls_alone(simulator, signed):
    simulator.inject("partial_evidence")

    assert signed.results().status_code == 200
    url = evidence_url(simulator, signed)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        signed.session.get(url).json()


def test_drop_closes_the_connection_without_an_answer(simulator, signed):
    simulator.inject("drop")

    with pytest.raises(requests.exceptions.ConnectionError):
        signed.results()
    assert signed.results().status_code == 200
    assert [r.status for r in simulator.requests] == [None, 200]


def test_a_fault_counts_down_its_times(simulator, signed):
    fault = simulator.inject("server_error", times=2)

    statuses = [signed.usage().status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert (fault.hits, fault.remaining) == (2, 0)


def test_a_fault_with_times_minus_one_lasts_until_cleared(simulator, signed):
    simulator.inject("rate_limit", times=-1)

    assert [signed.usage().status_code for _ in range(5)] == [429] * 5
    simulator.clear_faults()
    assert signed.usage().status_code == 200


def test_a_fault_only_hits_requests_whose_target_contains_its_text(simulator, signed):
    simulator.inject("server_error", path_contains="page=2", times=-1)

    assert signed.results(page=1).status_code == 200
    assert signed.results(page=2).status_code == 500
    assert signed.usage().status_code == 200
    assert simulator.requests[1].status == 500


def test_faults_are_tried_in_the_order_they_were_injected(simulator, signed):
    simulator.inject("rate_limit", path_contains="/usage/")
    simulator.inject("server_error", status=503)

    assert signed.usage().status_code == 429
    assert signed.usage().status_code == 503
    assert signed.usage().status_code == 200


def test_an_unknown_fault_or_parameter_is_refused_with_the_choices(simulator):
    with pytest.raises(ValueError, match="rate_limit"):
        simulator.inject("flood")
    with pytest.raises(ValueError, match="retry_after"):
        simulator.inject("rate_limit", delay=3)
    with pytest.raises(ValueError, match="5xx"):
        simulator.inject("server_error", status=404)


def test_a_background_fault_rate_fails_that_share_of_requests(make_simulator):
    always = SignedCalls(make_simulator(fault_rate=1.0, fault_kinds=("rate_limit",)))
    never = SignedCalls(make_simulator(fault_rate=0.0))

    assert {always.usage().status_code for _ in range(5)} == {429}
    assert {never.usage().status_code for _ in range(5)} == {200}


def test_every_documented_kind_is_tested_here():
    tested = {"rate_limit", "server_error", "slow", "malformed", "wrong_shape"}
    tested |= {"partial_evidence", "drop"}

    assert set(FAULT_KINDS) == tested
