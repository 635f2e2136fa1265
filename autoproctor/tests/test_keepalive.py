"""Plain GETs over kept-alive connections (autoproctor.keepalive): one connection serves many
calls, and the answers are what requests would return."""

import http.client

import requests


def processed_ids(simulator) -> list[str]:
    return [i for i, a in simulator.dataset.attempts.items() if a["evidence_status"] == "processed"]


def test_many_plain_gets_share_one_kept_alive_connection(simulator, make_client, monkeypatch):
    opened = []
    connect = http.client.HTTPConnection.connect

    def counted(self):
        opened.append(self.host)
        return connect(self)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", counted)
    client = make_client()
    bundles = [
        client.get_evidence(client.get_evidence_file_url(attempt_id))
        for attempt_id in processed_ids(simulator)[:5]
    ]

    assert all(bundle.records for bundle in bundles)
    assert len(opened) == 1  # ten calls, one connection (requests' own would not count here)
    client.close()


def test_an_answer_is_the_one_requests_returns(simulator, make_client):
    client = make_client()
    url = client.get_evidence_file_url(processed_ids(simulator)[0])
    kept = client._transport.connections.get(url, {"Accept": "application/json"}, True)
    plain = requests.get(url, headers={"Accept": "application/json"}, timeout=10)

    assert (kept.status_code, kept.json(), kept.encoding) == (
        plain.status_code,
        plain.json(),
        plain.encoding,
    )
    assert kept.headers["Content-Type"] == plain.headers["Content-Type"]
    client.close()
