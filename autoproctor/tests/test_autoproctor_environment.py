"""The client still follows the proxy settings of its environment, which it reads once per
host rather than on every call (a deployment behind an outgoing proxy depends on them)."""

import pytest

from autoproctor import Unreachable

# Nothing listens on the discard port: a call sent to this proxy cannot get through.
DEAD_PROXY = "http://127.0.0.1:9"


@pytest.fixture
def proxy_environment(monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    return monkeypatch


def test_calls_go_through_the_proxy_the_environment_names(
    simulator, make_client, proxy_environment
):
    with pytest.raises(Unreachable):
        make_client(max_retries=0).get_usage()

    assert simulator.requests == []


def test_a_host_listed_in_no_proxy_is_called_directly(simulator, make_client, proxy_environment):
    proxy_environment.setenv("NO_PROXY", "127.0.0.1")

    client = make_client(max_retries=0)
    client.get_usage()
    client.get_usage()

    assert [request.path for request in simulator.requests] == ["/api/v2/usage/"] * 2
