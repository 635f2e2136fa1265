"""Faults the simulator can be told to commit, for tests and benchmarks.

`Simulator.inject(kind, path_contains="", times=1, **params)` arms a fault for the next `times`
requests (-1: every one) whose raw request target (path and query, as sent) contains
`path_contains`. Armed faults are tried in the order they were injected; the first that matches
is used and counts down. The kinds and their parameters:

- `rate_limit`: 429 with a `Retry-After` header and a JSON error body. `retry_after` (1).
- `server_error`: a 5xx with a JSON error body. `status` (500; any 5xx), `message`.
- `slow`: the normal answer after `delay` seconds (2.0); longer than the client's read timeout,
  it makes the client time out (the simulator then finds the client gone and carries on).
- `malformed`: an HTML page (an nginx "502 Bad Gateway") instead of JSON. `status` (200), `body`,
  `content_type` (`text/html; charset=utf-8`; e.g. `image/svg+xml` for a file that is no photo).
- `wrong_shape`: valid JSON of the wrong shape (an object without the documented keys).
  `status` (200), `body` (any JSON-serialisable value).
- `partial_evidence`: matches only requests for an evidence JSON (the temporary URL), and
  damages the answer. `mode`: `"truncate"` (default: the JSON cut off mid-way, Content-Length
  consistent, so it fails to parse), `"missing_aux"` (valid JSON without
  `aux_device_evidence`) or `"short_read"` (Content-Length promises the whole body, half is
  sent, the connection closes: requests raises ChunkedEncodingError).
- `drop`: the connection is closed without an answer (requests raises ConnectionError).

A faulted request is recorded in `Simulator.requests` like any other, with the status sent
(None when dropped). A background rate (`Simulator(fault_rate=0.02)`) picks a fault for that
share of all requests from `fault_kinds` (default `BACKGROUND_KINDS`, the transient ones a
client should retry through: 429 with Retry-After 1, a 500/502/503, 0.5 s slow, dropped).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autoproctor.testing.messages import Response, error_response, json_response

KINDS = (
    "rate_limit",
    "server_error",
    "slow",
    "malformed",
    "wrong_shape",
    "partial_evidence",
    "drop",
)
PARAMS = {
    "rate_limit": {"retry_after"},
    "server_error": {"status", "message"},
    "slow": {"delay"},
    "malformed": {"status", "body", "content_type"},
    "wrong_shape": {"status", "body"},
    "partial_evidence": {"mode"},
    "drop": set(),
}
PARTIAL_MODES = ("truncate", "missing_aux", "short_read")
BACKGROUND_KINDS = ("rate_limit", "server_error", "slow", "drop")

GATEWAY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
WRONG_SHAPE = {"status": "success", "data": {"unexpected": "this is not the documented shape"}}


@dataclass
class Fault:
    """One armed fault. `remaining` counts down (-1: forever); `hits` counts what it answered."""

    kind: str
    path_contains: str = ""
    times: int = 1
    params: dict = field(default_factory=dict)
    hits: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; choose one of {', '.join(KINDS)}.")
        unknown = set(self.params) - PARAMS[self.kind]
        if unknown:
            allowed = ", ".join(sorted(PARAMS[self.kind])) or "none"
            raise ValueError(
                f"Fault {self.kind!r} takes no parameter {', '.join(sorted(unknown))}; "
                f"it takes: {allowed}."
            )
        status = self.params.get("status")
        if self.kind == "server_error" and status is not None and not 500 <= status <= 599:
            raise ValueError(f"A server_error needs a 5xx status, not {status}.")
        if self.kind == "partial_evidence" and self.params.get("mode", "truncate") not in (
            PARTIAL_MODES
        ):
            raise ValueError(f"partial_evidence mode must be one of {', '.join(PARTIAL_MODES)}.")
        if self.times == 0 or self.times < -1:
            raise ValueError("times must be a positive count, or -1 for every request.")
        self.remaining = self.times

    @property
    def spent(self) -> bool:
        return self.remaining == 0

    def matches(self, target: str, is_evidence_json: bool) -> bool:
        if self.kind == "partial_evidence" and not is_evidence_json:
            return False
        return self.path_contains in target


class FaultPlan:
    """The armed faults, plus an optional background rate; safe to use from many threads."""

    def __init__(self, *, rate: float = 0.0, kinds=BACKGROUND_KINDS, seed: int = 0):
        if not 0.0 <= rate <= 1.0:
            raise ValueError("The fault rate is a fraction between 0 and 1.")
        for kind in kinds:
            Fault(kind)  # validates the name
        self.rate = rate
        self.kinds = tuple(kinds)
        self._random = random.Random(seed)
        self._armed: list[Fault] = []
        self._lock = threading.Lock()

    def inject(self, kind: str, path_contains: str = "", times: int = 1, **params: Any) -> Fault:
        fault = Fault(kind, path_contains, times, params)
        with self._lock:
            self._armed.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, target: str, *, is_evidence_json: bool) -> Fault | None:
        """The fault to commit on this request, if any (counting it down)."""
        with self._lock:
            for fault in self._armed:
                if fault.matches(target, is_evidence_json):
                    fault.hits += 1
                    if fault.remaining > 0:
                        fault.remaining -= 1
                    if fault.spent:
                        self._armed.remove(fault)
                    return fault
            if self.rate and self._random.random() < self.rate:
                kind = self._random.choice(self.kinds)
                params = {"delay": 0.5} if kind == "slow" else {}
                if kind == "server_error":
                    params["status"] = self._random.choice((500, 502, 503))
                return Fault(kind, params=params, hits=1)
        return None


def commit(fault: Fault, answer: Callable[[], Response], wait: Callable[[float], bool]) -> Response:
    """The response a fault makes of a request. `answer()` is the normal response; `wait(s)`
    sleeps up to s seconds and returns True if the simulator is stopping meanwhile."""
    params = fault.params
    if fault.kind == "rate_limit":
        retry_after = str(params.get("retry_after", 1))
        return error_response(
            429, f"Too many requests; retry after {retry_after} s.", {"Retry-After": retry_after}
        )
    if fault.kind == "server_error":
        status = params.get("status", 500)
        return error_response(status, params.get("message") or f"Server error ({status}).")
    if fault.kind == "slow":
        if wait(float(params.get("delay", 2.0))):
            return Response(0, drop=True)
        return answer()
    if fault.kind == "malformed":
        body = params.get("body", GATEWAY_PAGE)
        return Response(
            params.get("status", 200),
            body.encode() if isinstance(body, str) else body,
            content_type=params.get("content_type", "text/html; charset=utf-8"),
        )
    if fault.kind == "wrong_shape":
        return json_response(params.get("body", WRONG_SHAPE), params.get("status", 200))
    if fault.kind == "partial_evidence":
        return _damage_evidence(answer(), params.get("mode", "truncate"))
    return Response(0, drop=True)


def _damage_evidence(response: Response, mode: str) -> Response:
    if response.status != 200:
        return response
    if mode == "missing_aux":
        evidence = json.loads(response.body)
        evidence.pop("aux_device_evidence", None)
        return json_response(evidence)
    half = response.body[: len(response.body) // 2]
    if mode == "short_read":
        response.declared_length = len(response.body)
    response.body = half
    return response
