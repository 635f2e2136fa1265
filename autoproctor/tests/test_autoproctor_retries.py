"""Retries: what the client tries again, how long it waits, and when it gives up.

The `make_client` fixture does not really sleep: it records each delay in `sleeps` and moves
the simulator's clock on by it, so a retry is sent "later" and must carry a fresh signature.
"""

import socket

import pytest

from autoproctor import (
    Exchange,
    NotFound,
    RateLimited,
    ServerError,
    Unreachable,
    sign,
)


def _results_calls(simulator):
    return [r for r in simulator.requests if "/results/" in r.path]


def test_a_rate_limited_call_waits_as_long_as_the_server_asks_then_succeeds(
    simulator, make_client, sleeps
):
    simulator.inject("rate_limit", path_contains="/results/", times=2, retry_after=3)

    pages = list(make_client().iter_result_pages())

    assert len(pages[0].attempts) == 30
    assert sleeps == [3.0, 3.0]
    assert [r.status for r in _results_calls(simulator)] == [429, 429, 200]


def test_every_retry_is_signed_again_with_the_time_it_is_sent(simulator, make_client):
    simulator.inject("rate_limit", path_contains="/results/", times=2, retry_after=5)

    list(make_client().iter_result_pages())

    calls = _results_calls(simulator)
    stamps = [int(r.query["unixTimestamp"]) for r in calls]
    assert stamps[1] - stamps[0] >= 4 and stamps[2] - stamps[1] >= 4
    for call in calls:
        assert call.query["hashedUnixTimestamp"] == sign(
            call.query["unixTimestamp"], simulator.client_secret
        )


def test_a_retried_usage_call_carries_fresh_signed_headers(simulator, make_client):
    simulator.inject("rate_limit", path_contains="/usage/", times=1, retry_after=10)

    make_client().get_usage()

    first, second = simulator.requests
    assert (first.status, second.status) == (429, 200)
    assert int(second.headers["X-AP-Timestamp"]) - int(first.headers["X-AP-Timestamp"]) >= 9
    assert second.headers["X-AP-Signature"] == sign(
        second.headers["X-AP-Timestamp"], simulator.client_secret
    )


def test_a_retry_after_longer_than_the_cap_is_cut_to_the_cap(simulator, make_client, sleeps):
    simulator.inject("rate_limit", path_contains="/usage/", times=1, retry_after=600)

    make_client(backoff_cap=5.0).get_usage()

    assert sleeps == [5.0]


def test_rate_limiting_on_every_attempt_gives_up_with_rate_limited(simulator, make_client, sleeps):
    simulator.inject("rate_limit", path_contains="/usage/", times=-1, retry_after=2)

    with pytest.raises(RateLimited) as raised:
        make_client(max_retries=3).get_usage()

    assert len(simulator.requests) == 4
    assert sleeps == [2.0, 2.0, 2.0]
    assert raised.value.endpoint == "usage"
    assert raised.value.retry_after == 2.0
    assert "usage" in str(raised.value) and "4 attempts" in str(raised.value)


def test_server_errors_are_retried_with_growing_jittered_delays(simulator, make_client, sleeps):
    test_attempt_id = simulator.dataset.listing()[7]
    simulator.inject("server_error", path_contains="/test-attempts/", times=3, status=503)

    attempt = make_client(backoff_base=0.05).get_attempt(test_attempt_id)

    assert attempt.test_attempt_id == test_attempt_id
    assert [r.status for r in simulator.requests] == [503, 503, 503, 200]
    assert len(sleeps) == 3
    for number, delay in enumerate(sleeps):
        assert 0 <= delay <= 0.05 * 2**number


def test_server_errors_on_every_attempt_give_up_with_server_error(simulator, make_client, sleeps):
    simulator.inject("server_error", path_contains="/test-attempts/", times=-1, status=500)

    with pytest.raises(ServerError) as raised:
        make_client(max_retries=2).get_attempt(simulator.dataset.listing()[7])

    assert len(simulator.requests) == 3
    assert len(sleeps) == 2
    assert raised.value.status == 500
    assert raised.value.endpoint == "attempt"
    assert "500" in str(raised.value) and "3 attempts" in str(raised.value)


