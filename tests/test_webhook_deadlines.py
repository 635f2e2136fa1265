"""A webhook delivery ends within NOTIFY_WEBHOOK_TIMEOUT for the whole exchange, against real
receivers on loopback that answer too slowly: one trickling its answer a byte at a time (each
byte well within the timeout), one sending an endless body. The claim outlives that deadline,
so a retry cannot send the event while it is still under way; and every delivery is signed
with its time, so a receiver can refuse a replay."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.events import event_record
from notifications.models import WebhookDelivery
from notifications.webhooks import SIGNATURE_HEADER, claim_length, deliver, due_deliveries
from tests.webhook_receiver import REPLAY_WINDOW_SECONDS, Receiver

pytestmark = pytest.mark.django_db

SECRET = "shared-webhook-secret"


class SlowReceiver:
    """Reads the request, then answers with `answer` bytes, `pause` seconds before each chunk."""

    def __init__(self, answer: bytes, *, chunk: int, pause: float, repeat: bool = False):
        self.answer, self.chunk, self.pause, self.repeat = answer, chunk, pause, repeat
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            try:
                while True:
                    for start in range(0, len(self.answer), self.chunk):
                        time.sleep(self.pause)
                        connection.sendall(self.answer[start : start + self.chunk])
                        self.sent += len(self.answer[start : start + self.chunk])
                    if not self.repeat:
                        return
            except OSError:
                return  # the dashboard hung up

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def event_to(settings):
    def record(url: str) -> WebhookDelivery:
        settings.NOTIFY_WEBHOOK_URL = [url]
        settings.NOTIFY_WEBHOOK_SECRET = SECRET
        settings.NOTIFY_WEBHOOK_TIMEOUT = 1.0
        event_record(event="attempt.needs_review", data={"run": 1, "count": 1, "attempts": ["a"]})
        return WebhookDelivery.objects.get()

    return record


def test_a_receiver_trickling_its_answer_cannot_hold_a_delivery_past_the_timeout(event_to):
    headers = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"x" * 60 + b"\r\n"
    trickler = SlowReceiver(headers + b"Content-Length: 2\r\n\r\nok", chunk=1, pause=0.1)
    delivery = event_to(trickler.url)

    started = time.monotonic()
    done = deliver(delivery.pk)
    took = time.monotonic() - started
    trickler.close()

    assert took < 2.0, f"the delivery took {took:.1f} s with a 1 s timeout"
    assert (done.status, done.last_status_code) == ("pending", None)
    assert done.last_error == "No answer within 1 s (NOTIFY_WEBHOOK_TIMEOUT)"


def test_an_endless_answer_is_read_up_to_a_limit_and_the_delivery_counts(event_to):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    endless = SlowReceiver(head + b"y" * 65536, chunk=65536, pause=0.0, repeat=True)
    delivery = event_to(endless.url)

    started = time.monotonic()
    done = deliver(delivery.pk)
    took = time.monotonic() - started
    time.sleep(0.2)
    endless.close()

    assert took < 2.0
    assert (done.status, done.last_status_code) == ("delivered", 200)
    assert endless.sent < 64 * 1024 * 1024  # hung up on, not read to the end


def test_the_claim_outlives_the_longest_delivery(event_to, settings):
    """While a delivery may still be under way (its whole deadline), the retry sweep does not
    see it as due, so it is never sent twice at once."""
    delivery = event_to("http://127.0.0.1:9/not-sent")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=now + claim_length())

    deadline_passed = now + timedelta(seconds=settings.NOTIFY_WEBHOOK_TIMEOUT + 30)
    assert not due_deliveries(deadline_passed).filter(pk=delivery.pk).exists()
    assert due_deliveries(now + claim_length() + timedelta(seconds=1)).filter(pk=delivery.pk)


def test_the_signature_covers_the_time_and_the_body(event_to):
    headers_seen = {}
    receiver = Receiver(SECRET).start()
    original = receiver.signed

    def spy(header, body):
        headers_seen["signature"], headers_seen["body"] = header, body
        return original(header, body)

    receiver.signed = spy
    delivery = event_to(receiver.url)
    assert deliver(delivery.pk).status == "delivered"
    receiver.stop()

    header = headers_seen["signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert set(fields) == {"t", "v1"}
    assert abs(int(fields["t"]) - time.time()) < 5
    signed = f"{fields['t']}.".encode() + headers_seen["body"]
    assert fields["v1"] == hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    # The same body and signature an hour later: a receiver following the docs refuses it.
    stale = int(fields["t"]) - REPLAY_WINDOW_SECONDS - 1
    stale_signature = hmac.new(
        SECRET.encode(), f"{stale}.".encode() + headers_seen["body"], hashlib.sha256
    ).hexdigest()
    assert not receiver.signed(f"t={stale},v1={stale_signature}", headers_seen["body"])
    assert SIGNATURE_HEADER == "X-Dashboard-Signature"
