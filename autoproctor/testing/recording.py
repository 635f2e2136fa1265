"""What went over the wire: every request the simulator received, for tests to assert on."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from requests.structures import CaseInsensitiveDict

from autoproctor.testing.messages import Request


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # raw, as received: still percent-encoded
    query: dict[str, str]  # decoded; the first value of a repeated parameter
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    status: int | None  # the status sent; None when the connection was dropped unanswered
    target: str  # the raw request target: path and query exactly as sent
    at: float  # simulator time of arrival
    peer: tuple = ()  # the client's (address, port): one port per kept-alive connection


class RequestLog:
    """A thread-safe record of the last `limit` requests (None: all of them)."""

    def __init__(self, limit: int | None = 10_000):
        self._entries: deque[RecordedRequest] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def record(self, request: Request, status: int | None, at: float, peer: tuple = ()) -> None:
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=CaseInsensitiveDict(request.headers.items()),
            body=request.body,
            status=status,
            target=request.target,
            at=at,
            peer=peer,
        )
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
