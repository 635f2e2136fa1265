"""A webhook receiver on a loopback port, for the notification tests: it checks each POST's
signature the way a receiving system would (HMAC-SHA256 of the body with the shared secret),
answers 401 to a bad one, and keeps what it accepted. It can be stopped and started again on
the same port, to play a receiver that goes down and comes back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret: str, *, port: int = 0):
        self.secret = secret
        self.port = port
        self.accepted: list[dict] = []
        self.refused = 0
        self.answer = 204
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/proctoring?token=path-secret"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                given = self.headers.get("X-Dashboard-Signature", "")
                if not hmac.compare_digest(given, f"sha256={expected}"):
                    receiver.refused += 1
                    self.send_response(401)
                elif receiver.answer >= 300:
                    self.send_response(receiver.answer)
                else:
                    receiver.accepted.append(
                        {"event_header": self.headers["X-Dashboard-Event"], **json.loads(body)}
                    )
                    self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.allow_reuse_address = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
