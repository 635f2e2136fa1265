"""A request as the simulator received it and the response it will send: plain values, so the
endpoints (api.py) and the faults (faults.py) never touch sockets."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# The refusals whose answer differs between accounts, each made on purpose by the doctor when
# it records an account's shapes (autoproctor/recording.py).
BAD_SIGNATURE = "bad signature"
STALE_TIMESTAMP = "stale timestamp"
UNKNOWN_ATTEMPT = "unknown attempt"
REASONS = (BAD_SIGNATURE, STALE_TIMESTAMP, UNKNOWN_ATTEMPT)


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the request target exactly as sent: raw path and query
    headers: Mapping[str, str]  # case-insensitive (http.client.HTTPMessage)
    body: bytes = b""

    @property
    def path(self) -> str:
        """The raw path, still percent-encoded: a `%2F` inside an id is not a separator."""
        return self.target.partition("?")[0]

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        # Decoded like any web framework does: `+` becomes a space, so a signature whose `+`
        # was not percent-encoded no longer matches.
        return parse_qsl(self.target.partition("?")[2], keep_blank_values=True)

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, decoded; the first value of a repeated one."""
        params: dict[str, str] = {}
        for name, value in self.query_pairs:
            params.setdefault(name, value)
        return params

    @property
    def origin(self) -> str:
        """scheme://host:port the client used (from the Host header), for absolute URLs."""
        return f"http://{self.headers.get('Host') or 'localhost'}"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None  # a Content-Length larger than the body: a short read
    drop: bool = False  # close the connection without answering
    # Why a refusal was made (one of REASONS, or ""), so a dialect or a replay can answer
    # each kind of refusal the way the account it imitates does.
    reason: str = ""


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, headers=headers or {})


def error_response(
    status: int, message: str, headers: dict | None = None, reason: str = ""
) -> Response:
    response = json_response({"status": "error", "message": message}, status, headers)
    response.reason = reason
    return response
