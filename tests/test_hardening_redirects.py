"""Redirects: a signed request is never sent on to another address, and an unsigned download
follows a redirect only within the storage host AutoProctor gave, each hop shown."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from autoproctor import AutoProctorClient, RequestRejected


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that answers by a table of path -> (status, headers, body) and
    records every request it receives."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.received: list[tuple[str, dict[str, str]]] = []

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.received.append((self.path, dict(self.headers)))
        path = self.path.split("?")[0]
        status, headers, body = self.server.answers.get(path, (200, {}, b"{}"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    started = [Recorder(), Recorder()]
    for server in started:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield started[0], started[1]
    for server in started:
        server.shutdown()
        server.server_close()


def client(base_url: str, exchanges: list) -> AutoProctorClient:
    return AutoProctorClient(
        base_url=base_url,
        client_id="client",
        client_secret="the-secret",
        max_retries=0,
        observer=exchanges.append,
    )


def redirect_everything(server: Recorder, to: str) -> None:
    class Everything(dict):
        def get(self, path, default=None):
            return (302, {"Location": to + path}, b"")

    server.answers = Everything()


@pytest.mark.parametrize(
    "call",
    [
        lambda api: list(api.iter_result_pages()),
        lambda api: api.get_attempt("attempt-1"),
        lambda api: api.get_evidence_file_url("attempt-1"),
        lambda api: api.presign("attempt-1", ["a/b.png"]),
        lambda api: api.get_usage(),
    ],
    ids=["results", "attempt", "evidence file URL", "presign", "usage"],
)
def test_a_signed_call_never_follows_a_redirect(servers, call):
    api_host, elsewhere = servers
    redirect_everything(api_host, elsewhere.origin)
    exchanges = []

    with pytest.raises(RequestRejected, match="redirect") as raised:
        call(client(api_host.origin, exchanges))

    assert elsewhere.received == []
    assert "AUTOPROCTOR_BASE_URL" in str(raised.value)
    assert [exchange.status for exchange in exchanges] == [302]


def test_a_download_redirected_to_another_host_is_not_followed(servers):
    storage, elsewhere = servers
    storage.answers["/evidence.json"] = (
        307,
        {"Location": elsewhere.origin + "/evidence.json"},
        b"",
    )
    exchanges = []

    with pytest.raises(RequestRejected, match="outside the storage host"):
        client(storage.origin, exchanges).get_evidence(storage.origin + "/evidence.json")

    assert elsewhere.received == []


def test_a_download_redirected_within_its_storage_host_is_followed_and_every_hop_is_shown(
    servers,
):
    storage, _ = servers
    storage.answers["/old.json"] = (302, {"Location": "/new.json?sig=1"}, b"")
    storage.answers["/new.json"] = (200, {}, b'{"primary_device_evidence": []}')
    exchanges = []

    bundle = client(storage.origin, exchanges).get_evidence(storage.origin + "/old.json")

    assert bundle.records == []
    assert [(exchange.url, exchange.status) for exchange in exchanges] == [
        (storage.origin + "/old.json", 302),
        (storage.origin + "/new.json?sig=1", 200),
    ]


def test_a_download_that_keeps_redirecting_stops(servers):
    storage, _ = servers
    storage.answers["/loop"] = (302, {"Location": "/loop"}, b"")

    with pytest.raises(RequestRejected, match="more than 5 times"):
        client(storage.origin, []).open_file(storage.origin + "/loop")

    assert len(storage.received) == 6
