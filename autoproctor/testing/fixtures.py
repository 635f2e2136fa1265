"""A pytest plugin: running AutoProctor API simulators on free loopback ports, for the tests of
this package and of any project that calls AutoProctor (`pytest_plugins =
["autoproctor.testing.fixtures"]`).

`simulator` is a 30-attempt simulator (seed 7). Its clock is frozen at the real time it started:
the data changes only when a test calls `simulator.clock.advance()`, however slowly the test
runs (a client signing with the real clock stays inside the 60-second window for the first
minute of the test). `make_simulator(**kwargs)` starts more, with any `Simulator` option
(attempts, seed, start_time, fault_rate, ...). Each one started is handed to the
`simulator_started` fixture's function, unless `point_settings=False`: a project overrides that
fixture to point its own configuration at the simulator (the dashboard's tests point the
AUTOPROCTOR_* settings at the last one made). Every simulator a test started is stopped after it.
`signed` gives hand-signed raw calls to `simulator` (`SignedCalls`), for tests of the wire.
`make_client` and `api_client` (client_fixtures.py) build clients of a simulator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
import requests

from autoproctor.testing import DEFAULT_PRESIGN_PATH, DEFAULT_USAGE_HEADERS, Simulator
from autoproctor.testing.client_fixtures import api_client, make_client, sleeps

# The fixtures of client_fixtures.py are this plugin's too.
__all__ = [
    "SignedCalls",
    "api_client",
    "make_client",
    "make_simulator",
    "signed",
    "simulator",
    "simulator_started",
    "sleeps",
]

DEFAULT_ATTEMPTS = 30
DEFAULT_SEED = 7


@pytest.fixture
def simulator_started() -> Callable[[Simulator], None]:
    """Called with each simulator `make_simulator` starts (unless `point_settings=False`); this
    one does nothing. Override it to point a project's configuration at the simulator."""
    return lambda simulator: None


@pytest.fixture
def make_simulator(simulator_started):
    started: list[Simulator] = []

    def make(*, point_settings: bool = True, **kwargs) -> Simulator:
        kwargs.setdefault("attempts", DEFAULT_ATTEMPTS)
        kwargs.setdefault("seed", DEFAULT_SEED)
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", 0)
        kwargs.setdefault("freeze_clock", True)
        simulator = Simulator(**kwargs).start()
        started.append(simulator)
        if point_settings:
            simulator_started(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


@pytest.fixture
def simulator(make_simulator) -> Simulator:
    return make_simulator()


class SignedCalls:
    """Hand-signed HTTP calls to a simulator, for tests of the wire itself.

    Product code talks through autoproctor; this is deliberately the bare protocol
    (hmac + base64 + requests), so the simulator's tests do not depend on the client.
    """

    def __init__(self, simulator: Simulator, *, secret: str | None = None, clock=None):
        self.simulator = simulator
        self.secret = secret or simulator.client_secret
        self.clock = clock or simulator.clock.now
        self.session = requests.Session()

    @classmethod
    def to(cls, base_url: str, client_id: str, secret: str) -> SignedCalls:
        """Calls to a simulator running elsewhere (e.g. another process), on the real clock."""
        target = SimpleNamespace(
            base_url=base_url,
            client_id=client_id,
            presign_path=DEFAULT_PRESIGN_PATH,
            usage_headers=DEFAULT_USAGE_HEADERS,
        )
        return cls(target, secret=secret, clock=time.time)

    def sign(self, message: str) -> str:
        digest = hmac.new(self.secret.encode(), message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def url(self, path: str, **params) -> str:
        query = urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)
        return f"{self.simulator.base_url}{path}" + (f"?{query}" if query else "")

    def results(self, *, page=None, lookup_key=None, timestamp=None, **kwargs):
        timestamp = str(int(self.clock())) if timestamp is None else str(timestamp)
        client_id = quote(self.simulator.client_id, safe="")
        url = self.url(
            f"/api/v2/tenants/{client_id}/results/",
            unixTimestamp=timestamp,
            hashedUnixTimestamp=self.sign(timestamp),
            page=page,
            lookupKey=lookup_key,
        )
        return self.session.get(url, **kwargs)

    def attempt_by_hash(self, test_attempt_id: str, **kwargs):
        hashed = quote(self.sign(test_attempt_id), safe="")
        url = self.url(f"/api/v2/test-attempts/{hashed}/", clientId=self.simulator.client_id)
        return self.session.get(url, **kwargs)

    def attempt_by_id(self, test_attempt_id: str, **kwargs):
        url = self.url(
            f"/api/v2/test-attempts/{quote(test_attempt_id, safe='')}/",
            client_id=self.simulator.client_id,
            hashed_test_attempt_id=self.sign(test_attempt_id),
        )
        return self.session.get(url, **kwargs)

    def evidence_file_url(self, test_attempt_id: str, **kwargs):
        url = self.url(
            f"/api/v2/test-attempts/{quote(test_attempt_id, safe='')}/evidence-records-file-url/",
            clientId=self.simulator.client_id,
            hashed_test_attempt_id=self.sign(test_attempt_id),
        )
        return self.session.get(url, **kwargs)

    def evidence(self, test_attempt_id: str) -> dict:
        """The evidence JSON, fetched the documented way (file URL, then a plain GET)."""
        response = self.evidence_file_url(test_attempt_id)
        response.raise_for_status()
        fetched = self.session.get(response.json()["all_evidence_records_file_url"])
        fetched.raise_for_status()
        return fetched.json()

    def presign(self, test_attempt_id: str, paths, **kwargs):
        path = self.simulator.presign_path.format(test_attempt_id=quote(test_attempt_id, safe=""))
        url = self.url(
            path,
            clientId=self.simulator.client_id,
            hashed_test_attempt_id=self.sign(test_attempt_id),
        )
        return self.session.post(url, json={"paths": paths}, **kwargs)

    def usage(self, *, timestamp=None, **kwargs):
        timestamp = str(int(self.clock())) if timestamp is None else str(timestamp)
        client_header, timestamp_header, signature_header = self.simulator.usage_headers
        headers = {
            client_header: self.simulator.client_id,
            timestamp_header: timestamp,
            signature_header: self.sign(timestamp),
        }
        return self.session.get(self.url("/api/v2/usage/"), headers=headers, **kwargs)


@pytest.fixture
def signed(simulator) -> SignedCalls:
    """Hand-signed calls to the `simulator` fixture."""
    calls = SignedCalls(simulator)
    yield calls
    calls.session.close()
