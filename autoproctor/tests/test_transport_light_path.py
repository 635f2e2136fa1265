"""The transport's light path (Transport._request): a plain GET on our own session goes as a
prepared request straight to the session's urllib3 adapter, not through Session.request. One
kept-alive connection serves many calls, the answer and the errors are requests' own, and a
proxy from the environment sends the call through requests as before."""

import os
import socket
import time

import pytest
import requests

from autoproctor.errors import Unreachable


@pytest.fixture
def full_path_calls(monkeypatch) -> list[str]:
    """The URLs that went through Session.request (still sent: this only counts them)."""
    calls = []
    request = requests.Session.request

    def counted(self, method, url, *args, **kwargs):
        calls.append(url)
        return request(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counted)
    return calls


@pytest.fixture
def no_proxy_in_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def processed_ids(simulator) -> list[str]:
    return [i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processed"]


def test_many_plain_gets_take_the_light_path_over_one_connection(
    simulator, make_client, full_path_calls, no_proxy_in_environment
):
    client = make_client()
    simulator.clear_requests()
    bundles = [
        client.get_evidence(client.get_evidence_file_url(attempt_id))
        for attempt_id in processed_ids(simulator)[:5]
    ]

    assert all(bundle.records for bundle in bundles)
    assert full_path_calls == []
    # Ten calls, signed and unsigned, all answered, over one connection (one client port).
    assert [r.status for r in simulator.requests] == [200] * 10
    assert len({r.peer for r in simulator.requests}) == 1


def test_a_light_answer_is_the_one_the_full_path_returns(
    simulator, make_client, full_path_calls, no_proxy_in_environment
):
    transport = make_client()._transport
    url = make_client().get_evidence_file_url(processed_ids(simulator)[0])
    simulator.clear_requests()

    light = transport._request("GET", url, {"X-Extra": "1"}, None, False)
    assert full_path_calls == []
    full = transport.session.request(
        "GET", url, headers={"X-Extra": "1"}, timeout=transport.timeout, allow_redirects=False
    )

    assert (light.status_code, light.url, light.content, light.encoding) == (
        full.status_code,
        full.url,
        full.content,
        full.encoding,
    )
    assert {**light.headers, "Date": ""} == {**full.headers, "Date": ""}
    sent_light, sent_full = simulator.requests
    assert sent_light.target == sent_full.target
    assert dict(sent_light.headers) == dict(sent_full.headers)


def test_a_proxy_in_the_environment_sends_the_call_the_full_way(
    simulator, make_client, full_path_calls, no_proxy_in_environment, monkeypatch
):
    with socket.socket() as closed:  # a port nothing listens on: the proxy is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    client = make_client(max_retries=0)
    simulator.clear_requests()

    with pytest.raises(Unreachable):
        client.get_usage()

    assert len(full_path_calls) == 1
    assert simulator.requests == []  # it went to the proxy, not straight to the server


def test_a_timeout_on_the_light_path_raises_what_the_full_path_raised(
    simulator, make_client, full_path_calls, no_proxy_in_environment
):
    simulator.inject("slow", path_contains="/usage/", times=-1, delay=1.5)

    with pytest.raises(Unreachable) as raised:
        make_client(timeout=0.3, max_retries=1).get_usage()

    assert full_path_calls == []
    assert "no answer within 0.3 s" in str(raised.value)
    assert "2 attempts" in str(raised.value)
    deadline = time.monotonic() + 5  # a slow answer is recorded once it has been sent
    while len(simulator.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert len(simulator.requests) == 2  # ours: urllib3 retried nothing behind our back


def test_the_light_path_sends_the_sessions_cookies(
    simulator, make_client, full_path_calls, no_proxy_in_environment
):
    client = make_client()
    client._transport.session.cookies.set("route", "b", domain="127.0.0.1", path="/")
    simulator.clear_requests()

    client.get_usage()

    assert full_path_calls == []
    assert simulator.requests[0].headers["Cookie"] == "route=b"


def test_plain_http_does_not_look_up_the_ca_bundle_on_every_call(
    simulator, make_client, no_proxy_in_environment, monkeypatch, tmp_path
):
    """The bundle only matters to TLS; requests checks whether it is a directory per call."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path))
    looked_up = []
    isdir = os.path.isdir

    def counted(path):
        looked_up.append(path)
        return isdir(path)

    monkeypatch.setattr(os.path, "isdir", counted)
    client = make_client()
    bundle = client.get_evidence(client.get_evidence_file_url(processed_ids(simulator)[0]))

    assert bundle.records
    assert str(tmp_path) not in looked_up
