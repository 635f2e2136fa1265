"""The simulator as a running HTTP server: `Simulator` and the socket plumbing under it.

Standard library only: a `ThreadingHTTPServer` (one daemon thread per connection) speaking
HTTP/1.1 with a Content-Length on every response, so a `requests.Session` keeps its connection
alive across calls. `stop()` also closes idle keep-alive connections, so a stopped simulator is
really gone for its clients.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import socket
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from autoproctor.testing import faults
from autoproctor.testing.api import Api
from autoproctor.testing.clock import SimClock
from autoproctor.testing.dataset import Dataset
from autoproctor.testing.dialects import Dialect
from autoproctor.testing.messages import Request, Response, error_response
from autoproctor.testing.recording import RecordedRequest, RequestLog
from autoproctor.testing.replay import ReplayDialect

logger = logging.getLogger("autoproctor.testing")

DEFAULT_PRESIGN_PATH = "/api/v2/test-attempts/{test_attempt_id}/presigned-urls/"
DEFAULT_USAGE_HEADERS = ("X-AP-Client-Id", "X-AP-Timestamp", "X-AP-Signature")
# Listening on every interface: tell clients on this machine to use the loopback address.
LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def default_credentials(seed: int) -> tuple[str, str]:
    """(client id, client secret) that stay the same for a seed, so a demo's settings keep
    working across restarts. Demo credentials only: they open nothing but the simulator."""
    digest = hashlib.sha256(f"autoproctor-simulator:{seed}".encode()).digest()
    return f"sim-{digest[:4].hex()}", base64.urlsafe_b64encode(digest[4:28]).decode()


class Simulator:
    """A fake AutoProctor API on a loopback port; see the package docstring."""

    def __init__(
        self,
        attempts: int = 500,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        start_time: float | None = None,
        freeze_clock: bool = False,
        presign_path: str = DEFAULT_PRESIGN_PATH,
        usage_headers: tuple[str, str, str] = DEFAULT_USAGE_HEADERS,
        fault_rate: float = 0.0,
        fault_kinds: tuple[str, ...] = faults.BACKGROUND_KINDS,
        public_url: str | None = None,
        max_recorded: int | None = 10_000,
        dialects: tuple[str, ...] | list[str] | set[str] = (),
        latency_ms: float = 0.0,
        replay: str | dict | None = None,
    ):
        default_id, default_secret = default_credentials(seed)
        self.client_id = client_id or default_id
        self.client_secret = client_secret or default_secret
        self.seed = seed
        self.host, self.port = host, port
        self.presign_path = presign_path
        self.usage_headers = tuple(usage_headers)
        self.clock = SimClock(start_time, frozen=freeze_clock)
        self.clock_skew = 0.0
        # Every answer waits this long, as if AutoProctor were a network round trip away;
        # each connection's thread waits on its own, so concurrent calls overlap their waits.
        self.latency = max(0.0, latency_ms) / 1000
        self.dataset = Dataset(
            attempts=attempts, seed=seed, client_id=self.client_id, clock=self.clock
        )
        self.dialect = ReplayDialect(replay) if replay is not None else Dialect(dialects)
        self.faults = faults.FaultPlan(rate=fault_rate, kinds=fault_kinds, seed=seed)
        self.api = Api(
            dataset=self.dataset,
            client_id=self.client_id,
            client_secret=self.client_secret,
            presign_path=presign_path,
            usage_headers=self.usage_headers,
            data_clock=self.clock.now,
            signature_clock=self.signature_now,
            dialect=self.dialect,
        )
        self._log = RequestLog(max_recorded)
        self._public_url = public_url.rstrip("/") if public_url else None
        self._server: _Server | None = None
        self._started = False
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        # Requests being answered right now, and the most at once since clear_requests(): what
        # a test reads to see a client's calls overlap, without timing anything.
        self._in_flight = 0
        self.peak_in_flight = 0
        self._in_flight_lock = threading.Lock()

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> Simulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._started = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"autoproctor-simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("AutoProctor simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a "slow" fault
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._public_url:
            return self._public_url
        if not self._started:
            raise RuntimeError("The simulator has not been started: call start() first.")
        host = LOOPBACK_FOR.get(self.host, self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def __repr__(self) -> str:
        where = self.base_url if self._server else "stopped"
        return f"<Simulator {where} seed={self.seed} attempts={len(self.dataset.listing())}>"

    # --- what tests steer and inspect ----------------------------------------------------------
    def set_clock_skew(self, seconds: float) -> None:
        """Run the signature check and the Date header `seconds` ahead (negative: behind) of the
        data clock, as if the client's clock were that far off."""
        self.clock_skew = float(seconds)

    def signature_now(self) -> float:
        return self.clock.now() + self.clock_skew

    def inject(
        self, kind: str, path_contains: str = "", times: int = 1, **params: Any
    ) -> faults.Fault:
        return self.faults.inject(kind, path_contains, times, **params)

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()
        with self._in_flight_lock:
            self.peak_in_flight = self._in_flight

    def _entering(self) -> None:
        with self._in_flight_lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _leaving(self) -> None:
        with self._in_flight_lock:
            self._in_flight -= 1

    # --- serving -------------------------------------------------------------------------------
    def respond(self, request: Request) -> Response:
        is_evidence_json = self.api.is_evidence_json(request)
        fault = self.faults.take(request.target, is_evidence_json=is_evidence_json)
        if fault is None:
            return self._answer(request)
        return faults.commit(fault, lambda: self._answer(request), self._stopping.wait)

    def _answer(self, request: Request) -> Response:
        try:
            return self.api.handle(request)
        except Exception:
            logger.exception("The simulator failed on %s %s", request.method, request.target)
            return error_response(500, "The simulator failed; see its log.")

    def record(self, request: Request, status: int | None, peer: tuple = ()) -> None:
        self._log.record(request, status, self.clock.now(), peer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AutoProctorSimulator/1.0"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    # Headers and body leave in separate writes; without this, Nagle's algorithm and the
    # client's delayed ACK hold every answer on a kept-alive connection back by a delayed-ACK
    # timeout (benchmarks/README.md).
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        simulator: Simulator = self.server.simulator
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        request = Request(self.command, self.path, self.headers, body)
        simulator._entering()
        try:
            if simulator.latency:
                simulator._stopping.wait(simulator.latency)
            response = simulator.respond(request)
        finally:
            simulator._leaving()
        simulator.record(request, None if response.drop else response.status, self.client_address)
        if response.drop:
            self.close_connection = True
            return
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _write(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            length = response.declared_length or len(response.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            if response.declared_length is not None:
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its read timeout)

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(self.server.simulator.signature_now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        logger.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, simulator: Simulator):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: socket.socket, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_connections = list(self._connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: socket.socket, client_address: Any) -> None:
        logger.debug("Connection from %s ended with an error", client_address, exc_info=True)
