"""One webhook POST within a total deadline, its answer read up to a size limit.

requests' timeout bounds each wait for a byte, not the whole exchange: a receiver that
trickles its answer a byte at a time held a delivery for 26 s with a 5 s timeout, longer than
the delivery's claim, so a retry could send the event again meanwhile. Here a timer shuts the
connection's sockets down when the deadline passes, whatever the request is waiting for
(connecting, the status line, the headers, the body); and the body, which nothing needs
beyond its first bytes, is read up to MAX_ANSWER_BYTES, then the connection is dropped.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_ANSWER_BYTES = 64 * 1024

_watched = threading.local()


class OutOfTime(Exception):
    """The receiver did not answer within the delivery's deadline."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class _Watched:
    """A connection whose socket the current delivery's deadline can shut down."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        sockets = getattr(_watched, "sockets", None)
        if sockets is not None:
            sockets.append(self.sock)  # type: ignore[attr-defined]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def _shut(sockets: list[socket.socket]) -> None:
    for sock in list(sockets):
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def post_within(url: str, *, data: bytes, headers: dict[str, str], seconds: float) -> Answer:
    """POST `data` to `url` and return the answer, all within `seconds`: OutOfTime when the
    deadline passes first, requests' errors when the connection fails."""
    sockets: list[socket.socket] = []
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _shut(sockets)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    _watched.sockets = sockets
    timer.start()
    try:
        with requests.Session() as session:
            session.mount("http://", _WatchedAdapter())
            session.mount("https://", _WatchedAdapter())
            with session.post(
                url,
                data=data,
                headers=headers,
                timeout=seconds,
                allow_redirects=False,
                stream=True,
            ) as response:
                body = b""
                for chunk in response.iter_content(8192):
                    body += chunk
                    if len(body) >= MAX_ANSWER_BYTES:
                        break
        if expired.is_set():
            raise OutOfTime
        return Answer(response.status_code, body[:MAX_ANSWER_BYTES])
    except requests.RequestException:
        if expired.is_set():
            raise OutOfTime from None
        raise
    finally:
        timer.cancel()
        _watched.sockets = None
        _shut(sockets)
