"""django-q2 tasks: the sending, always in the worker.

`deliver_webhook_task` sends one delivery (queued when its event is recorded);
`deliver_due_webhooks_task` (every minute) queues each delivery whose retry is due as a task
of its own, so a receiver that hangs holds up only its own delivery;
`send_event_emails_task` emails one event; `send_daily_digest_task` (daily) the digests;
`purge_notifications_task` (daily) applies RETAIN_NOTIFICATIONS_DAYS.
"""

from __future__ import annotations

from django.utils import timezone
from django_q.tasks import async_task

from notifications.mail import send_daily_digest, send_event_emails
from notifications.retention import purge_notifications
from notifications.webhooks import deliver, due_deliveries

DUE_PER_SWEEP = 200


def deliver_webhook_task(delivery_id: int) -> dict:
    delivery = deliver(delivery_id)
    if delivery is None:
        return {"delivery": delivery_id, "status": "not due"}
    return {"delivery": delivery_id, "status": delivery.status, "attempts": delivery.attempts}


def deliver_due_webhooks_task() -> int:
    due = list(
        due_deliveries(timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DUE_PER_SWEEP]
    )
    for delivery_id in due:
        async_task(
            "notifications.tasks.deliver_webhook_task", delivery_id, task_name="webhook retry"
        )
    return len(due)


def send_event_emails_task(event_id: str) -> int:
    return send_event_emails(event_id)


def send_daily_digest_task() -> int:
    return send_daily_digest()


def purge_notifications_task() -> int:
    return purge_notifications()
