"""A webhook receiver on a loopback port, for the notification tests: it checks each POST's
signature the way a receiving system would (HMAC-SHA256 of the timestamp and the body with the
shared secret), answers 401 to a bad or stale one, and keeps what it accepted. It can be
stopped and started again on the same port, to play a receiver that goes down and comes back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 300


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

    def signed(self, header: str, body: bytes) -> bool:
        """The check docs/ asks of a receiver: `t=<unix>,v1=<hex>`, the HMAC of "<t>." and
        the body, and `t` within five minutes of now (a replayed delivery is refused)."""
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(fields["t"])
        except (KeyError, ValueError):
            return False
        signed = f"{timestamp}.".encode() + body
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        fresh = abs(time.time() - timestamp) <= REPLAY_WINDOW_SECONDS
        return fresh and hmac.compare_digest(fields.get("v1", ""), expected)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.signed(self.headers.get("X-Dashboard-Signature", ""), body):
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
