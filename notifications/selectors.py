"""Reads for the pages: the latest webhook deliveries, for /sync/."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from notifications.models import WebhookDelivery


def recent_deliveries(limit: int = 20) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event").order_by("-id")[:limit]


def webhooks_configured() -> bool:
    return bool(settings.NOTIFY_WEBHOOK_URL)
