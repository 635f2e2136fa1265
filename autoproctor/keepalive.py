"""Plain GETs over kept-alive connections, without requests' and urllib3's machinery per call.

Why: the evidence pass makes three GETs per attempt, and requests (merging the session's
settings, re-encoding the URL character by character, its adapter and urllib3's pool and
response wrappers around the standard library's http.client) cost about three times what
http.client alone does per call (0.6 ms against 0.2 ms of CPU, benchmarks/HISTORY.md). The
transport sends a GET here when nothing of requests is needed: its own session, a URL that
needs no encoding, no proxy, the answer read whole (not streamed). What goes over the wire is
what requests would send (the session's headers and the call's); the answer comes back as a
`requests.Response`, and a failure as the exception requests would raise (ConnectionError,
ConnectTimeout, ReadTimeout, ChunkedEncodingError), so the transport treats both the same.

Connections are kept per host, one per request in flight, up to `keep` idle; a kept
connection the server has closed meanwhile is not used again. gzip and deflate answers are
decoded as requests would.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import zlib
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.util.wait import wait_for_read


class Connections:
    def __init__(self, timeout: tuple[float, float], keep: int = 16):
        self.connect_timeout, self.read_timeout = timeout
        self.keep = keep
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}

    def get(self, url: str, headers: dict[str, str], verify) -> requests.Response:
        parts = urlsplit(url)
        scheme = parts.scheme
        key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {**headers, "Accept-Encoding": "gzip, deflate"}  # the two decoded here
        connection = self._take(key) or self._connect(key, verify)
        answer, body = self._exchange(connection, target, headers)
        if answer.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        return _response(url, answer, body)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, key) -> http.client.HTTPConnection | None:
        """A kept connection, unless the server closed it meanwhile (its socket readable while
        idle: the end of the stream), as urllib3 checks before reusing one."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None or not wait_for_read(connection.sock, timeout=0.0):
                return connection
            connection.close()

    def _give_back(self, key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.keep:
                idle.append(connection)
                return
        connection.close()

    def _connect(self, key, verify) -> http.client.HTTPConnection:
        scheme, host, port = key
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=self.connect_timeout, context=self._context(verify)
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
        try:
            connection.connect()
        except TimeoutError as error:
            connection.close()
            raise requests.ConnectTimeout(str(error)) from None
        except OSError as error:
            connection.close()
            raise _connection_error(error) from None
        connection.sock.settimeout(self.read_timeout)
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _context(self, verify) -> ssl.SSLContext:
        """Certificates checked against what requests would use: the bundle `verify` names,
        else certifi's."""
        name = verify if isinstance(verify, str) else ""
        context = self._contexts.get(name)
        if context is None:
            if not name:
                context = ssl.create_default_context(cafile=requests.certs.where())
            elif os.path.isdir(name):
                context = ssl.create_default_context(capath=name)
            else:
                context = ssl.create_default_context(cafile=name)
            self._contexts[name] = context
        return context

    @staticmethod
    def _exchange(connection, target: str, headers: dict[str, str]):
        try:
            connection.request("GET", target, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except TimeoutError as error:
            connection.close()
            raise requests.ReadTimeout(str(error)) from None
        except http.client.IncompleteRead as error:
            connection.close()
            raise requests.exceptions.ChunkedEncodingError(repr(error)) from None
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise _connection_error(error) from None
        return answer, body


def _connection_error(error: BaseException) -> requests.ConnectionError:
    """As requests words it: the errno when there is one (see transport.ERRNO_TEXT)."""
    if getattr(error, "errno", None):
        return requests.ConnectionError(str(error))
    return requests.ConnectionError(f"('Connection aborted.', {type(error).__name__}({error}))")


def _response(url: str, answer: http.client.HTTPResponse, body: bytes) -> requests.Response:
    headers: CaseInsensitiveDict = CaseInsensitiveDict()
    for name, value in answer.getheaders():  # repeated headers joined, as urllib3 does
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    coding = headers.get("Content-Encoding", "").strip().lower()
    try:
        if coding == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
    except zlib.error as error:
        raise requests.exceptions.ContentDecodingError(str(error)) from None
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason
    response.headers = headers
    response.url = url
    response.encoding = get_encoding_from_headers(headers)
    response._content = body
    response._content_consumed = True
    return response
