"""The events the product announces, who may hear of each, and recording one.

Recording an event stores it, creates one delivery per NOTIFY_WEBHOOK_URL and, once the
transaction commits, queues the worker's tasks that send them and the emails. Nothing is sent
from here: a web request or a sync pass never waits for a receiver.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from access.permissions import REVIEW_ATTEMPTS, RUN_SYNC, VIEW_USAGE
from notifications.models import NotificationEvent, WebhookDelivery

logger = logging.getLogger("notifications")

NEEDS_REVIEW = "attempt.needs_review"
SYNC_FAILING = "sync.failing"
API_DRIFT = "api.drift"
CREDITS_LOW = "credits.low"
CANDIDATE_RESPONDED = "candidate.responded"


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    permission: str


EVENT_TYPES = {
    event.name: event
    for event in (
        EventType(NEEDS_REVIEW, "Attempts newly below the review threshold", REVIEW_ATTEMPTS),
        EventType(SYNC_FAILING, "A sync stage keeps failing, and when it recovers", RUN_SYNC),
        EventType(API_DRIFT, "AutoProctor's answers changed shape (drift alarms)", RUN_SYNC),
        EventType(CREDITS_LOW, "AutoProctor credits running low", VIEW_USAGE),
        EventType(
            CANDIDATE_RESPONDED, "A candidate answered through a response link", REVIEW_ATTEMPTS
        ),
    )
}


def event_record(*, event: str, data: dict) -> NotificationEvent:
    """Store an event and queue its webhook deliveries and emails for the worker."""
    if event not in EVENT_TYPES:
        raise ValueError(f"Unknown event {event!r}; known: {', '.join(EVENT_TYPES)}")
    with transaction.atomic():
        recorded = NotificationEvent.objects.create(event=event, data=data)
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=recorded, url=url) for url in settings.NOTIFY_WEBHOOK_URL]
        )
        transaction.on_commit(lambda: _queue(recorded, deliveries))
    return recorded


def _queue(recorded: NotificationEvent, deliveries: list[WebhookDelivery]) -> None:
    """Hand the sending to the worker. A queue that does not answer loses nothing: the
    deliveries are rows the minute schedule picks up, and the digest reads the events."""
    try:
        for delivery in deliveries:
            async_task(
                "notifications.tasks.deliver_webhook_task",
                delivery.pk,
                task_name=f"webhook {recorded.event}",
            )
        async_task(
            "notifications.tasks.send_event_emails_task",
            str(recorded.pk),
            task_name=f"email {recorded.event}",
        )
    except Exception:  # the broker being down must not fail the sync that announced this
        logger.warning("Could not queue the sending of %s", recorded.event, exc_info=True)