def test_an_html_gateway_error_is_retried_like_any_server_error(simulator, make_client):
    simulator.inject("malformed", path_contains="/usage/", times=1, status=502)

    usage = make_client().get_usage()

    assert usage.credits_used is not None
    assert [r.status for r in simulator.requests] == [502, 200]


def test_a_call_that_times_out_is_tried_again(simulator, make_client, sleeps):
    test_attempt_id = simulator.dataset.listing()[7]
    simulator.inject("slow", path_contains="/test-attempts/", times=1, delay=1.5)

    attempt = make_client(timeout=0.3).get_attempt(test_attempt_id)

    assert attempt.test_attempt_id == test_attempt_id
    assert len(sleeps) == 1


def test_timeouts_on_every_attempt_give_up_with_unreachable_naming_the_host(simulator, make_client):
    simulator.inject("slow", path_contains="/usage/", times=-1, delay=1.5)

    with pytest.raises(Unreachable) as raised:
        make_client(timeout=0.3, max_retries=1).get_usage()

    message = str(raised.value)
    assert simulator.base_url in message
    assert "no answer within 0.3 s" in message
    assert "2 attempts" in message
    assert raised.value.endpoint == "usage"


def test_a_dropped_connection_is_tried_again(simulator, make_client, sleeps):
    simulator.inject("drop", path_contains="/usage/", times=1)

    make_client().get_usage()

    assert [r.status for r in simulator.requests] == [None, 200]
    assert len(sleeps) == 1


def test_a_server_that_is_not_listening_is_unreachable(make_client, simulator, sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{closed_port}"

    with pytest.raises(Unreachable) as raised:
        list(make_client(base_url=base_url, max_retries=2).iter_result_pages())

    assert base_url in str(raised.value)
    assert "Connection refused" in str(raised.value)
    assert "AUTOPROCTOR_BASE_URL" in str(raised.value)
    assert len(sleeps) == 2


def test_an_evidence_file_cut_off_mid_answer_is_fetched_again(simulator, make_client):
    simulator.clock.advance(600)
    client = make_client()
    test_attempt_id = simulator.dataset.listing()[7]
    file_url = client.get_evidence_file_url(test_attempt_id)
    simulator.inject("partial_evidence", times=1, mode="short_read")

    bundle = client.get_evidence(file_url)

    sent = simulator.dataset.evidence_json(test_attempt_id)
    assert len(bundle.records) == len(sent["primary_device_evidence"]) + len(
        sent.get("aux_device_evidence", [])
    )


def test_not_found_is_not_retried(simulator, make_client, sleeps):
    with pytest.raises(NotFound):
        make_client().get_attempt("no-such-attempt")

    assert len(simulator.requests) == 1
    assert sleeps == []


def test_the_observer_sees_every_attempt_including_retries(simulator, make_client):
    exchanges: list[Exchange] = []
    simulator.inject("server_error", path_contains="/usage/", times=1, status=503)
    simulator.inject("drop", path_contains="/usage/", times=1)

    make_client(observer=exchanges.append).get_usage()

    assert [e.status for e in exchanges] == [503, None, 200]
    failed, dropped, answered = exchanges
    assert failed.method == "GET" and failed.url == f"{simulator.base_url}/api/v2/usage/"
    assert '"status":"error"' in failed.response_text
    assert failed.response_headers["Content-Type"] == "application/json"
    assert "X-AP-Signature" in failed.request_headers
    assert dropped.error and "closed the connection" in dropped.error
    assert answered.error is None and answered.elapsed_ms >= 0
    assert '"credits_used"' in answered.response_text


def test_the_observer_sees_the_presign_request_body(simulator, make_client):
    simulator.clock.advance(600)
    exchanges: list[Exchange] = []
    test_attempt_id = simulator.dataset.listing()[7]
    path = sorted(simulator.dataset.evidence_paths(test_attempt_id))[0]

    make_client(observer=exchanges.append).presign(test_attempt_id, [path])

    assert exchanges[0].method == "POST"
    assert exchanges[0].request_body == f'{{"paths": ["{path}"]}}'


def test_an_observer_that_fails_does_not_break_the_call(simulator, make_client):
    def broken_observer(exchange):
        raise RuntimeError("the console is down")

    usage = make_client(observer=broken_observer).get_usage()

    assert usage.credits_used is not None
