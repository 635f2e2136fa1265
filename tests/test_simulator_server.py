"""The simulator as an HTTP server: what it records, how it speaks HTTP/1.1, how it stops."""

import json
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
import requests

from autoproctor.testing import Simulator
from autoproctor.testing.clock import SimClock


def test_every_request_is_recorded_as_it_came_over_the_wire(simulator, signed):
    test_attempt_id = next(i for i in simulator.dataset.attempts if "/" in i)
    path = sorted(simulator.dataset.evidence_paths(next(iter(simulator.dataset.attempts))))[:1]

    signed.presign(test_attempt_id, path)

    recorded = simulator.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == simulator.presign_path.format(
        test_attempt_id=quote(test_attempt_id, safe="")
    )
    assert recorded.query == {
        "clientId": simulator.client_id,
        "hashed_test_attempt_id": signed.sign(test_attempt_id),
    }
    assert "%2B" in recorded.target or "%2F" in recorded.target
    assert recorded.headers["content-type"] == "application/json"
    assert json.loads(recorded.body) == {"paths": path}
    assert recorded.status == 200
    assert recorded.at == pytest.approx(simulator.clock.now(), abs=5)


def test_the_record_never_holds_the_client_secret(simulator, signed):
    signed.results()
    signed.usage()
    signed.attempt_by_hash(next(iter(simulator.dataset.attempts)))

    assert simulator.client_secret not in repr(simulator.requests)
    assert simulator.client_secret not in repr(simulator)


def test_clearing_the_record_forgets_earlier_requests(simulator, signed):
    signed.results()
    simulator.clear_requests()
    signed.usage()

    assert [r.path for r in simulator.requests] == ["/api/v2/usage/"]


def test_a_session_keeps_one_connection_alive_across_requests(simulator, signed):
    for _ in range(5):
        response = signed.results()
        assert response.raw.version == 11
        assert "close" not in response.headers.get("Connection", "")

    assert len({recorded.peer for recorded in simulator.requests}) == 1


def test_every_response_has_a_date_and_a_content_length(simulator, signed):
    responses = [
        signed.results(),
        signed.usage(),
        signed.attempt_by_id("nobody"),
        signed.session.get(f"{simulator.base_url}/nowhere/"),
    ]

    for response in responses:
        assert int(response.headers["Content-Length"]) == len(response.content)
        sent = parsedate_to_datetime(response.headers["Date"]).timestamp()
        assert sent == pytest.approx(simulator.clock.now(), abs=2)


def test_unknown_paths_and_wrong_methods_get_json_errors(simulator, signed):
    missing = signed.session.get(f"{simulator.base_url}/api/v2/usage")  # no trailing slash
    wrong_method = signed.session.delete(f"{simulator.base_url}/api/v2/usage/")

    assert missing.status_code == 404
    assert "slash" in missing.json()["message"]
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "GET"
    assert wrong_method.json()["status"] == "error"


def test_stopping_closes_connections_a_client_kept_alive(make_simulator):
    simulator = make_simulator()
    session = requests.Session()
    assert session.get(f"{simulator.base_url}/api/v2/usage/").status_code == 403

    simulator.stop()

    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{simulator.base_url}/api/v2/usage/", timeout=2)


def test_stopping_wakes_a_request_held_by_a_slow_fault(make_simulator):
    simulator = make_simulator()
    simulator.inject("slow", delay=60)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{simulator.base_url}/api/v2/usage/", timeout=(2, 0.2))

    simulator.stop()  # returns at once instead of after a minute

    assert simulator.requests[-1].status is None


def test_a_simulator_works_as_a_context_manager_on_a_free_port():
    with Simulator(attempts=5, seed=1) as first, Simulator(attempts=5, seed=1) as second:
        assert first.base_url != second.base_url
        assert requests.get(f"{first.base_url}/api/v2/usage/", timeout=2).status_code == 403

    with pytest.raises(RuntimeError, match="start"):
        _ = Simulator(attempts=1).base_url


def test_the_fixture_points_the_settings_at_the_simulator(simulator, settings):
    assert simulator.base_url == settings.AUTOPROCTOR_BASE_URL
    assert simulator.client_id == settings.AUTOPROCTOR_CLIENT_ID
    assert simulator.client_secret == settings.AUTOPROCTOR_CLIENT_SECRET
    assert simulator.presign_path == settings.AUTOPROCTOR_PRESIGN_PATH
    assert list(simulator.usage_headers) == settings.AUTOPROCTOR_USAGE_HEADERS


def test_a_running_clock_follows_real_time_and_a_frozen_one_only_advance():
    real = [1000.0]
    running = SimClock(start=5000.0, source=lambda: real[0])
    frozen = SimClock(start=5000.0, frozen=True, source=lambda: real[0])

    real[0] += 30
    running.advance(10)
    frozen.advance(10)

    assert (running.now(), frozen.now()) == (5040.0, 5010.0)
    assert running.started_at == frozen.started_at == 5000.0


def test_the_fixture_simulator_has_a_frozen_clock_that_moves_its_data_when_advanced(simulator):
    assert simulator.clock.frozen
    before = simulator.dataset.attempts

    simulator.clock.advance(4 * 3600)

    assert simulator.dataset.attempts != before
