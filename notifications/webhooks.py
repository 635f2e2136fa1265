"""Webhook deliveries: a signed JSON POST per event and URL, retried with back-off.

The body is `{"event", "id", "created_at", "data"}`; `X-Dashboard-Event` names the event and
`X-Dashboard-Signature: t=<unix time>,v1=<hex>` signs it: the hex HMAC-SHA256, with
NOTIFY_WEBHOOK_SECRET, of the time, a dot and the exact body bytes (`f"{t}.".encode() + body`),
the convention of the widely used webhook senders. A receiver recomputes it, compares in
constant time and refuses a `t` more than a few minutes from its clock, so a captured
delivery cannot be replayed later.

A delivery is claimed with a conditional UPDATE before it is sent, so two workers never send
it at once; the claim outlives the longest a delivery may take (NOTIFY_WEBHOOK_TIMEOUT for the
whole exchange, webhook_http), so a retry cannot start while it is still under way. It is sent
until the receiver answers 2xx (at least once: a receiver de-duplicates by `id`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.models import WebhookDelivery
from notifications.webhook_http import OutOfTime, post_within

logger = logging.getLogger("notifications")

SIGNATURE_HEADER = "X-Dashboard-Signature"
EVENT_HEADER = "X-Dashboard-Event"
FIRST_RETRY_SECONDS = 30
LONGEST_PAUSE_SECONDS = 3600
CLAIM_MARGIN_SECONDS = 60


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def signature(body: bytes, secret: str, timestamp: int) -> str:
    """`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>." and the body, with secret>`."""
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def claim_length() -> timedelta:
    """How long a claimed delivery is left to its sender: the whole exchange's deadline and a
    minute for the database around it."""
    return timedelta(seconds=settings.NOTIFY_WEBHOOK_TIMEOUT + CLAIM_MARGIN_SECONDS)


def retry_pause(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_PAUSE_SECONDS))


def due_deliveries(now: datetime):
    return WebhookDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__lte=now,
    )


def deliver(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery if it is due and nobody else is sending it; record the outcome.
    Returns the delivery, or None when it was not ours to send."""
    now = now or timezone.now()
    claim = now + claim_length()
    if not due_deliveries(now).filter(pk=delivery_id).update(claimed_until=claim):
        return None
    delivery = WebhookDelivery.objects.select_related("event").get(pk=delivery_id)
    body = body_bytes(delivery.event.payload())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(body, settings.NOTIFY_WEBHOOK_SECRET, int(time.time())),
        EVENT_HEADER: delivery.event.event,
        "User-Agent": "proctoring-dashboard-webhooks",
    }
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.claimed_until = None
    timeout = settings.NOTIFY_WEBHOOK_TIMEOUT
    try:
        response = post_within(delivery.url, data=body, headers=headers, seconds=timeout)
    except OutOfTime:
        delivery.last_status_code = None
        delivery.last_error = f"No answer within {timeout:g} s (NOTIFY_WEBHOOK_TIMEOUT)"
    except requests.RequestException as error:
        delivery.last_status_code = None
        delivery.last_error = f"No answer: {type(error).__name__}"[:500]
    else:
        delivery.last_status_code = response.status
        if 200 <= response.status < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.last_error = ""
        else:
            delivery.last_error = f"Answered {response.status}"
    if delivery.status == WebhookDelivery.Status.PENDING:
        if delivery.attempts >= settings.NOTIFY_WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + retry_pause(delivery.attempts)
        logger.warning(
            "Webhook %s to %s not delivered (try %d): %s",
            delivery.event.event,
            delivery.host,
            delivery.attempts,
            delivery.last_error,
        )
    delivery.save()
    return delivery
