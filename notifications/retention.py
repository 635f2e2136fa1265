"""How long notification events and their webhook deliveries are kept: RETAIN_NOTIFICATIONS_DAYS.

A delivery keeps the receiver's URL, whose query often holds the receiver's token, and an
event the attempt ids and errors it announced; neither is needed once sent (the digest reads
a day back, the sync page the latest deliveries). Events older than the policy go with their
deliveries, each day, except an event whose delivery is still being tried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from notifications.models import NotificationEvent, WebhookDelivery

logger = logging.getLogger("notifications")


def notifications_due(now: datetime) -> QuerySet[NotificationEvent]:
    """The events (with their deliveries) RETAIN_NOTIFICATIONS_DAYS lets go; none when 0."""
    days = settings.RETAIN_NOTIFICATIONS_DAYS
    if not days:
        return NotificationEvent.objects.none()
    pending = WebhookDelivery.objects.filter(
        event=OuterRef("pk"), status=WebhookDelivery.Status.PENDING
    )
    return NotificationEvent.objects.filter(created_at__lt=now - timedelta(days=days)).exclude(
        Exists(pending)
    )


def purge_notifications(*, now: datetime | None = None) -> int:
    """Delete the events due and their deliveries; returns the events deleted."""
    events = notifications_due(now or timezone.now())
    deleted = events.delete()[1].get(NotificationEvent._meta.label, 0)
    if deleted:
        logger.info(
            "Deleted %d notification event(s) older than RETAIN_NOTIFICATIONS_DAYS=%d, with "
            "their webhook deliveries",
            deleted,
            settings.RETAIN_NOTIFICATIONS_DAYS,
        )
    return deleted
