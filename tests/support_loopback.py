"""A loopback HTTP server that sends exactly the answer a test asks for, so the client's readers
(autoproctor/answers.py, redirects.py) can be tested against real HTTP answers, one
call each, without a simulator or a database.

`answer(status, body, headers)` serves that answer once on a path of its own and returns the
`requests.Response` a GET of it gave. Only the headers asked for are sent (and Content-Length):
no Date or Server of the server's own, so a test controls the Date header a clock check reads.
"""

from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class Loopback(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self._paths = itertools.count(1)
        self.session = requests.Session()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def serve(self, status: int, body: bytes | str = b"", headers: dict | None = None) -> str:
        """Serve this answer at a new path; return its URL."""
        path = f"/answer-{next(self._paths)}"
        content = body.encode() if isinstance(body, str) else body
        self.answers[path] = (status, dict(headers or {}), content)
        return self.origin + path

    def answer(
        self, status: int, body: bytes | str = b"", headers: dict | None = None
    ) -> requests.Response:
        """The response a plain GET (redirects not followed) receives for this answer."""
        return self.session.get(self.serve(status, body, headers), allow_redirects=False)

    def start(self) -> Loopback:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.session.close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        status, headers, body = self.server.answers.get(self.path, (404, {}, b""))
        self.send_response_only(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
